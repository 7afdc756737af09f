import {
  PostgresBrandStatistics,
  SqliteBrandStatistics,
  type BrandStatisticsStore,
  type StatisticsObservation,
} from '../activities/anticipation/brand-statistics';
import { createAnticipationActivities } from '../activities/anticipation/statistics-activities';
import { conditionalLateRisk, transitModel } from '../common/anticipation/conditional-risk';
import { parseSketch, sampleCount } from '../common/anticipation/transit-sketch';
import { seededRandom } from '../examples/history-generator/random';
import { findPostgresBinDir, startTemporaryPostgres, type TemporaryPostgres } from '../scripts/postgres';

/**
 * The brand statistics in the SHARED PostgreSQL (the path a multi-worker deployment uses),
 * against a real PostgreSQL started by scripts/postgres.ts, checked against the SQLite store
 * fed the same deliveries: the same sketches, the same sample counts, the same conditional
 * risk through the journey's activity; two workers learning at once lose no sample, and an
 * observation seen by both counts once.
 */
const binDir = findPostgresBinDir();
if (!binDir) {
  console.warn(
    '\n!! PostgreSQL (initdb/postgres) not found: the PostgreSQL brand statistics tests are SKIPPED.\n' +
      '!! Install it (Debian: apt-get install postgresql, or npm run setup as root).\n',
  );
}
const describeWithPostgres = binDir ? describe : describe.skip;
const DAY_MS = 86_400_000;

/** 300 deliveries of one brand (a few held up), in four scopes; keys unique per order. */
function deliveries(): StatisticsObservation[] {
  const random = seededRandom('statistics-postgres');
  return Array.from({ length: 300 }, (_, index) => {
    const heldUp = random.chance(0.08);
    const days = heldUp ? random.logNormal(12, 0.3) : random.logNormal(2, 0.3);
    const region = index % 3 === 0 ? 'north' : 'south';
    return {
      metric: 'transit',
      key: `order-${index}`,
      scopes: [`region=${region}|carrier=parcelway`, `region=${region}`, 'carrier=parcelway', '*'],
      durationMs: Math.round(days * DAY_MS),
    };
  });
}

describeWithPostgres('brand statistics on PostgreSQL', () => {
  let postgres: TemporaryPostgres;
  const stores: BrandStatisticsStore[] = [];
  const at = new Date('2025-10-01T12:00:00.000Z');

  beforeAll(async () => {
    postgres = await startTemporaryPostgres(binDir);
  });

  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await postgres?.stop();
  });

  async function open<T extends BrandStatisticsStore>(store: Promise<T> | T): Promise<T> {
    const opened = await store;
    stores.push(opened);
    return opened;
  }

  it('two workers learning the same deliveries at once keep what SQLite keeps, each delivery once', async () => {
    const [workerA, workerB] = [
      await open(PostgresBrandStatistics.connect(postgres.url)),
      await open(PostgresBrandStatistics.connect(postgres.url)),
    ];
    const sqlite = await open(new SqliteBrandStatistics(':memory:'));
    const observations = deliveries();
    // Both workers see every delivery (a journey retried on another worker), concurrently.
    const recorded = await Promise.all(
      observations.flatMap((observation) => [
        workerA.record('nordhem', observation, at),
        workerB.record('nordhem', observation, at),
      ]),
    );
    expect(recorded.filter(Boolean)).toHaveLength(observations.length);
    for (const observation of observations) await sqlite.record('nordhem', observation, at);
    // Another brand's deliveries never reach nordhem's sketches.
    await workerB.record('maison-laurent', { ...observations[0]!, durationMs: 40 * DAY_MS }, at);

    const scopes = ['region=north|carrier=parcelway', 'region=north', 'region=south', 'carrier=parcelway', '*'];
    const fromPostgres = await workerA.read('nordhem', 'transit', scopes);
    const fromSqlite = await sqlite.read('nordhem', 'transit', scopes);
    expect(fromPostgres.map((row) => row.scope)).toEqual([...scopes].sort());
    expect(fromPostgres).toEqual(fromSqlite);
    const everything = fromPostgres.find((row) => row.scope === '*')!;
    expect(everything.samples).toBe(observations.length);
    expect(sampleCount(parseSketch(everything.sketch))).toBe(observations.length);
    const north = observations.filter((observation) => observation.scopes.includes('region=north')).length;
    expect(fromPostgres.find((row) => row.scope === 'region=north')!.samples).toBe(north);
    const other = await workerA.read('maison-laurent', 'transit', ['*']);
    expect(other.map((row) => row.samples)).toEqual([1]);
  });

  it('the journey activity reads the same sketch, and so the same risk, from PostgreSQL as from SQLite', async () => {
    const postgresStore = await open(PostgresBrandStatistics.connect(postgres.url));
    const sqlite = await open(new SqliteBrandStatistics(':memory:'));
    for (const observation of deliveries()) {
      await sqlite.record('nordhem', observation, at);
      await postgresStore.record('nordhem', observation, at); // already learned by the test above: a no-op
    }
    const request = {
      brand: 'nordhem',
      observations: [],
      reads: [{ id: 'o-1', metric: 'transit', scopes: ['region=north|carrier=parcelway', 'carrier=parcelway', '*'] }],
      minSamples: 20,
    };
    const [viaPostgres, viaSqlite] = await Promise.all([
      createAnticipationActivities(postgresStore).exchangeBrandStatistics(request),
      createAnticipationActivities(sqlite).exchangeBrandStatistics(request),
    ]);
    expect(viaPostgres).toEqual(viaSqlite);
    const learned = viaPostgres.learned[0]!;
    expect(learned).toMatchObject({ id: 'o-1', scope: 'region=north|carrier=parcelway' });
    // A parcel 5 days out on a 7-day promise: held up, by these deliveries (almost surely late).
    const model = transitModel(parseSketch(learned.sketch!));
    const clock = { dispatchedAt: 0, promisedAt: 7 * DAY_MS };
    expect(model.learned).toBe(true);
    expect(conditionalLateRisk(model, clock, 5 * DAY_MS)).toBeGreaterThan(0.8);
    expect(conditionalLateRisk(model, clock, 0)).toBeLessThan(0.2);
  });
});
