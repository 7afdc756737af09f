import type { CapturedMessage } from '../capture';
import type { HistoryFacts } from './history-facts';
import type { CaseFollowUpQuality, Example } from './schema';
import { counted, customerKey, DAY_MS, ratio } from './stats';

export const FIX_CHECK_TEMPLATE = 'case.fix-check';
export const SETUP_CHECKIN_TEMPLATE = 'setup.checkin';
export const FIX_CHECK_WINDOW_DAYS = 30;
export const SETUP_CHECKIN_WINDOW_DAYS = 14;

/**
 * Whether a case followed a message: an issue.reported or case.reopened by the same customer
 * (of the same brand) after the message and within `withinDays`. For a fix-held check a case
 * that follows means the fix did not hold; for a setup check-in, that the setup went wrong.
 */
export function scoreCaseFollowUp(
  messages: readonly CapturedMessage[],
  facts: HistoryFacts,
  template: string,
  withinDays: number,
): CaseFollowUpQuality {
  const followed: Example[] = [];
  const noCase: Example[] = [];
  const sent = messages.filter((message) => message.template === template && message.recipientKind === 'customer');
  for (const message of sent) {
    const example: Example = {
      customerId: message.customerId,
      brand: message.brand,
      ...(message.caseId ? { caseId: message.caseId } : {}),
      ...(message.orderId ? { orderId: message.orderId } : {}),
      ...(message.messageId ? { messageId: message.messageId } : {}),
    };
    const opening = caseAfter(message, facts, withinDays);
    if (opening) followed.push({ ...example, caseId: opening.caseId, note: `${opening.kind} ${opening.at}` });
    else noCase.push(example);
  }
  return {
    template,
    rule: `A case followed: issue.reported or case.reopened by the same customer within ${withinDays} d after the message.`,
    withinDays,
    messages: sent.length,
    caseFollowed: counted(followed),
    noCase: counted(noCase),
    share: ratio(followed.length, sent.length),
  };
}

function caseAfter(message: CapturedMessage, facts: HistoryFacts, withinDays: number) {
  const sentMs = Date.parse(message.sentAt);
  const openings = facts.caseOpenings.get(customerKey(message.brand, message.customerId)) ?? [];
  return openings.find((opening) => {
    const atMs = Date.parse(opening.at);
    return atMs > sentMs && atMs <= sentMs + withinDays * DAY_MS;
  });
}
