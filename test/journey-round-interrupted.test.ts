import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createJourneyForwardingActivities } from '../activities/journey-forwarding';
import { createAnticipationActivities } from '../activities/anticipation/statistics-activities';
import { createImplicitPromiseActivities } from '../activities/implicit-promises';
import { createJourneyConfigActivities } from '../activities/journey-config';
import { createJourneyRoundActivities, type JourneyRoundRequest } from '../activities/journey-round';
import { loadKeptEnv, projectPath } from '../common/config';
import { KeptClient } from '../client/kept-client';
import { journeyWorkflowId, orderWorkflowId, promiseWorkflowId } from '../common/ids';
import { deliveryPromiseId } from '../workflows/journey/implicit-promises';
import { journeyStateQuery } from '../workflows/journey/messages';
import { orderStateQuery } from '../workflows/order/messages';
import { eventually } from './helpers/api';
import { connectDevServer, startKeptWorker, stopWorker, uniqueTaskQueue } from './helpers/temporal';

/**
 * A journey's round runs as a local activity since generation 4 (workflows/journey/round-activity.ts),
 * and a local activity that fails is run again from its start. On the dev server: the round's
 * first attempt starts the order, then fails before the delivery promise is made; the retry
 * runs the whole round again. The order is started once and has each event once, and the
 * delivery promise is made once and known open to the journey.
 */
jest.setTimeout(90_000);

describe('a journey round that fails halfway', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await connectDevServer();
  });

  afterAll(async () => {
    await env.teardown();
  });

  it('is run again whole, and nothing happens twice', async () => {
    const taskQueue = uniqueTaskQueue('round-cut');
    const brand = 'nordhem';
    const customerId = `c-cut-${Date.now().toString(36)}`;
    const orderId = `o-${customerId}`;
    const profilesDir = projectPath(loadKeptEnv().KEPT_PROFILES_DIR);
    const forwarding = createJourneyForwardingActivities(env.client);
    const round = createJourneyRoundActivities(forwarding, createImplicitPromiseActivities(env.client, profilesDir), {
      ...createJourneyConfigActivities(profilesDir),
      ...createAnticipationActivities(),
    });
    const attempts: number[] = [];
    const worker = await startKeptWorker(env, {
      taskQueue,
      extraActivities: {
        // Kept's own round, except that its first attempt stops after the forwarding.
        async runJourneyRound(request: JourneyRoundRequest) {
          const { attempt } = Context.current().info;
          attempts.push(attempt);
          if (attempt > 1) return round.runJourneyRound(request);
          await forwarding.forwardToJourneys(request.forward);
          throw ApplicationFailure.retryable('stopped after the forwarding, before the promises', 'TestInterruption');
        },
      },
    });
    const kept = new KeptClient({ client: env.client, taskQueue });
    // Placement and a failed payment in one update: one round starts the order (held in the
    // journey while on its routine path, held-orders.ts) and makes the delivery promise.
    const placedAt = Date.now() - 60_000;
    const placed = kept.recordEvents([
      {
        type: 'order.placed',
        eventId: `${customerId}-placed`,
        brand,
        customerId,
        occurredAt: new Date(placedAt).toISOString(),
        orderId,
        items: [{ sku: 'lamp', name: 'Lamp', category: 'lighting', price: 59 }],
        promisedDeliveryAt: new Date(placedAt + 3 * 86_400_000).toISOString(),
      },
      {
        type: 'payment.failed',
        eventId: `${customerId}-payment-failed`,
        brand,
        customerId,
        occurredAt: new Date(placedAt + 30_000).toISOString(),
        orderId,
      },
    ]);
    try {
      await placed;
      const journey = env.client.workflow.getHandle(journeyWorkflowId(brand, customerId));
      const promiseId = deliveryPromiseId(orderId);
      await eventually(async () => {
        const state = await journey.query(journeyStateQuery);
        expect(state.implicitPromises?.confirmed[promiseId]?.status).toBe('open');
      }, 60_000);

      const order = env.client.workflow.getHandle(orderWorkflowId(brand, orderId));
      expect((await order.query(orderStateQuery)).events.map((event) => event.eventId)).toEqual([
        `${customerId}-placed`,
        `${customerId}-payment-failed`,
      ]);
      const runs = async (workflowId: string) => {
        let count = 0;
        for await (const _ of env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) count += 1;
        return count;
      };
      await eventually(async () => {
        expect(await runs(orderWorkflowId(brand, orderId))).toBe(1);
        expect(await runs(promiseWorkflowId(brand, promiseId))).toBe(1);
      }, 15_000);
      // The first attempt did get halfway: the order was started there (with both events), and
      // the retry's start found it running and signalled it the failed payment, applied once.
      expect(attempts.slice(0, 2)).toEqual([1, 2]);
      const history = (await order.fetchHistory()).events ?? [];
      expect(history.filter((event) => event.workflowExecutionSignaledEventAttributes)).toHaveLength(1);
    } finally {
      await stopWorker(worker);
    }
  });
});
