import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { SqliteBrandStatistics, type BrandStatisticsStore } from '../activities/anticipation/brand-statistics';
import { KeptClient } from '../client/kept-client';
import { BRAND_WIDE, TRANSIT_METRIC } from '../common/anticipation/statistics-contract';
import type { LifecycleEventInput } from '../common/events';
import { journeyWorkflowId } from '../common/ids';
import { startCaptureServer, type CaptureServer } from '../mail/capture-server';
import { journeyStateQuery } from '../workflows/journey/messages';
import type { JourneyState } from '../workflows/journey/state';
import { outreachDependencies, temporaryDirectory } from './helpers/outreach';
import { connectDevServer, startKeptWorker, stopWorker } from './helpers/temporal';

/**
 * From generation 3 a journey's round activity also exchanges with the brand statistics (it
 * was a local activity of its own). The statistics database down must not stop a journey or
 * lose what it saw: the round goes on, the delivery waits in the journey, and the brand learns
 * it at the first exchange after the database is back. Dev server, real SQLite store; only the
 * outage is ours (a store that throws while "down").
 */
const BRAND = 'nordhem';
const DAY = 86_400_000;

/** The real store, behind a switch that makes every call fail as a database outage would. */
class StoreWithOutage implements BrandStatisticsStore {
  down = false;
  /** Observation keys a journey tried to record while down. */
  readonly refused: string[] = [];
  constructor(private readonly store: BrandStatisticsStore) {}
  record: BrandStatisticsStore['record'] = (brand, observation, at) => {
    if (this.down) this.refused.push(observation.key);
    return this.guard(() => this.store.record(brand, observation, at));
  };
  read: BrandStatisticsStore['read'] = (...args) => this.guard(() => this.store.read(...args));
  close = () => this.store.close();
  private guard<T>(call: () => Promise<T>): Promise<T> {
    return this.down ? Promise.reject(new Error('statistics database unreachable')) : call();
  }
}

let env: TestWorkflowEnvironment;
let worker: Awaited<ReturnType<typeof startKeptWorker>>;
let smtp: CaptureServer;
let kept: KeptClient;
let sqlite: SqliteBrandStatistics;
let store: StoreWithOutage;
const tmp = temporaryDirectory('kept-round-reads-');

beforeAll(async () => {
  env = await connectDevServer();
  smtp = await startCaptureServer({ port: 0, host: '127.0.0.1', directory: path.join(tmp.path, 'mail') });
  sqlite = new SqliteBrandStatistics(path.join(tmp.path, 'statistics.sqlite'));
  store = new StoreWithOutage(sqlite);
  const outreach = outreachDependencies({ smtpPort: smtp.port, ledgerFile: path.join(tmp.path, 'ledger.sqlite') });
  worker = await startKeptWorker(env, { activityDependencies: { outreach, statistics: store } });
  kept = new KeptClient({ client: env.client, taskQueue: worker.taskQueue });
});

afterAll(async () => {
  await stopWorker(worker);
  await sqlite.close();
  await smtp.close();
  await env.teardown();
  tmp.remove();
});

const customerId = `reads-${Date.now().toString(36)}`;
// Order ids are per brand and the dev server is shared by the whole run: unique to this test.
const order = (n: number) => `${customerId}-o-${n}`;

function orderEvent(type: LifecycleEventInput['type'], orderId: string, extra: object = {}): LifecycleEventInput {
  return {
    type,
    eventId: `${customerId}-${orderId}-${type}`,
    brand: BRAND,
    customerId,
    occurredAt: new Date().toISOString(),
    orderId,
    ...extra,
  } as LifecycleEventInput;
}

const placed = (orderId: string) =>
  orderEvent('order.placed', orderId, {
    items: [{ sku: `lamp-${orderId}`, name: 'Lamp', category: 'lighting', price: 59 }],
    promisedDeliveryAt: new Date(Date.now() + 3 * DAY).toISOString(),
  });

const journeyState = (): Promise<JourneyState> =>
  env.client.workflow.getHandle(journeyWorkflowId(BRAND, customerId)).query(journeyStateQuery);

async function eventually<T>(read: () => Promise<T>, holds: (value: T) => boolean, what: string): Promise<T> {
  let last: T | undefined;
  for (let attempt = 0; attempt < 60; attempt += 1) {
    last = await read();
    if (holds(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${what}: never held (last seen ${JSON.stringify(last)})`);
}

const toLearn = (state: JourneyState): string[] =>
  (state.anticipation?.toLearn ?? []).map((observation) => observation.key);

const learnedTransitSamples = async () =>
  (await sqlite.read(BRAND, TRANSIT_METRIC, [BRAND_WIDE])).reduce((sum, row) => sum + row.samples, 0);

test('a delivery seen while the statistics database is down is learned once it is back, and the journey goes on', async () => {
  store.down = true;
  await kept.recordEvent(placed(order(1)));
  await kept.recordEvent(orderEvent('shipment.dispatched', order(1)));
  await kept.recordEvent(orderEvent('shipment.delivered', order(1)));

  // The journey tried to learn the delivery, and was refused...
  await eventually(
    async () => store.refused,
    (keys) => keys.includes(order(1)),
    'an exchange refused',
  );
  // ...and went on: the order is delivered, and the delivery waits in the journey (a round
  // takes it out of the state before its exchange: it is back only if the failure put it back).
  const during = await eventually(
    journeyState,
    (state) => state.orders[order(1)]?.stage === 'use' && toLearn(state).includes(order(1)),
    'the delivery applied and waiting to be learned',
  );
  expect(during.stage).toBe('use');
  expect(await learnedTransitSamples()).toBe(0);

  // Back up: the next order's round exchanges, and the delivery of o-1 goes in with it.
  store.down = false;
  await kept.recordEvent(placed(order(2)));
  await eventually(learnedTransitSamples, (samples) => samples === 1, 'the brand learned the delivery of o-1');
  const after = await eventually(journeyState, (state) => toLearn(state).length === 0, 'nothing left to learn');
  expect(after.orders[order(2)]?.stage).toBe('purchase');
});
