import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { KeptClient } from '../client/kept-client';
import type { PromiseClient } from '../client/promises';
import type { LifecycleEventInput } from '../common/events';
import { promiseWorkflowId } from '../common/ids';
import { KeptKind, KeptStatus } from '../common/search-attributes';
import { deliveryPromiseId } from '../workflows/journey/implicit-promises';
import { planSteps } from '../workflows/promise/plan';
import { shippedProfiles } from './helpers/outreach';
import { startOutreachStack, type OutreachStack } from './helpers/outreach-stack';
import { promiseClientOn, uniqueTaskQueue, settleOn } from './helpers/temporal';

/**
 * The delivery promise that a journey makes waits for its first step before its first workflow
 * task (client/promises.ts `deferredFirstTask`): at placement it costs a workflow start and
 * nothing more. On the time-skipping server: meanwhile it is found open where operators look,
 * and read through the client; a delivery before its first step keeps it at once; and an order
 * still on its way when that step comes gets the step then, not later.
 */
jest.setTimeout(120_000);

const brand = 'nordhem';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const items = [{ sku: 'lamp', name: 'Lamp', category: 'lighting', price: 59 }];
const { EventType } = temporal.api.enums.v1;
const profile = shippedProfiles().get(brand)!;

/** When the plan of a promise made at `placedAt`, due at `promisedAt`, first reminds its owner. */
const firstReminderAt = (placedAt: number, promisedAt: number): number =>
  planSteps(
    { windowStartedAt: iso(placedAt), dueAt: iso(promisedAt), renegotiations: 0, owner: { kind: 'system', id: 'x' } },
    { ...profile, webhookSubscriptions: [] },
    'P30D',
  ).find((step) => step.step === 'reminder-1')!.at;

let stack: OutreachStack;
let env: TestWorkflowEnvironment;
let kept: KeptClient;
let promises: PromiseClient;
const taskQueue = uniqueTaskQueue('promise-first-task');

beforeAll(async () => {
  stack = await startOutreachStack('kept-promise-first-task-', { taskQueue });
  env = stack.env;
  kept = new KeptClient({ client: env.client, taskQueue });
  promises = promiseClientOn(env, taskQueue);
});

afterAll(() => stack?.stop());

const iso = (ms: number): string => new Date(ms).toISOString();

const orderEvent = (customerId: string, orderId: string, type: string, at: number, fields = {}) =>
  ({
    type,
    eventId: `${orderId}-${type}`,
    brand,
    customerId,
    occurredAt: iso(at),
    orderId,
    ...fields,
  }) as LifecycleEventInput;

const promiseHandle = (orderId: string) =>
  env.client.workflow.getHandle(promiseWorkflowId(brand, deliveryPromiseId(orderId)));

/** Lets the journey's round and what it starts run (one server second a step), until `done`. */
const settle = (what: string, done: () => Promise<boolean>) => settleOn(env, what, done);

/** Places an order promised five days ahead; answers when its delivery promise's workflow exists. */
async function place(customerId: string, orderId: string): Promise<{ placedAt: number; promisedAt: number }> {
  const placedAt = await env.currentTimeMs();
  const promisedAt = placedAt + 5 * DAY;
  await kept.recordEvent(
    orderEvent(customerId, orderId, 'order.placed', placedAt, { items, promisedDeliveryAt: iso(promisedAt) }),
  );
  await settle('the delivery promise is made', async () => {
    const journey = await kept.getJourney(brand, customerId);
    return journey.implicitPromises?.confirmed[deliveryPromiseId(orderId)]?.status === 'open';
  });
  return { placedAt, promisedAt };
}

/** When the promise's first workflow task started, from its history. */
async function firstTaskStartedAt(orderId: string): Promise<number | undefined> {
  const history = await promiseHandle(orderId).fetchHistory();
  const started = history.events?.find((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
  return started?.eventTime ? Number(started.eventTime.seconds) * 1000 : undefined;
}

describe('a delivery promise made by the journey', () => {
  it('runs no workflow task at placement, is listed open, and is read through the client', async () => {
    const { placedAt, promisedAt } = await place('c-first-task', 'o-first-task');
    const description = await promiseHandle('o-first-task').describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.historyLength).toBe(1);
    // Its first task waits for its first step: Nordhem's first reminder, half-way in business time.
    const firstTaskAt = description.executionTime!.getTime();
    expect(firstTaskAt).toBeGreaterThan(placedAt + 12 * HOUR);
    expect(Math.abs(firstTaskAt - firstReminderAt(placedAt, promisedAt))).toBeLessThan(5_000);
    // What operators search by is there already.
    expect(description.typedSearchAttributes.get(KeptKind)).toBe('promise');
    expect(description.typedSearchAttributes.get(KeptStatus)).toBe('open');

    const state = await promises.getPromise(brand, deliveryPromiseId('o-first-task'));
    expect(state).toMatchObject({ status: 'open', orderId: 'o-first-task', dueAt: iso(promisedAt) });
    // Reading it ran its first task, early: it planned its steps and sleeps until the first one.
    expect(await firstTaskStartedAt('o-first-task')).toBeLessThan(firstTaskAt);
  });

  it('is kept at once when the parcel arrives before its first step', async () => {
    const { placedAt } = await place('c-early-delivery', 'o-early-delivery');
    const firstTaskAt = (await promiseHandle('o-early-delivery').describe()).executionTime!.getTime();
    await kept.recordEvent(orderEvent('c-early-delivery', 'o-early-delivery', 'shipment.delivered', placedAt + 1_000));
    // The delivery reaches the promise through an update, which runs its first task then.
    await settle('the promise is kept', async () => {
      const description = await promiseHandle('o-early-delivery').describe();
      return description.status.name === 'COMPLETED';
    });
    const description = await promiseHandle('o-early-delivery').describe();
    expect(description.typedSearchAttributes.get(KeptStatus)).toBe('kept');
    expect(await promiseHandle('o-early-delivery').result()).toMatchObject({ outcome: 'kept' });
    expect(description.closeTime!.getTime()).toBeLessThan(firstTaskAt);
  });

  it('takes its first step when it comes, for an order still on its way', async () => {
    await place('c-on-its-way', 'o-on-its-way');
    const firstTaskAt = (await promiseHandle('o-on-its-way').describe()).executionTime!.getTime();
    await env.sleep(firstTaskAt + 60_000 - (await env.currentTimeMs()));
    const startedAt = await firstTaskStartedAt('o-on-its-way');
    expect(startedAt).toBeGreaterThanOrEqual(firstTaskAt - 1_000);
    expect(startedAt).toBeLessThan(firstTaskAt + 60_000);
    const state = await promises.getPromise(brand, deliveryPromiseId('o-on-its-way'));
    expect(state.status).toBe('open');
    expect(state.sent).toEqual(['reminder-1']);
  });
});
