import { WithStartWorkflowOperation } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { KeptClient } from '../client/kept-client';
import type { LifecycleEventInput } from '../common/events';
import { journeyWorkflowId } from '../common/ids';
import type { customerJourney } from '../workflows/journey/journey-workflow';
import { journeyStateQuery, recordEventUpdate } from '../workflows/journey/messages';
import { connectDevServer, startKeptWorker, stopWorker } from './helpers/temporal';

/**
 * Continue-as-new under load on the real dev server: many updates in flight while the
 * journey crosses the boundary several times; every one must be applied exactly once.
 */
describe('journey continue-as-new boundary', () => {
  let env: TestWorkflowEnvironment;
  let worker: Awaited<ReturnType<typeof startKeptWorker>>;

  beforeAll(async () => {
    env = await connectDevServer();
    worker = await startKeptWorker(env);
  });

  afterAll(async () => {
    await stopWorker(worker);
    await env.teardown();
  });

  it('loses no update while continuing as new', async () => {
    const brand = 'nordhem';
    const customerId = `c-can-${Date.now()}`;
    const event = (n: number): LifecycleEventInput => ({
      type: 'usage.reported',
      eventId: `u-${n}`,
      brand,
      customerId,
      occurredAt: new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString(),
      level: n,
    });
    // Start the journey with a small history bound, so it continues as new often.
    await env.client.workflow.executeUpdateWithStart(recordEventUpdate, {
      args: [event(0)],
      startWorkflowOperation: new WithStartWorkflowOperation<typeof customerJourney>('customerJourney', {
        workflowId: journeyWorkflowId(brand, customerId),
        taskQueue: worker.taskQueue,
        workflowIdConflictPolicy: 'USE_EXISTING',
        args: [{ brand, customerId, maxHistoryEvents: 60 }],
      }),
    });
    const kept = new KeptClient({ client: env.client, taskQueue: worker.taskQueue });
    const total = 150;
    // Waves of 8 updates in flight at once (the server admits 10 per workflow).
    const results = [];
    for (let first = 1; first < total; first += 8) {
      const wave = Array.from({ length: Math.min(8, total - first) }, (_, i) => kept.recordEvent(event(first + i)));
      results.push(...(await Promise.all(wave)));
    }
    expect(results.every((result) => result.applied)).toBe(true);
    // And the same ids again: all recognised as duplicates across the runs.
    const again = await Promise.all([1, 50, 149].map((n) => kept.recordEvent(event(n))));
    expect(again.map((result) => result.duplicate)).toEqual([true, true, true]);

    const state = await env.client.workflow.getHandle(journeyWorkflowId(brand, customerId)).query(journeyStateQuery);
    expect(state.counters.eventsApplied).toBe(total);
    expect(state.counters.duplicatesIgnored).toBe(3);
    expect(state.counters.continuedAsNew).toBeGreaterThan(1);
  }, 180_000);
});
