import { Duration } from 'luxon';
import { keptVersus } from '../backtest/report/dominance';
import {
  offlineLateNoticesOverSeeds,
  type OfflineOptions,
  type OfflineScores,
  type Scores,
} from '../backtest/offline-late-notice';
import { transitModel } from '../common/anticipation/conditional-risk';
import { lateNoticeSettings, type QuietHours } from '../common/anticipation/late-notice';
import { loadPlaybooks } from '../common/playbooks/load';
import { loadServiceProfiles } from '../common/profiles/load-profiles';
import { generateHistory } from '../examples/history-generator/generate';
import type { HistoryTruth, TruthOrder } from '../examples/history-generator/truth';
import { ANTICIPATION_HISTORY, ANTICIPATION_SEEDS } from './helpers/anticipation-history';

/**
 * The fast guard of issue 12 (pure, seconds): the late-delivery rule with the SHIPPED brand
 * settings (config/playbooks delivery.at-risk), the journey's cold-start model and its
 * quiet-hours rule (each customer's timezone, the brand profile's quiet hours), run offline
 * over 16 histories of the generator settings of test/anticipation-backtest.test.ts (its seed
 * and 15 others), must Pareto-dominate BOTH baselines POOLED over the seeds (every seed's
 * notices counted together): recall ≥, precision ≥, strictly longer median lead. One seed is
 * not a claim; the per-seed verdicts are printed with any failure. The quiet hours matter: the
 * offline model without them said 1.08 d of lead on the backtest's seed where the real backtest
 * measured 0.96 d; with them it says 0.96 d too.
 *
 * Measured offline (2026-12-02), pooled, 152 late orders, day-before 1.00 / 0.82 / 1.00 d (the
 * dispatched-late rule notices none: these parcels leave on time):
 * - shipped, risk 0.65 + blend + notices moved before quiet hours: 1.00 / 0.835 / 1.11 d,
 *   dominates; on its own on 7 of the 16 seeds, among them the backtest's (0.92 / 1.14 d vs
 *   0.92 / 1.00 d). With the backtest's 30-day warm-up: 0.833 vs 0.818 / 1.15 d, dominates (8
 *   of 16 seeds); the backtest's seed 0.92 / 1.37 d vs 0.92 / 1.00 d, as the real run measured.
 * - risk 0.6: 0.80 / 1.24 d (precision lost); 0.7: 0.87 / 0.94 d (lead lost).
 * - waiting out quiet hours (the rule before patch antic2-late-notice-plan): 0.91 / 0.86 d.
 * - the fixed cold start (default until 20 deliveries) instead of the blend: see the test.
 * Where it does not hold: on 9 of the 16 seeds alone Kept loses on precision or lead (5–15
 * late parcels per history: one false alarm moves precision by 0.05); pooled the margin is
 * 2 points of precision and 0.11 d of lead. With a 40-day warm-up the backtest's seed is lost
 * (the day-before rule's one false alarm falls in the warm-up, Kept's does not). A minimum lead
 * of 1 day cannot dominate at all (every notice of the day-before rule is then Kept's too).
 */
const DAY_MS = 86_400_000;
const WARM_UP_DAYS = 30;
const profiles = loadServiceProfiles('config/profiles');
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

/** Each customer's quiet hours as the journey sees them: their timezone, the brand profile's hours. */
function quietHoursOf(truth: HistoryTruth): (order: TruthOrder) => QuietHours | undefined {
  const zones = new Map(
    truth.customers.map((customer) => [`${customer.brand}/${customer.customerId}`, customer.timezone]),
  );
  return (order) => {
    const profile = profiles.get(order.brand);
    const zone = zones.get(`${order.brand}/${order.customerId}`) ?? profile?.businessHours.timezone;
    return profile && zone ? { zone, quietHours: profile.contactPolicy.quietHours } : undefined;
  };
}

/** Runs the seeds; the per-seed lines go into the failure message, so a failing guard says where. */
function overSeeds(settings: ReturnType<typeof shippedSettings>, options: OfflineOptions = {}) {
  const result = offlineLateNoticesOverSeeds(historyOf, ANTICIPATION_SEEDS, settings, (truth) => ({
    quietHours: quietHoursOf(truth),
    ...options,
  }));
  const perSeed = result.perSeed.map(
    (seed) =>
      `${seed.seed}: ${verdicts(seed).both ? 'dominates' : 'does not'} — ${line('kept', seed.kept)}, ${line('day-before', seed.dayBefore)}`,
  );
  return { pooled: result.pooled, seeds: result.perSeed, pooledVerdict: verdicts(result.pooled), perSeed };
}

const backtestSeed = (run: ReturnType<typeof overSeeds>) =>
  verdicts(run.seeds.find((seed) => seed.seed === ANTICIPATION_HISTORY.seed)!);

it('the shipped late-notice settings dominate both baselines pooled over 16 histories', () => {
  const run = overSeeds(shippedSettings());
  expect(run.pooled.kept.late).toBeGreaterThanOrEqual(100);
  expect({ pooled: run.pooledVerdict.both, perSeed: run.perSeed }).toMatchObject({ pooled: true });
  expect(run.pooledVerdict.dayBefore).toMatchObject({ dominates: true, recall: 'same', medianLead: 'better' });
  expect(run.pooledVerdict.dayBefore.precision).not.toBe('worse');
  // ... and on the backtest's own history, which test/anticipation-backtest.test.ts runs for real.
  expect(backtestSeed(run).both).toBe(true);
  // Both brands use the default playbook's settings (no brand overrides delivery.at-risk).
  expect(lateNoticeSettings(loadPlaybooks('maison-laurent').playbooks)).toEqual(
    lateNoticeSettings(loadPlaybooks('nordhem').playbooks),
  );
});

it('still dominates, pooled and on the backtest history, with the backtest’s 30-day warm-up', () => {
  const start = Date.parse(ANTICIPATION_HISTORY.start!);
  const run = overSeeds(shippedSettings(), { scoreFrom: start + WARM_UP_DAYS * DAY_MS });
  const unwarmed = overSeeds(shippedSettings());
  expect(run.pooled.kept.late).toBeLessThan(unwarmed.pooled.kept.late);
  expect({ pooled: run.pooledVerdict.both, perSeed: run.perSeed }).toMatchObject({ pooled: true });
  expect(backtestSeed(run).both).toBe(true);
});

it('the cold-start blend is part of it: the fixed default-until-20 rule does not dominate at the same threshold', () => {
  const run = overSeeds(shippedSettings(), { model: (learned) => transitModel(learned) });
  expect(run.pooledVerdict.both).toBe(false);
});

it('so is not waiting out quiet hours: deferring the notice to the morning costs the lead', () => {
  const run = overSeeds(shippedSettings(), { deferOverNight: true });
  expect(run.pooledVerdict.dayBefore.dominates).toBe(false);
  expect(run.pooledVerdict.dayBefore.medianLead).toBe('worse');
});

it('the earlier threshold 0.5 does not dominate: early false alarms on held-up parcels that still arrive in time', () => {
  const run = overSeeds({ ...shippedSettings(), threshold: 0.5 });
  expect(run.pooledVerdict.dayBefore.dominates).toBe(false);
  expect(run.pooledVerdict.dayBefore.precision).toBe('worse');
  expect(run.pooled.kept.falsePositives).toBeGreaterThan(run.pooled.dayBefore.falsePositives);
});
