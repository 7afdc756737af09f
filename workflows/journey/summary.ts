import { isAtOrAfter } from '../../common/instants';
import type { CaseState } from '../case/case-state';
import type { OrderState } from '../order/order-state';
import { orderCount } from './archive';
import { openCaseCount, type JourneyState } from './state';

/**
 * Plain-language text for the Temporal UI: what an operator reads first on a journey.
 * e.g. "Journey of c-123 at acme — stage: receive; order o-9 running 2 days late".
 */
export function journeySummary(state: JourneyState): string {
  const notes = [...Object.values(state.orders).flatMap(orderNote), ...Object.values(state.cases).flatMap(caseNote)];
  return `Journey of ${state.customerId} at ${state.brand} — stage: ${state.stage}${notes.length ? `; ${notes.join('; ')}` : ''}`;
}

/** Longer markdown details: stage history, orders, cases, predicted needs. */
export function journeyDetails(state: JourneyState): string {
  const lines = [
    `**${journeySummary(state)}**`,
    '',
    `Orders: ${orderCount(state)} · open cases: ${openCaseCount(state)} · events: ${state.counters.eventsApplied}`,
    ...state.stageHistory.slice(-5).map((change) => `- ${change.enteredAt} → ${change.stage} (${change.reason})`),
  ];
  if (state.configError) lines.push('', `Configuration error: ${state.configError}`);
  const next = state.predictedNeeds.find((need) => !state.lastEventAt || isAtOrAfter(need.at, state.lastEventAt));
  if (next)
    lines.push(
      '',
      `Next predicted need: ${next.kind} ${next.sku ?? ''} around ${next.at.slice(0, 10)} (${next.basis})`,
    );
  return lines.join('\n');
}

function orderNote(order: OrderState): string[] {
  if (order.stage === 'closed') return [];
  if (order.stage === 'use') return [];
  const lateness = describeLateness(order);
  return [`order ${order.orderId}${lateness || ` ${order.status}`}`];
}

function caseNote(item: CaseState): string[] {
  return item.status === 'open'
    ? [`case ${item.caseId} open (${item.severity}${item.category ? `, ${item.category}` : ''})`]
    : [];
}

const HOUR_MS = 60 * 60 * 1000;

/** " running 2 days late" / " delivered 5 hours late" / "" when on time. */
export function describeLateness(order: OrderState): string {
  if (order.lateByMs <= 0) return '';
  const hours = Math.round(order.lateByMs / HOUR_MS);
  const amount = hours >= 48 ? `${Math.round(hours / 24)} days` : hours >= 24 ? '1 day' : `${Math.max(1, hours)} hours`;
  return order.deliveredAt ? `, delivered ${amount} late` : ` running ${amount} late`;
}
