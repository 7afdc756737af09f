import {
  blendedTransitModel,
  crossingInstant,
  type NoticeSettings,
  type TransitModel,
} from '../common/anticipation/conditional-risk';
import { addSample, emptySketch, type DurationSketch } from '../common/anticipation/transit-sketch';
import { DateTime } from 'luxon';
import { beforeQuietHours, type QuietHours } from '../common/anticipation/late-notice';
import type { HistoryTruth, TruthOrder } from '../examples/history-generator/truth';
import { DAY_MS, quantile, quantiles, ratio } from './report/stats';
import type { LateDeliveryQuality } from './report/schema';

/**
 * The late-delivery decision rule scored OFFLINE on a generated history's truth, in
 * milliseconds instead of the full backtest's minutes: for tuning the brand's threshold and
 * as a fast guard that the shipped settings still beat both baselines of issue 12.
 *
 * What it keeps of the journey: the brand-wide transit sketch learned from the brand's
 * deliveries seen before the order's dispatch (when the journey reads it), the journey's
 * cold-start model (`blendedTransitModel`: the default distribution as a prior of 20
 * deliveries), the notice instant of `crossingInstant` and, given `quietHours`, the journey's
 * quiet-hours rule; a notice counts when the parcel had not arrived by then. What it leaves
 * out: the rest of the contact policy (caps, cool-downs: a service notice is not capped),
 * carrier scopes (the generator has one carrier) and orders still in transit at the end (not
 * scored, as in the report). So it approximates the backtest; the backtest stays the judge
 * (on the backtest's history the two agreed to the hundredth of a day, 2026-12-02).
 *
 * `scoreFrom` is the backtest's warm-up: orders placed before it still teach the brand
 * statistics (as an import of past history does) but are not scored.
 */
export type Scores = Pick<LateDeliveryQuality, 'recall' | 'precision' | 'leadTimeDays'> & {
  late: number;
  truePositives: number;
  falsePositives: number;
};

export interface OfflineScores {
  kept: Scores;
  dayBefore: Scores;
  dispatchedLate: Scores;
}

export interface OfflineOptions {
  /** Score only orders placed at or after this instant (ms); all earlier deliveries are still learned. */
  scoreFrom?: number;
  /** How the brand's learned sketch becomes a model (the journey's cold-start rule); default the journey's `blendedTransitModel`. */
  model?: (learned: DurationSketch) => TransitModel;
  /**
   * The customer's quiet hours: a notice inside them is moved to just before they began (not
   * before dispatch), the journey's rule (late-notice.ts, patch antic2-late-notice-plan). With
   * `deferOverNight`, the earlier rule: sent when they end, unless they end after the promise.
   */
  quietHours?: (order: TruthOrder) => QuietHours | undefined;
  deferOverNight?: boolean;
}

type NoticeRule = (order: TruthOrder) => number | undefined;

/** What a rule did on one history, before ratios: pooled over seeds by adding tallies. */
interface Tally {
  late: number;
  falsePositives: number;
  leads: number[];
}

export function offlineLateNotices(
  truth: HistoryTruth,
  settings: NoticeSettings,
  options: OfflineOptions = {},
): OfflineScores {
  const tallies = tallyRules(truth, settings, options);
  return {
    kept: scoresOf(tallies.kept),
    dayBefore: scoresOf(tallies.dayBefore),
    dispatchedLate: scoresOf(tallies.dispatchedLate),
  };
}

export interface SeedScores extends OfflineScores {
  seed: string;
}

/**
 * The same rules over several histories (one per seed): each seed's scores, and the POOLED
 * scores (all seeds' notices counted together, the median lead over every late parcel noticed).
 * Pooled is the claim; the per-seed rows say where it does not hold.
 */
export function offlineLateNoticesOverSeeds(
  historyOf: (seed: string) => HistoryTruth,
  seeds: readonly string[],
  settings: NoticeSettings,
  options: OfflineOptions | ((truth: HistoryTruth) => OfflineOptions) = {},
): { perSeed: SeedScores[]; pooled: OfflineScores } {
  const perSeedTallies = seeds.map((seed) => {
    const truth = historyOf(seed);
    return { seed, tallies: tallyRules(truth, settings, typeof options === 'function' ? options(truth) : options) };
  });
  const pool = (rule: keyof OfflineScores): Scores =>
    scoresOf(
      perSeedTallies.reduce<Tally>(
        (sum, { tallies }) => ({
          late: sum.late + tallies[rule].late,
          falsePositives: sum.falsePositives + tallies[rule].falsePositives,
          leads: [...sum.leads, ...tallies[rule].leads],
        }),
        { late: 0, falsePositives: 0, leads: [] },
      ),
    );
  return {
    perSeed: perSeedTallies.map(({ seed, tallies }) => ({
      seed,
      kept: scoresOf(tallies.kept),
      dayBefore: scoresOf(tallies.dayBefore),
      dispatchedLate: scoresOf(tallies.dispatchedLate),
    })),
    pooled: { kept: pool('kept'), dayBefore: pool('dayBefore'), dispatchedLate: pool('dispatchedLate') },
  };
}

function tallyRules(
  truth: HistoryTruth,
  settings: NoticeSettings,
  options: OfflineOptions,
): Record<keyof OfflineScores, Tally> {
  const learnedBefore = brandSketches(truth);
  const kept: NoticeRule = (order) => {
    const model = (options.model ?? blendedTransitModel)(learnedBefore(order.brand, Date.parse(order.dispatchedAt)));
    const clock = { dispatchedAt: Date.parse(order.dispatchedAt), promisedAt: Date.parse(order.promisedAt) };
    const at = crossingInstant(model, clock, settings)?.at;
    const quiet = options.quietHours?.(order);
    if (at === undefined || !quiet) return at;
    return options.deferOverNight
      ? afterQuietHours(at, clock.promisedAt, quiet)
      : Math.max(beforeQuietHours(at, -Infinity, quiet) ?? at, clock.dispatchedAt);
  };
  const dayBefore: NoticeRule = (order) => Date.parse(order.promisedAt) - DAY_MS;
  const scored = truth.orders.filter(
    (order) => order.deliveredInHistory && Date.parse(order.placedAt) >= (options.scoreFrom ?? -Infinity),
  );
  return {
    kept: tally(scored, kept),
    dayBefore: tally(scored, dayBefore),
    dispatchedLate: tally(scored, dispatchedLate(truth)),
  };
}

/** When a notice planned at `at` is sent under the customer's quiet hours. */
function afterQuietHours(at: number, promisedAt: number, quiet: QuietHours): number {
  return beforeQuietHours(at, promisedAt, quiet) ?? quietHoursEnd(at, quiet) ?? at;
}

/** The end of the quiet hours `at` falls in, or undefined when it falls outside them. */
function quietHoursEnd(at: number, quiet: QuietHours): number | undefined {
  const local = DateTime.fromMillis(at, { zone: quiet.zone });
  const minutes = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
  const [start, end] = [minutes(quiet.quietHours.start), minutes(quiet.quietHours.end)];
  const minute = local.hour * 60 + local.minute;
  const quietNow = start > end ? minute >= start || minute < end : minute >= start && minute < end;
  if (!quietNow) return undefined;
  const endDay = start > end && minute >= start ? local.plus({ days: 1 }) : local;
  return endDay
    .startOf('day')
    .set({ hour: Math.floor(end / 60), minute: end % 60 })
    .toMillis();
}

/** The sketch of a brand's transit times over the deliveries before an instant. */
function brandSketches(truth: HistoryTruth): (brand: string, before: number) => DurationSketch {
  const deliveries = deliveredInHistory(truth);
  return (brand, before) =>
    deliveries
      .filter(({ order, deliveredAt }) => order.brand === brand && deliveredAt < before)
      .reduce(
        (sketch, { order, deliveredAt }) => addSample(sketch, deliveredAt - Date.parse(order.dispatchedAt)),
        emptySketch(),
      );
}

/** The report's second baseline: a notice at dispatch when dispatched later than promise − the brand's median transit so far. */
function dispatchedLate(truth: HistoryTruth): NoticeRule {
  const deliveries = deliveredInHistory(truth);
  return (order) => {
    const dispatchedAt = Date.parse(order.dispatchedAt);
    const seen = deliveries
      .filter(({ order: other, deliveredAt }) => other.brand === order.brand && deliveredAt < dispatchedAt)
      .map(({ order: other, deliveredAt }) => deliveredAt - Date.parse(other.dispatchedAt));
    const medianTransit = quantile(seen, 0.5);
    if (medianTransit === null) return undefined;
    return dispatchedAt > Date.parse(order.promisedAt) - medianTransit ? dispatchedAt : undefined;
  };
}

function deliveredInHistory(truth: HistoryTruth): { order: TruthOrder; deliveredAt: number }[] {
  const end = Date.parse(truth.parameters.historyEnd);
  return truth.orders
    .map((order) => ({ order, deliveredAt: Date.parse(order.deliveredAt) }))
    .filter(({ deliveredAt }) => deliveredAt < end);
}

/** Scored like the report: a notice counts if the parcel was still out; a late parcel's lead is promise − notice. */
function tally(scored: readonly TruthOrder[], noticeAt: NoticeRule): Tally {
  const leads: number[] = [];
  let falsePositives = 0;
  for (const order of scored) {
    const at = noticeAt(order);
    if (at === undefined || at >= Date.parse(order.deliveredAt)) continue;
    if (!order.late) falsePositives += 1;
    else if (at < Date.parse(order.promisedAt)) leads.push((Date.parse(order.promisedAt) - at) / DAY_MS);
  }
  return { late: scored.filter((order) => order.late).length, falsePositives, leads };
}

function scoresOf({ late, falsePositives, leads }: Tally): Scores {
  return {
    late,
    truePositives: leads.length,
    falsePositives,
    recall: ratio(leads.length, late),
    precision: ratio(leads.length, leads.length + falsePositives),
    leadTimeDays: quantiles(leads),
  };
}
