import {
  statisticsExchangeSchema,
  type LearnedSketch,
  type StatisticsAnswer,
  type StatisticsRead,
} from '../../common/anticipation/statistics-contract';
import { SqliteBrandStatistics, type BrandStatisticsStore, type StoredSketch } from './brand-statistics';

/**
 * The journey's one door to its brand's statistics: what it observed goes in (once per
 * observation key), the sketches it needs come out. Called as a LOCAL activity, so the
 * answer is recorded in history and a replay decides on the same numbers; the write is
 * idempotent, so a re-executed local activity learns nothing twice.
 *
 * A worker built without a store (a test of something else) learns in memory, per worker.
 */
export function createAnticipationActivities(store: BrandStatisticsStore = new SqliteBrandStatistics(':memory:')) {
  return {
    async exchangeBrandStatistics(raw: unknown): Promise<StatisticsAnswer> {
      const request = statisticsExchangeSchema.parse(raw);
      const now = new Date();
      let recorded = 0;
      for (const observation of request.observations) {
        if (await store.record(request.brand, observation, now)) recorded += 1;
      }
      const learned: LearnedSketch[] = [];
      for (const read of request.reads) {
        const stored = await store.read(request.brand, read.metric, read.scopes);
        learned.push(chooseSketch(read, stored, request.minSamples));
      }
      return { recorded, learned };
    },
  };
}

/** The most specific scope with enough samples, else the broadest one known (the caller then uses its default). */
export function chooseSketch(read: StatisticsRead, stored: StoredSketch[], minSamples: number): LearnedSketch {
  const byScope = new Map(stored.map((row) => [row.scope, row]));
  const known = read.scopes.flatMap((scope) => byScope.get(scope) ?? []);
  const chosen = known.find((row) => row.samples >= minSamples) ?? known.at(-1);
  if (!chosen) return { id: read.id, samples: 0 };
  return { id: read.id, scope: chosen.scope, sketch: chosen.sketch, samples: Number(chosen.samples) };
}
