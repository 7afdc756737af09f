import type { CapturedMessage } from '../capture';
import { purchaseKey, type HistoryFacts } from './history-facts';
import type { Example, ReplenishmentQuality } from './schema';
import { counted, DAY_MS, daysBetween, histogram, quantiles } from './stats';

export const REPLENISH_TEMPLATE = 'replenish';
/**
 * A reminder that goes out shortly after a re-order (held back by quiet hours or a cap after
 * it was decided) belongs to that re-order, and came too late; further out it is about the next one.
 */
export const LATE_REMINDER_WINDOW_DAYS = 3;
const OFFSET_EDGES_DAYS = [-14, -7, -3, 0, 3];

/**
 * For each replenishment reminder, how many days before (−) or after (+) the customer's
 * actual next order of that sku it went out: matched to the first order of the sku after
 * the reminder, or to one placed within LATE_REMINDER_WINDOW_DAYS before it.
 */
export function scoreReplenishment(messages: readonly CapturedMessage[], facts: HistoryFacts): ReplenishmentQuality {
  const offsets: number[] = [];
  const withReorder: Example[] = [];
  const noReorder: Example[] = [];
  const afterReorder: Example[] = [];
  const reminders = messages.filter((message) => message.template === REPLENISH_TEMPLATE && message.sku);
  for (const reminder of reminders) {
    const example: Example = {
      customerId: reminder.customerId,
      brand: reminder.brand,
      sku: reminder.sku,
      ...(reminder.messageId ? { messageId: reminder.messageId } : {}),
    };
    const reorder = matchingReorder(reminder, facts);
    if (!reorder) {
      noReorder.push({ ...example, note: 'no re-order in the history' });
      continue;
    }
    const offset = daysBetween(reminder.sentAt, reorder);
    offsets.push(offset);
    withReorder.push({ ...example, note: `${signed(offset)} d from the re-order` });
    if (offset > 0) afterReorder.push({ ...example, note: `${signed(offset)} d after the re-order` });
  }
  return {
    rule:
      `Reminder (template ${REPLENISH_TEMPLATE}) minus the customer's next order of the same sku after it ` +
      `(or one placed up to ${LATE_REMINDER_WINDOW_DAYS} d before it), in days: −5 = five days before.`,
    reminders: reminders.length,
    withReorder: counted(withReorder),
    noReorder: counted(noReorder),
    offsetDays: quantiles(offsets),
    beforeReorder: offsets.filter((offset) => offset <= 0).length,
    afterReorder: counted(afterReorder),
    offsetHistogram: histogram(offsets, OFFSET_EDGES_DAYS, 'd'),
  };
}

function matchingReorder(reminder: CapturedMessage, facts: HistoryFacts): string | undefined {
  const orders = facts.purchases.get(purchaseKey(reminder.brand, reminder.customerId, reminder.sku!)) ?? [];
  const sentMs = Date.parse(reminder.sentAt);
  const recent = orders.filter(
    (at) => Date.parse(at) <= sentMs && sentMs - Date.parse(at) <= LATE_REMINDER_WINDOW_DAYS * DAY_MS,
  );
  if (recent.length > 0) return recent[recent.length - 1];
  return orders.find((at) => Date.parse(at) > sentMs);
}

function signed(days: number): string {
  return `${days > 0 ? '+' : ''}${days.toFixed(1)}`;
}
