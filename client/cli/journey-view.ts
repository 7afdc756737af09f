import { journeyWorkflowId } from '../../common/ids';
import {
  formatInZone,
  missingProfileWarning,
  outreachLines,
  promiseLines,
  stageLines,
} from '../../workflows/journey/operator-view';
import { liveJourneySummary } from '../../workflows/journey/summary';
import type { JourneyState } from '../../workflows/journey/state';

/**
 * A journey as an operator reads it: the plain-language summary first, a missing service
 * profile said loudly, then promises, outreach and stages, every time in `zone` (the brand's
 * timezone: the journey's own record of it, else the profile the CLI reads, else UTC).
 */
export function formatJourney(state: JourneyState, zone = state.brandProfile?.timezone ?? 'UTC'): string {
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
  const warning = missingProfileWarning(state);
  const promises = promiseLines(state, zone);
  const lastEvent = state.lastEventAt ? formatInZone(state.lastEventAt, zone) : '-';
  const lines = [
    liveJourneySummary(state),
    ...(warning ? [`  !! ${warning}`] : []),
    `  workflow   ${journeyWorkflowId(state.brand, state.customerId)}`,
    `  times in   ${zone}`,
    `  events     ${counters.eventsApplied} applied, ${counters.duplicatesIgnored} duplicates ignored; last at ${lastEvent}`,
    `  orders     ${orders.join(', ') || '-'}`,
    `  cases      ${cases.join(', ') || '-'}`,
    `  consent    ${consent.join('; ') || '(defaults)'}`,
    '  promises',
    ...indent(promises.length ? promises : ['none running']),
    '  outreach',
    ...indent(outreachLines(state, zone)),
    '  stages',
    ...indent(stageLines(state, zone)),
  ];
  return lines.join('\n');
}

const indent = (lines: string[]): string[] => lines.map((line) => `    ${line}`);
