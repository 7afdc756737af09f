import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { KeptClient } from '../client/kept-client';
import type { LifecycleEventInput } from '../common/events';
import { journeyWorkflowId, orderWorkflowId } from '../common/ids';
import { FORWARD_CHUNK } from '../workflows/journey/round-activity';
import { eventually } from './helpers/api';
import { connectDevServer, startKeptWorker, stopWorker, uniqueTaskQueue } from './helpers/temporal';

/**
 * Forwarding more events than one attempt holds, on the real dev server: the worker is shut
 * down while the journey hands a batch to its order journeys, another worker takes over, and
 * the retried attempt resumes where the heartbeat says — no order journey is handed its event twice.
 */
describe('forwarding a large batch to order journeys', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await connectDevServer();
  });

  afterAll(async () => {
    await env.teardown();
  });

  it('resumes after the worker dies midway instead of starting from zero', async () => {
    const brand = 'plainbrand';
    const customerId = `c-forward-${Date.now()}`;
    const total = 3 * FORWARD_CHUNK;
    const orderId = (n: number) => `${customerId}-o-${n}`;
    const placedAt = Date.UTC(2025, 0, 1);
    const events: LifecycleEventInput[] = Array.from({ length: total }, (_, n) => ({
      type: 'order.placed',
      eventId: `${customerId}-e-${n}`,
      brand,
      customerId,
      occurredAt: new Date(placedAt + n * 60_000).toISOString(),
      orderId: orderId(n),
      items: [{ sku: 'mug', name: 'Mug', category: 'kitchen', price: 9 }],
    }));
    const taskQueue = uniqueTaskQueue();
    const first = await startKeptWorker(env, { taskQueue });
    await new KeptClient({ client: env.client, taskQueue }).recordEvents(events, { outreach: 'none' });
    // Midway through the second chunk: the first is done, the third not started.
    const midway = FORWARD_CHUNK + FORWARD_CHUNK / 2;
    await eventually(
      () =>
        env.client.workflow
          .getHandle(orderWorkflowId(brand, orderId(midway)))
          .describe()
          .then(),
      60_000,
    );
    await stopWorker(first);

    const second = await startKeptWorker(env, { taskQueue });
    try {
      await eventually(
        () =>
          env.client.workflow
            .getHandle(orderWorkflowId(brand, orderId(total - 1)))
            .describe()
            .then(),
        60_000,
      );
      // One history at a time: a burst of parallel reads made the loaded dev server answer
      // "Namespace default is not found" (seen in CI).
      const handed: number[] = [];
      for (let n = 0; n < total; n += 1)
        handed.push(await timesHandedItsEvent(env, orderWorkflowId(brand, orderId(n))));
      const attempts = await forwardingAttempts(env, journeyWorkflowId(brand, customerId));
      // The shutdown really hit an attempt, and the retry did not start that chunk over.
      expect(attempts.some((attempt) => attempt > 1)).toBe(true);
      expect(handed.filter((count) => count !== 1)).toEqual([]);
    } finally {
      await stopWorker(second);
    }
  }, 180_000);
});

/** How often the order journey was handed its event: among the events it started with, or by signal. */
async function timesHandedItsEvent(env: TestWorkflowEnvironment, workflowId: string): Promise<number> {
  const events = (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const payload = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  const input = payload?.data ? (JSON.parse(Buffer.from(payload.data).toString('utf8')) as { events?: unknown[] }) : {};
  const signals = events.filter((event) => event.workflowExecutionSignaledEventAttributes).length;
  return (input.events?.length ?? 0) + signals;
}

/** The activities that forward: the round's one activity, and forwarding alone in earlier runs. */
const FORWARDING = ['runJourneyRound', 'forwardToJourneys'];

/** The attempt number of every forwarding activity the journey ran. */
async function forwardingAttempts(env: TestWorkflowEnvironment, workflowId: string): Promise<number[]> {
  const events = (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const forwarding = new Set(
    events
      .filter((event) => FORWARDING.includes(event.activityTaskScheduledEventAttributes?.activityType?.name ?? ''))
      .map((event) => Number(event.eventId)),
  );
  return events.flatMap((event) => {
    const started = event.activityTaskStartedEventAttributes;
    return started && forwarding.has(Number(started.scheduledEventId)) ? [started.attempt ?? 1] : [];
  });
}
