import { crossingInstant, transitModel, type NoticeSettings } from '../common/anticipation/conditional-risk';
import { addSample, emptySketch, type DurationSketch } from '../common/anticipation/transit-sketch';
import type { HistoryTruth, TruthOrder } from '../examples/history-generator/truth';
import { DAY_MS, quantiles, ratio } from './report/stats';
import type { LateDeliveryQuality } from './report/schema';

/**
 * The late-delivery decision rule scored OFFLINE on a generated history's truth, in
 * milliseconds instead of the full backtest's minutes: for tuning the brand's threshold and
 * as a fast guard that the shipped settings still beat the day-before rule.
 *
 * What it keeps of the journey: the brand-wide transit sketch learned from the brand's
 * deliveries seen before the order's dispatch (when the journey reads it), the default
 * distribution until MIN_LEARNED_SAMPLES, and the notice instant of `crossingInstant`; a
 * notice counts when the parcel had not arrived by then. What it leaves out: quiet hours and
 * the contact policy (they move a notice earlier, never past the promise), carrier scopes (the
 * generator has one carrier) and orders still in transit at the end (not scored, as in the
 * report). So it approximates the backtest; the backtest stays the judge.
 */
export type Scores = Pick<LateDeliveryQuality, 'recall' | 'precision' | 'leadTimeDays'> & {
  late: number;
  truePositives: number;
  falsePositives: number;
};

type NoticeRule = (order: TruthOrder) => number | undefined;

export function offlineLateNotices(truth: HistoryTruth, settings: NoticeSettings): { kept: Scores; dayBefore: Scores } {
  const learnedBefore = brandSketches(truth);
  const kept: NoticeRule = (order) => {
    const model = transitModel(learnedBefore(order.brand, Date.parse(order.dispatchedAt)));
    const clock = { dispatchedAt: Date.parse(order.dispatchedAt), promisedAt: Date.parse(order.promisedAt) };
    return crossingInstant(model, clock, settings)?.at;
  };
  const dayBefore: NoticeRule = (order) => Date.parse(order.promisedAt) - DAY_MS;
  return { kept: score(truth.orders, kept), dayBefore: score(truth.orders, dayBefore) };
}

/** The sketch of a brand's transit times over the deliveries before an instant. */
function brandSketches(truth: HistoryTruth): (brand: string, before: number) => DurationSketch {
  const end = Date.parse(truth.parameters.historyEnd);
  const deliveries = truth.orders
    .map((order) => ({ order, deliveredAt: Date.parse(order.deliveredAt) }))
    .filter(({ deliveredAt }) => deliveredAt < end);
  return (brand, before) =>
    deliveries
      .filter(({ order, deliveredAt }) => order.brand === brand && deliveredAt < before)
      .reduce(
        (sketch, { order, deliveredAt }) => addSample(sketch, deliveredAt - Date.parse(order.dispatchedAt)),
        emptySketch(),
      );
}

/** Scored like the report: orders delivered in the history; a notice counts if the parcel was still out. */
function score(orders: readonly TruthOrder[], noticeAt: NoticeRule): Scores {
  const scored = orders.filter((order) => order.deliveredInHistory);
  const leads: number[] = [];
  let falsePositives = 0;
  for (const order of scored) {
    const at = noticeAt(order);
    if (at === undefined || at >= Date.parse(order.deliveredAt)) continue;
    if (!order.late) falsePositives += 1;
    else if (at < Date.parse(order.promisedAt)) leads.push((Date.parse(order.promisedAt) - at) / DAY_MS);
  }
  const late = scored.filter((order) => order.late).length;
  return {
    late,
    truePositives: leads.length,
    falsePositives,
    recall: ratio(leads.length, late),
    precision: ratio(leads.length, leads.length + falsePositives),
    leadTimeDays: quantiles(leads),
  };
}
