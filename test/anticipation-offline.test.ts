import { Duration } from 'luxon';
import { keptVersus } from '../backtest/report/dominance';
import {
  offlineLateNoticesOverSeeds,
  type OfflineOptions,
  type OfflineScores,
  type Scores,
} from '../backtest/offline-late-notice';
import { transitModel } from '../common/anticipation/conditional-risk';
import { lateNoticeSettings } from '../common/anticipation/late-notice';
import { loadPlaybooks } from '../common/playbooks/load';
import { generateHistory } from '../examples/history-generator/generate';
import type { HistoryTruth } from '../examples/history-generator/truth';
import { ANTICIPATION_HISTORY, ANTICIPATION_SEEDS } from './helpers/anticipation-history';

/**
 * The fast guard of issue 12 (pure, seconds): the late-delivery rule with the SHIPPED brand
 * settings (config/playbooks delivery.at-risk) and the journey's cold-start model, run offline
 * over 16 histories of the generator settings of test/anticipation-backtest.test.ts (its seed
 * and 15 others), must Pareto-dominate BOTH baselines POOLED over the seeds (every seed's
 * notices counted together): recall ≥, precision ≥, strictly longer median lead. One seed is
 * not a claim; the per-seed verdicts are printed with any failure.
 *
 * Measured offline (2026-12-02), pooled, 152 late of the scored orders, day-before 1.00 /
 * 0.82 / 1.00 d (the dispatched-late rule notices none of them: these parcels leave on time):
 * - risk 0.6 + blend (shipped): 1.00 / 0.84 / 1.05 d, dominates; per seed on 9 of 16.
 *   With a 40-day warm-up (orders placed before it learned from, not scored): 125 late,
 *   Kept 0.833 (25 false alarms) vs 0.828 (26) / 1.11 d vs 1.00 d, dominates; 8 of 16 seeds.
 * - risk 0.7 + blend: 0.92 / 0.75 d; 0.8 + blend: 0.94 / 0.50 d — more precise, later.
 * - risk 0.6 with the old fixed cold start (default until 20 deliveries): 0.68 / 0.99 d;
 *   risk 0.7 (the previous setting): 0.75 / 0.66 d, dominating 4 of 16 seeds.
 * Where it does not hold: on 7 of the 16 seeds alone Kept loses on precision or lead (small
 * histories: 5–15 late parcels each, one false alarm moves precision by 0.05); the margin
 * pooled is 2 points of precision and 0.05 d of lead. A minimum lead of 1 day cannot dominate
 * at all (every late notice of the day-before rule is then Kept's too, its false alarms also).
 */
const DAY_MS = 86_400_000;
const histories = new Map<string, HistoryTruth>();
const historyOf = (seed: string): HistoryTruth => {
  if (!histories.has(seed)) histories.set(seed, generateHistory({ ...ANTICIPATION_HISTORY, seed }).truth);
  return histories.get(seed)!;
};

function shippedSettings() {
  const settings = lateNoticeSettings(loadPlaybooks('nordhem').playbooks);
  return { threshold: settings.threshold, minLeadMs: Duration.fromISO(settings.minLead).toMillis() };
}

function verdicts(scores: OfflineScores) {
  const dayBefore = keptVersus(scores.kept, { id: 'undelivered-day-before', ...scores.dayBefore });
  const dispatchedLate = keptVersus(scores.kept, { id: 'dispatched-late', ...scores.dispatchedLate });
  return { dayBefore, dispatchedLate, both: dayBefore.dominates && dispatchedLate.dominates };
}

const line = (label: string, scores: Scores) =>
  `${label} ${scores.recall?.toFixed(2)}/${scores.precision?.toFixed(3)}/${scores.leadTimeDays?.median.toFixed(2)} d`;

/** Runs the seeds; the per-seed lines go into the failure message, so a failing guard says where. */
function overSeeds(settings: ReturnType<typeof shippedSettings>, options: OfflineOptions = {}) {
  const result = offlineLateNoticesOverSeeds(historyOf, ANTICIPATION_SEEDS, settings, options);
  const perSeed = result.perSeed.map(
    (seed) =>
      `${seed.seed}: ${verdicts(seed).both ? 'dominates' : 'does not'} — ${line('kept', seed.kept)}, ${line('day-before', seed.dayBefore)}`,
  );
  return {
    ...result,
    pooledVerdict: verdicts(result.pooled),
    perSeed,
    seedsDominated: result.perSeed.filter((seed) => verdicts(seed).both).length,
  };
}

it('the shipped late-notice settings dominate both baselines pooled over 16 histories', () => {
  const run = overSeeds(shippedSettings());
  expect(run.pooled.kept.late).toBeGreaterThanOrEqual(100);
  expect({ pooled: run.pooledVerdict.both, perSeed: run.perSeed }).toMatchObject({ pooled: true });
  expect(run.pooledVerdict.dayBefore).toMatchObject({ dominates: true, recall: 'same', medianLead: 'better' });
  expect(run.pooledVerdict.dayBefore.precision).not.toBe('worse');
  // Not one lucky history: at least half of the seeds are dominated on their own.
  expect(run.seedsDominated).toBeGreaterThanOrEqual(ANTICIPATION_SEEDS.length / 2);
  // Both brands use the default playbook's settings (no brand overrides delivery.at-risk).
  expect(lateNoticeSettings(loadPlaybooks('maison-laurent').playbooks)).toEqual(
    lateNoticeSettings(loadPlaybooks('nordhem').playbooks),
  );
});

it('still dominates pooled when only orders placed after a 40-day warm-up are scored', () => {
  const start = Date.parse(ANTICIPATION_HISTORY.start!);
  const run = overSeeds(shippedSettings(), { scoreFrom: start + 40 * DAY_MS });
  const unwarmed = overSeeds(shippedSettings());
  expect(run.pooled.kept.late).toBeLessThan(unwarmed.pooled.kept.late);
  expect({ pooled: run.pooledVerdict.both, perSeed: run.perSeed }).toMatchObject({ pooled: true });
});

it('the cold-start blend is what makes it: the fixed default-until-20 rule loses precision at the same threshold', () => {
  const run = overSeeds(shippedSettings(), { model: (learned) => transitModel(learned) });
  expect(run.pooledVerdict.both).toBe(false);
  expect(run.pooledVerdict.dayBefore.precision).toBe('worse');
});

it('the earlier threshold 0.5 does not dominate: early false alarms on held-up parcels that still arrive in time', () => {
  const run = overSeeds({ ...shippedSettings(), threshold: 0.5 });
  expect(run.pooledVerdict.dayBefore.dominates).toBe(false);
  expect(run.pooledVerdict.dayBefore.precision).toBe('worse');
  expect(run.pooled.kept.falsePositives).toBeGreaterThan(run.pooled.dayBefore.falsePositives);
});
