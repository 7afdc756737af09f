import { orderVerdict, type HistoryFacts, type OrderFacts } from './history-facts';
import type { Example, LateDeliveryBaseline } from './schema';
import { counted, DAY_MS, quantile, quantiles, ratio } from './stats';

/**
 * The two simple rules issue 12 says Kept's learned risk must beat, scored on the same
 * history and by the same rule as Kept's notices (late = delivered after the promise; orders
 * never delivered, unpromised or cancelled are not scored), as if each had sent a notice:
 * - undelivered-day-before: a notice at promise − 1 day to every order not delivered by then;
 * - dispatched-late: a notice at dispatch when the dispatch is later than promise − the median
 *   transit (dispatch → delivery) of the brand's orders delivered BEFORE that dispatch (what
 *   the rule could have known then; no notice while nothing was delivered yet).
 * Pure: from the history's facts alone. `isScored` leaves warm-up orders out of the scores (the
 * dispatched-late rule still learns its median from them, as Kept learns from them).
 */
export function scoreBaselines(
  facts: HistoryFacts,
  isScored: (order: OrderFacts) => boolean = () => true,
): BaselineScore[] {
  const orders = [...facts.orders.values()];
  const scored = orders.filter(isScored);
  return [
    scoreRule(
      'undelivered-day-before',
      'A notice at promised − 1 day to every order not delivered by then.',
      scored,
      undeliveredDayBefore,
    ),
    scoreRule(
      'dispatched-late',
      "A notice at dispatch when dispatched later than promised − the median transit of the brand's orders delivered before that dispatch.",
      scored,
      dispatchedLate(orders),
    ),
  ];
}

/** A baseline's scores, before Kept's notices are compared with them (late-delivery.ts). */
export type BaselineScore = Omit<LateDeliveryBaseline, 'versusKept'>;

type NoticeRule = (order: OrderFacts) => number | undefined;

function undeliveredDayBefore(order: OrderFacts): number | undefined {
  if (!order.promisedAt) return undefined;
  const at = Date.parse(order.promisedAt) - DAY_MS;
  const delivered = order.deliveredAt !== undefined && Date.parse(order.deliveredAt) <= at;
  return delivered ? undefined : at;
}

function dispatchedLate(orders: readonly OrderFacts[]): NoticeRule {
  const deliveries = orders
    .filter((order) => order.dispatchedAt && order.deliveredAt)
    .map((order) => ({
      brand: order.brand,
      deliveredAt: Date.parse(order.deliveredAt!),
      transitMs: Date.parse(order.deliveredAt!) - Date.parse(order.dispatchedAt!),
    }));
  return (order) => {
    if (!order.promisedAt || !order.dispatchedAt) return undefined;
    const dispatchedAt = Date.parse(order.dispatchedAt);
    const seen = deliveries
      .filter((delivery) => delivery.brand === order.brand && delivery.deliveredAt < dispatchedAt)
      .map((delivery) => delivery.transitMs);
    const medianTransit = quantile(seen, 0.5);
    if (medianTransit === null) return undefined;
    return dispatchedAt > Date.parse(order.promisedAt) - medianTransit ? dispatchedAt : undefined;
  };
}

function scoreRule(
  id: LateDeliveryBaseline['id'],
  rule: string,
  orders: readonly OrderFacts[],
  noticeAt: NoticeRule,
): BaselineScore {
  const truePositives: Example[] = [];
  const falsePositives: Example[] = [];
  const missed: Example[] = [];
  const leadTimes: number[] = [];
  let late = 0;
  for (const order of orders) {
    const verdict = orderVerdict(order);
    if (verdict === 'unknown') continue;
    const at = noticeAt(order);
    const example = { customerId: order.customerId, brand: order.brand, orderId: order.orderId };
    if (verdict === 'late') {
      late += 1;
      if (at === undefined) missed.push(example);
      else {
        truePositives.push(example);
        leadTimes.push((Date.parse(order.promisedAt!) - at) / DAY_MS);
      }
    } else if (at !== undefined) falsePositives.push(example);
  }
  return {
    id,
    rule,
    noticed: truePositives.length + falsePositives.length,
    truePositives: counted(truePositives),
    falsePositives: counted(falsePositives),
    missed: counted(missed),
    recall: ratio(truePositives.length, late),
    precision: ratio(truePositives.length, truePositives.length + falsePositives.length),
    leadTimeDays: quantiles(leadTimes),
  };
}
