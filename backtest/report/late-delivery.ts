import type { CapturedMessage } from '../capture';
import { orderKey, orderVerdict, PROMISE_RULE, type HistoryFacts, type OrderFacts } from './history-facts';
import { keptVersus } from './dominance';
import { scoreBaselines } from './late-delivery-baselines';
import type { Example, LateDeliveryQuality } from './schema';
import { counted, daysBetween, histogram, quantiles, ratio } from './stats';

/** The template of every late-delivery notice (playbooks delivery.late and delivery.at-risk in config/playbooks). */
export const LATE_NOTICE_TEMPLATE = 'delivery.late';
const LEAD_TIME_EDGES_DAYS = [0, 1, 2, 3, 5, 7];

/**
 * Scores late-delivery notices against the history: an order with a notice (a message, or a
 * human task for a white-glove brand) is a positive; it is true when the history shows the
 * order delivered after its promise. The first notice per order counts; lead time is the
 * promised date minus that notice, in days (negative: the notice came after the promise).
 *
 * With `scoreFrom` (a warm-up), orders placed before it are left out of every count, Kept's
 * and the baselines' alike: they were replayed and learned from, as an imported past is.
 */
export function scoreLateDelivery(
  messages: readonly CapturedMessage[],
  facts: HistoryFacts,
  scoreFrom?: string,
): LateDeliveryQuality {
  const firstNotice = firstNoticePerOrder(messages);
  const isScored = scoredAfterWarmUp(scoreFrom);
  const late: Example[] = [];
  const unknown: Example[] = [];
  const truePositives: Example[] = [];
  const falsePositives: Example[] = [];
  const missed: Example[] = [];
  const noticedUnknown: Example[] = [];
  const leadTimes: number[] = [];
  let onTime = 0;

  for (const order of [...facts.orders.values()].filter(isScored)) {
    const notice = firstNotice.get(orderKey(order.brand, order.orderId));
    const verdict = orderVerdict(order);
    const example = orderExample(order, notice);
    if (verdict === 'unknown') {
      unknown.push(example);
      if (notice) noticedUnknown.push(example);
    } else if (verdict === 'late') {
      late.push(example);
      if (notice) {
        const lead = daysBetween(order.promisedAt!, notice.sentAt);
        leadTimes.push(lead);
        truePositives.push({ ...example, note: leadNote(lead) });
      } else missed.push(example);
    } else {
      onTime += 1;
      if (notice) falsePositives.push(example);
    }
  }

  const recall = ratio(truePositives.length, late.length);
  const precision = ratio(truePositives.length, truePositives.length + falsePositives.length);
  const leadTimeDays = quantiles(leadTimes);
  const kept = { recall, precision, leadTimeDays };
  const warmUp = scoreFrom
    ? ` Warm-up: orders placed before ${scoreFrom} are not scored (their events were replayed and learned from).`
    : '';
  return {
    rule: `${PROMISE_RULE} A notice is a message or human task with template ${LATE_NOTICE_TEMPLATE}; the first per order counts.${warmUp}`,
    orders: facts.orders.size,
    ...(scoreFrom
      ? { scoredFrom: scoreFrom, warmUpOrders: [...facts.orders.values()].filter((order) => !isScored(order)).length }
      : {}),
    late: counted(late),
    onTime,
    unknown: counted(unknown),
    noticed: firstNotice.size,
    truePositives: counted(truePositives),
    falsePositives: counted(falsePositives),
    missed: counted(missed),
    noticedUnknown: counted(noticedUnknown),
    recall,
    precision,
    leadTimeDays,
    leadTimeHistogram: histogram(leadTimes, LEAD_TIME_EDGES_DAYS, 'd'),
    baselines: scoreBaselines(facts, isScored).map((baseline) => ({
      ...baseline,
      versusKept: keptVersus(kept, baseline),
    })),
  };
}

/** Orders placed at or after the warm-up instant (all orders without one); an order with no order.placed goes by its dispatch. */
function scoredAfterWarmUp(scoreFrom: string | undefined): (order: OrderFacts) => boolean {
  if (!scoreFrom) return () => true;
  const from = Date.parse(scoreFrom);
  return (order) => {
    const placedAt = order.placedAt ?? order.dispatchedAt;
    return placedAt === undefined || Date.parse(placedAt) >= from;
  };
}

function firstNoticePerOrder(messages: readonly CapturedMessage[]): Map<string, CapturedMessage> {
  const first = new Map<string, CapturedMessage>();
  for (const message of messages) {
    if (message.template !== LATE_NOTICE_TEMPLATE || !message.orderId) continue;
    const key = orderKey(message.brand, message.orderId);
    const earlier = first.get(key);
    if (!earlier || Date.parse(message.sentAt) < Date.parse(earlier.sentAt)) first.set(key, message);
  }
  return first;
}

function orderExample(order: OrderFacts, notice: CapturedMessage | undefined): Example {
  return {
    customerId: order.customerId,
    brand: order.brand,
    orderId: order.orderId,
    ...(notice?.messageId ? { messageId: notice.messageId } : {}),
  };
}

function leadNote(leadDays: number): string {
  const amount = Math.abs(leadDays).toFixed(1);
  return leadDays >= 0 ? `notice ${amount} d before the promise` : `notice ${amount} d after the promise`;
}
