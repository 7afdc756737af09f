import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { KeptClient } from '../client/kept-client';
import type { LifecycleEventInput } from '../common/events';
import { orderWorkflowId } from '../common/ids';
import { KeptFlags } from '../common/search-attributes';
import { orderStateQuery } from '../workflows/order/messages';
import { historyCost, timerEvents } from './helpers/history-breakdown';
import { startOutreachStack, type OutreachStack } from './helpers/outreach-stack';
import { uniqueTaskQueue } from './helpers/temporal';
import { wallTime } from './helpers/wall-time';

/**
 * An order's promised-date timer on the time-skipping server: an event that leaves the date
 * where it was (a dispatch) keeps the timer (no cancel and restart in history), and the order
 * is still flagged late when the date passes undelivered.
 */
jest.setTimeout(120_000);

// A brand without a service profile makes no delivery promise, so the order has its own
// workflow from its placement (with one, a routine order lives in its journey: held-orders.ts).
const brand = 'plainco';
const DAY = 86_400_000;

let stack: OutreachStack;
let env: TestWorkflowEnvironment;
let kept: KeptClient;
const taskQueue = uniqueTaskQueue('order-timer');

beforeAll(async () => {
  stack = await startOutreachStack('kept-order-timer-', { taskQueue });
  env = stack.env;
  kept = new KeptClient({ client: env.client, taskQueue });
});

afterAll(() => stack?.stop());

const iso = (ms: number) => new Date(ms).toISOString();

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('condition not reached');
}

test('a dispatch before the promised date keeps the timer, and the order still turns late when the date passes', async () => {
  const customerId = 'c-timer';
  const orderId = 'o-timer';
  const now = await env.currentTimeMs();
  const envelope = { brand, customerId, orderId };
  const placed: LifecycleEventInput = {
    ...envelope,
    type: 'order.placed',
    eventId: 'timer-placed',
    occurredAt: iso(now),
    items: [{ sku: 'lamp', name: 'Lamp', category: 'lighting', price: 59 }],
    promisedDeliveryAt: iso(now + 2 * DAY),
  };
  await kept.recordEvent(placed);
  await kept.recordEvent({
    ...envelope,
    type: 'shipment.dispatched',
    eventId: 'timer-dispatched',
    occurredAt: iso(now),
  });
  const order = env.client.workflow.getHandle(orderWorkflowId(brand, orderId));
  await waitFor(
    () => order.query(orderStateQuery),
    (state) => state.dispatchedAt !== undefined,
  );

  await env.sleep(3 * DAY);
  const description = await waitFor(
    () => order.describe(),
    (described) => (described.typedSearchAttributes.get(KeptFlags) ?? []).includes('late'),
  );
  expect(description.typedSearchAttributes.get(KeptFlags)).toContain('late');

  const cost = await historyCost(env.client, orderWorkflowId(brand, orderId));
  expect(cost.kinds.TimerStarted).toBe(1);
  expect(cost.kinds.TimerCanceled ?? 0).toBe(0);
  expect(cost.kinds.TimerFired).toBe(1);
  // A brand without a profile has no zone of its own: the timer says UTC, and says so.
  expect(await timerEvents(env.client, orderWorkflowId(brand, orderId))).toEqual([
    `started promised delivery ${wallTime(now + 2 * DAY, 'UTC')}`,
    'fired',
  ]);
});
