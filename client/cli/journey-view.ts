import { journeyWorkflowId } from '../../common/ids';
import { journeySummary } from '../../workflows/journey/summary';
import type { JourneyState } from '../../workflows/journey/state';

/** A journey as an operator reads it: the plain-language summary first, then the parts. */
export function formatJourney(state: JourneyState): string {
  const counters = state.counters;
  const orders = Object.values(state.orders).map(
    (order) => `${order.orderId} ${order.status}${order.lateByMs > 0 ? ' (late)' : ''}`,
  );
  const cases = Object.values(state.cases).map((item) => `${item.caseId} ${item.status}`);
  const consent = Object.entries(state.profile.consent).map(
    ([category, channels]) =>
      `${category}: ${Object.entries(channels ?? {})
        .map(([channel, granted]) => `${channel}=${granted ? 'yes' : 'no'}`)
        .join(' ')}`,
  );
  const lines = [
    journeySummary(state),
    `  workflow   ${journeyWorkflowId(state.brand, state.customerId)}`,
    `  events     ${counters.eventsApplied} applied, ${counters.duplicatesIgnored} duplicates ignored; last at ${state.lastEventAt ?? '-'}`,
    `  orders     ${orders.join(', ') || '-'}`,
    `  cases      ${cases.join(', ') || '-'}`,
    `  consent    ${consent.join('; ') || '(defaults)'}`,
    '  stages',
    ...state.stageHistory
      .slice(-8)
      .map((change) => `    ${change.enteredAt}  ${change.stage.padEnd(10)} ${change.reason}`),
  ];
  return lines.join('\n');
}
