import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { SqliteBrandStatistics } from '../activities/anticipation/brand-statistics';
import { outlookAnnouncer } from '../client/outlook-announcer';
import { KeptClient } from '../client/kept-client';
import { transitScopes, type CarriedOutlook } from '../common/anticipation/statistics-contract';
import type { LifecycleEventInput } from '../common/events';
import { journeyWorkflowId } from '../common/ids';
import { journeyStateQuery, recordEventUpdate } from '../workflows/journey/messages';
import { perEventCounts } from './helpers/journey-rounds';
import { outreachDependencies, temporaryDirectory } from './helpers/outreach';
import { connectDevServer, startKeptWorker, stopWorker } from './helpers/temporal';

/**
 * Generation 8 (issue 13): a `shipment.dispatched` sent with the brand's transit outlook for
 * its order (client/outlook-announcer.ts, as the API sends it) spares the journey the
 * statistics read that was the dispatch round's only local activity, and the journey learns
 * exactly what its own read would have given. Dev server, one real SQLite statistics store
 * shared by the worker and the announcing client, as the API and the workers share the ledger.
 */
const BRAND = 'nordhem';
const DAY = 86_400_000;

let env: TestWorkflowEnvironment;
let worker: Awaited<ReturnType<typeof startKeptWorker>>;
let statistics: SqliteBrandStatistics;
let announcing: KeptClient;
let silent: KeptClient;
const tmp = temporaryDirectory('kept-outlook-carried-');

beforeAll(async () => {
  env = await connectDevServer();
  statistics = new SqliteBrandStatistics(path.join(tmp.path, 'ledger.sqlite'));
  // The brand has delivered 25 parcels to the north (2 to 3 days each) and 5 elsewhere.
  for (let index = 0; index < 30; index += 1) {
    const region = index < 25 ? 'north' : 'south';
    await statistics.record(
      BRAND,
      {
        metric: 'transit',
        key: `seed-${index}`,
        scopes: transitScopes({ region }),
        durationMs: (2 + index / 30) * DAY,
      },
      new Date(),
    );
  }
  const outreach = outreachDependencies({ smtpPort: 1, ledgerFile: path.join(tmp.path, 'ledger.sqlite') });
  worker = await startKeptWorker(env, { activityDependencies: { outreach, statistics } });
  announcing = new KeptClient({
    client: env.client,
    taskQueue: worker.taskQueue,
    outlooksOf: outlookAnnouncer(statistics),
  });
  silent = new KeptClient({ client: env.client, taskQueue: worker.taskQueue });
});

afterAll(async () => {
  await stopWorker(worker);
  await env.teardown();
  await statistics.close();
  tmp.remove();
});

const run = Date.now().toString(36);
let eventNumber = 0;

function event(customerId: string, type: string, fields: Record<string, unknown>): LifecycleEventInput {
  eventNumber += 1;
  return {
    type,
    eventId: `${customerId}-${type}-${eventNumber}`,
    brand: BRAND,
    customerId,
    occurredAt: new Date().toISOString(),
    ...fields,
  } as LifecycleEventInput;
}

/** Order ids are the brand's: one per customer here. */
const orderOf = (customerId: string) => `o-${customerId}`;
const placed = (customerId: string) =>
  event(customerId, 'order.placed', {
    orderId: orderOf(customerId),
    promisedDeliveryAt: new Date(Date.now() + 6 * DAY).toISOString(),
    items: [{ sku: 'lamp', name: 'Lamp', category: 'lighting', price: 90 }],
  });
const dispatched = (customerId: string, region = 'north') =>
  event(customerId, 'shipment.dispatched', { orderId: orderOf(customerId), region });

/** Statistics reads per event, in order: the local activity, or the round activity asked to exchange. */
function statisticsReadsPerEvent(customerId: string, events: number): Promise<number[]> {
  return perEventCounts(
    env.client,
    journeyWorkflowId(BRAND, customerId),
    events,
    (label, summary) =>
      label.includes('exchangeBrandStatistics') ||
      (label.includes('runJourneyRound') && summary.includes('exchange brand statistics')),
  );
}

/** What the journey learned for the order: the scope, the sketch and its sample count. */
async function outlookOf(customerId: string) {
  const state = await env.client.workflow.getHandle(journeyWorkflowId(BRAND, customerId)).query(journeyStateQuery);
  const outlook = state.anticipation?.lateRisk[orderOf(customerId)];
  return outlook && { scope: outlook.scope, sketch: outlook.sketch, samples: outlook.samples };
}

describe('a dispatch carries its transit outlook', () => {
  it('spares the journey its statistics read, and the journey learns what its own read gives', async () => {
    const [withOutlook, without] = [`carried-${run}`, `read-${run}`];
    for (const [client, customerId] of [
      [announcing, withOutlook],
      [silent, without],
    ] as const) {
      await client.recordEvent(placed(customerId));
      await statisticsReadsPerEvent(customerId, 1);
      await client.recordEvent(dispatched(customerId));
    }
    // order.placed exchanges for the brand's re-order cadence either way; the dispatch only without an outlook.
    expect(await statisticsReadsPerEvent(withOutlook, 2)).toEqual([1, 0]);
    expect(await statisticsReadsPerEvent(without, 2)).toEqual([1, 1]);
    const learned = await outlookOf(withOutlook);
    expect(learned).toMatchObject({ scope: 'region=north', samples: 25 });
    expect(learned).toEqual(await outlookOf(without));
  });

  it('is read by the journey itself when the outlook does not answer the read it would make', async () => {
    const customerId = `mismatch-${run}`;
    await announcing.recordEvent(placed(customerId));
    await statisticsReadsPerEvent(customerId, 1);
    const handle = env.client.workflow.getHandle(journeyWorkflowId(BRAND, customerId));
    // Sent by hand for other scopes than the order's (south, not north), with a made-up answer.
    const id = orderOf(customerId);
    const south: CarriedOutlook = {
      read: { id, metric: 'transit', scopes: transitScopes({ region: 'south' }) },
      minSamples: 20,
      learned: { id, scope: '*', samples: 999 },
    };
    await handle.executeUpdate(recordEventUpdate, { args: [dispatched(customerId) as never, { outlooks: [south] }] });
    expect(await statisticsReadsPerEvent(customerId, 2)).toEqual([1, 1]);
    expect(await outlookOf(customerId)).toMatchObject({ scope: 'region=north', samples: 25 });
  });

  it('rejects a malformed outlook in the validator, before anything is written', async () => {
    const customerId = `malformed-${run}`;
    await announcing.recordEvent(placed(customerId));
    await statisticsReadsPerEvent(customerId, 1);
    const handle = env.client.workflow.getHandle(journeyWorkflowId(BRAND, customerId));
    const before = (await handle.fetchHistory()).events?.length;
    const wrongId = {
      read: { id: orderOf(customerId), metric: 'transit', scopes: ['*'] },
      minSamples: 20,
      learned: { id: 'another-order', samples: 3 },
    } as never;
    await expect(
      handle.executeUpdate(recordEventUpdate, { args: [dispatched(customerId) as never, { outlooks: [wrongId] }] }),
    ).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/context\.outlooks\.0: learned\.id must be read\.id/) },
    });
    expect((await handle.fetchHistory()).events?.length).toBe(before);
  });
});
