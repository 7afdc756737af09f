import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { KeptClient } from '../client/kept-client';
import type { LifecycleEventInput } from '../common/events';
import { journeyWorkflowId } from '../common/ids';
import { takenEventsQuery } from './workflows/older-journey-workflow';
import { connectTimeSkippingServer, uniqueTaskQueue } from './helpers/temporal';

/**
 * A newer client in front of an older worker (a rolling deploy that updated the API first): the
 * worker's journeys have no `recordFollowUpEvent`, so they refuse it unread, and the client sends
 * the event the way that worker knows, after the ownership describe. Nothing is lost or doubled.
 * On the time-skipping server, with a journey stand-in that takes events as an older worker did.
 */
jest.setTimeout(60_000);

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const taskQueue = uniqueTaskQueue('older-worker');

beforeAll(async () => {
  env = await connectTimeSkippingServer();
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('./workflows/older-journey-workflow'),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error },
  });
  worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: { code: bundle.code } });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

it("sends a follow-up event through the older worker's recordEvent after its refusal", async () => {
  const kept = new KeptClient({ client: env.client, taskQueue });
  const now = await env.currentTimeMs();
  const base = { brand: 'nordhem', customerId: 'c-older', orderId: 'o-older', occurredAt: new Date(now).toISOString() };
  const items = [{ sku: 'lamp', name: 'Lamp', category: 'lighting', price: 59 }];
  await kept.recordEvent({ ...base, type: 'order.placed', eventId: 'older-placed', items } as LifecycleEventInput);

  const describes = jest.spyOn(env.client.workflowService, 'describeWorkflowExecution');
  try {
    const result = await kept.recordEvent({ ...base, type: 'shipment.dispatched', eventId: 'older-dispatched' });
    expect(result).toMatchObject({ eventId: 'older-dispatched', applied: true });
    // Refused unread, so the owner was asked (the order's delivery promise, then its workflow: neither exists here).
    expect(describes).toHaveBeenCalledTimes(2);
  } finally {
    describes.mockRestore();
  }
  const journey = env.client.workflow.getHandle(journeyWorkflowId('nordhem', 'c-older'));
  await expect(journey.query(takenEventsQuery)).resolves.toEqual(['order.placed', 'shipment.dispatched']);
});
