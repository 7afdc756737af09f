import { isAtOrAfter } from '../../common/instants';
import type { CaseState } from '../case/case-state';
import type { OrderState } from '../order/order-state';
import { orderCount } from './archive';
import {
  formatInZone,
  missingProfileWarning,
  operatorZone,
  outreachLines,
  promiseLines,
  runningPromises,
  stageLines,
} from './operator-view';
import { foreignImplicitPromises } from './implicit-promises';
import { openCaseCount, type JourneyState } from './state';

/**
 * Plain-language text for the Temporal UI: what an operator reads first on a journey.
 * e.g. "Journey of c-123 at acme — stage: receive; order o-9 running 2 days late".
 */
export function journeySummary(state: JourneyState): string {
  const notes = [...Object.values(state.orders).flatMap(orderNote), ...Object.values(state.cases).flatMap(caseNote)];
  return `Journey of ${state.customerId} at ${state.brand} — stage: ${state.stage}${notes.length ? `; ${notes.join('; ')}` : ''}`;
}

/**
 * The one line an operator reads first, kept current in the memo (journeys from before it keep
 * `journeySummary`, whose memo writes their histories recorded): the stage, what is in flight,
 * promises that need someone, a pause, and a brand that can make no promise.
 * e.g. "Journey of c-123 at acme — stage: receive; order o-9 running 2 days late; promises: 1 breached, 1 open; outreach paused".
 */
export function liveJourneySummary(state: JourneyState): string {
  const promises = promiseCounts(state);
  const notes = [
    ...(missingProfileWarning(state) ? ['NO SERVICE PROFILE: no promises, no outreach'] : []),
    ...Object.values(state.orders).flatMap(orderNote),
    ...Object.values(state.cases).flatMap(caseNote),
    ...(promises ? [`promises: ${promises}`] : []),
    ...(state.outreach.customerPause ? ['outreach paused'] : []),
  ];
  return `Journey of ${state.customerId} at ${state.brand} — stage: ${state.stage}${notes.length ? `; ${notes.join('; ')}` : ''}`;
}

/** "1 breached, 2 open" (most urgent first), or "" when none runs. */
function promiseCounts(state: JourneyState): string {
  const counts = new Map<string, number>();
  for (const view of runningPromises(state)) counts.set(view.status, (counts.get(view.status) ?? 0) + 1);
  return [...counts].map(([status, count]) => `${count} ${status}`).join(', ');
}

/**
 * The journey's current details (Temporal UI, markdown): the summary, a missing profile said
 * loudly, promises, outreach and stages, every time in the brand's timezone.
 */
export function journeyDetails(state: JourneyState): string {
  const zone = operatorZone(state);
  const warning = missingProfileWarning(state);
  const promises = promiseLines(state, zone);
  const lines = [
    `**${liveJourneySummary(state)}**`,
    ...(warning ? ['', `**⚠ ${warning}**`] : []),
    ...idConflictLines(state),
    '',
    `Orders: ${orderCount(state)} · open cases: ${openCaseCount(state)} · events: ${state.counters.eventsApplied} · times in ${zone}`,
    '',
    '**Promises**',
    ...(promises.length ? promises.map(bullet) : ['- none running']),
    '',
    '**Outreach**',
    ...outreachLines(state, zone).map(bullet),
    '',
    '**Stages**',
    ...stageLines(state, zone).map(bullet),
  ];
  if (state.configError) lines.push('', `Configuration error: ${state.configError}`);
  const next = state.predictedNeeds.find((need) => !state.lastEventAt || isAtOrAfter(need.at, state.lastEventAt));
  if (next)
    lines.push(
      '',
      `Next predicted need: ${next.kind} ${next.sku ?? ''} around ${formatInZone(next.at, zone)} (${next.basis})`,
    );
  return lines.join('\n');
}

/** An order or case id this customer shares with another (operator's eyes: the sender's data is wrong). */
function idConflictLines(state: JourneyState): string[] {
  return foreignImplicitPromises(state.implicitPromises).flatMap((promiseId) => [
    '',
    `**⚠ Promise ${escapeMarkdown(promiseId)} belongs to another customer: the same order or case id ` +
      "was sent for both at the same instant. This journey never keeps or cancels it, and refuses this customer's " +
      'later events for that id.**',
  ]);
}

// Markdown would read "*" and "_" in ids and reasons as emphasis: each line is code-free text, escaped.
const escapeMarkdown = (text: string): string => text.replace(/([*_`])/g, '\\$1');
const bullet = (line: string): string => `- ${escapeMarkdown(line)}`;

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
