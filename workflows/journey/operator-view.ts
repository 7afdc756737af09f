import { DateTime } from 'luxon';
import type { OutreachDecision, Pause, PendingContact } from './outreach-state';
import type { JourneyState, RunningPromise, StageChange } from './state';

/**
 * What an operator reads about a journey, as plain lines: its promises, its outreach (pending,
 * sent, suppressed, paused) and its stages, every time in the brand's timezone. Pure and
 * deterministic, so the workflow's current details (Temporal UI) and `kept journey` say the same.
 */

/** A promise as the operator's view lists it. */
export interface PromiseView {
  promiseId: string;
  status: string;
  dueAt?: string;
}

const RECENT_DECISIONS_SHOWN = 5;
const PENDING_SHOWN = 5;
const STAGES_SHOWN = 8;

/** Keeps the journey's record of running promises: a report of an ended one removes it (bounded). */
export function trackRunningPromise(
  promises: JourneyState['promises'],
  promiseId: string,
  running: RunningPromise | undefined,
): void {
  const record = (promises.running ??= {});
  if (running) record[promiseId] = running;
  else delete record[promiseId];
}

/** The zone operators read this journey's times in: the brand's business timezone, else UTC. */
export function operatorZone(state: JourneyState): string {
  return state.brandProfile?.timezone ?? 'UTC';
}

/** e.g. "Thu 4 Dec 2026 17:00 CET": the weekday and the zone, so nobody converts in their head. */
export function formatInZone(instant: string, zone: string): string {
  const key = `${zone} ${instant}`;
  let text = formattedInZone.get(key);
  if (text === undefined) {
    if (formattedInZone.size >= FORMATTED_KEPT) formattedInZone.clear();
    formattedInZone.set(key, (text = formatNow(instant, zone)));
  }
  return text;
}

/**
 * Times already formatted. The journey's details are rebuilt every round and show mostly the
 * same instants as the round before (its stages, its latest decisions), each parsed and
 * formatted by luxon at about 0.1 ms. Workflows of a worker share this memo
 * (workflows/shared-logic.ts): the text depends on the instant and the zone alone, so which
 * workflow formatted it first makes no difference; cleared when full, so it stays small.
 */
const formattedInZone = new Map<string, string>();
const FORMATTED_KEPT = 5_000;

function formatNow(instant: string, zone: string): string {
  const time = DateTime.fromISO(instant, { zone, locale: 'en-GB' });
  if (!time.isValid) return instant;
  const part: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const { type, value } of time.toLocaleParts(IN_ZONE_PARTS)) part[type] = value;
  return `${part.weekday} ${part.day} ${part.month} ${part.year} ${part.hour}:${part.minute} ${part.timeZoneName}`;
}

// The same text as luxon's 'ccc d LLL yyyy HH:mm ZZZZ', from one Intl formatter that luxon
// caches per zone: the ZZZZ token built a new Intl.DateTimeFormat on every call, 12% of the
// workflow thread in the bench's CPU profile (the operator view formats every time it shows).
const IN_ZONE_PARTS: Readonly<Intl.DateTimeFormatOptions> = {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'short',
};

/** Why the brand gets no promises and no outreach, when that is so; undefined otherwise. */
export function missingProfileWarning(state: JourneyState): string | undefined {
  const reportedMissing = Object.values(state.implicitPromises?.confirmed ?? {}).some((record) =>
    record.note?.startsWith('no service profile'),
  );
  if (state.brandProfile?.present === true) return undefined;
  if (state.brandProfile?.present === false || reportedMissing)
    return (
      `No service profile for brand ${state.brand}: Kept makes no promises and sends no outreach ` +
      `for this customer until config/profiles/${state.brand}.json exists.`
    );
  return undefined;
}

/** Running promises: what the promise workflows reported, and the implicit ones the journey made. */
export function runningPromises(state: JourneyState): PromiseView[] {
  const views = new Map<string, PromiseView>();
  for (const [promiseId, record] of Object.entries(state.implicitPromises?.confirmed ?? {}))
    if (record.status === 'open') views.set(promiseId, { promiseId, status: 'open', ...dueOf(record.dueAt) });
  for (const [promiseId, reported] of Object.entries(state.promises.running ?? {}))
    views.set(promiseId, {
      promiseId,
      status: reported.status,
      ...dueOf(reported.dueAt ?? views.get(promiseId)?.dueAt),
    });
  // Journeys from before `running` was kept know only which are open and which at risk or breached.
  for (const promiseId of state.promises.open)
    if (!views.has(promiseId))
      views.set(promiseId, { promiseId, status: state.promises.atRisk.includes(promiseId) ? 'at-risk' : 'open' });
  return [...views.values()].sort(byUrgency);
}

const URGENCY: readonly string[] = ['breached', 'at-risk', 'open'];
function byUrgency(a: PromiseView, b: PromiseView): number {
  const rank = URGENCY.indexOf(a.status) - URGENCY.indexOf(b.status);
  if (rank !== 0) return rank;
  return (a.dueAt ?? '9999').localeCompare(b.dueAt ?? '9999') || a.promiseId.localeCompare(b.promiseId);
}

const dueOf = (dueAt: string | undefined) => (dueAt ? { dueAt } : {});

/** "breached  delivery-o-1  due Thu 4 Dec 2026 17:00 CET" */
export function promiseLines(state: JourneyState, zone = operatorZone(state)): string[] {
  return runningPromises(state).map(
    (view) =>
      `${view.status.padEnd(8)} ${view.promiseId}${view.dueAt ? `  due ${formatInZone(view.dueAt, zone)}` : ''}`,
  );
}

/** Pauses, pending contacts, decision counts and the latest decisions, each with its time. */
export function outreachLines(state: JourneyState, zone = operatorZone(state)): string[] {
  const outreach = state.outreach;
  const pauses = [
    ...(outreach.customerPause ? [pauseLine('all outreach', outreach.customerPause, zone)] : []),
    ...Object.entries(outreach.orderPauses).map(([orderId, pause]) => pauseLine(`order ${orderId}`, pause, zone)),
  ];
  const pending = [...outreach.pending]
    .sort((a, b) => a.dueAt.localeCompare(b.dueAt))
    .slice(0, PENDING_SHOWN)
    .map((contact) => pendingLine(contact, zone));
  const more = outreach.pending.length - pending.length;
  const { sent, suppressed, deferred, cancelled, failed } = outreach.counters;
  const recent = outreach.decisions
    .slice(-RECENT_DECISIONS_SHOWN)
    .reverse()
    .map((decision) => decisionLine(decision, zone));
  return [
    ...pauses,
    ...pending,
    ...(more > 0 ? [`… and ${more} more pending`] : []),
    `decided so far: ${sent} sent, ${suppressed} suppressed, ${deferred} deferred, ${cancelled} cancelled, ${failed} failed`,
    ...recent,
  ];
}

function pauseLine(what: string, pause: Pause, zone: string): string {
  const until = pause.until ? `until ${formatInZone(pause.until, zone)}` : 'until resumed';
  return `paused   ${what} ${until}: ${pause.reason}`;
}

function pendingLine(contact: PendingContact, zone: string): string {
  return `pending  ${contact.template} (${contact.category}) at ${formatInZone(contact.dueAt, zone)}: ${contact.reason}`;
}

function decisionLine(decision: OutreachDecision, zone: string): string {
  const outcome = decision.outcome === 'sent' && decision.task ? 'task' : decision.outcome;
  const channel = decision.channel ? ` by ${decision.channel}` : '';
  const why = decision.why ? `: ${decision.why}` : '';
  const until = decision.until ? ` until ${formatInZone(decision.until, zone)}` : '';
  return `${outcome.padEnd(8)} ${decision.template}${channel} at ${formatInZone(decision.at, zone)}${until}${why}`;
}

/** The latest stage changes, each at the time of the event that caused it. */
export function stageLines(state: JourneyState, zone = operatorZone(state)): string[] {
  return state.stageHistory.slice(-STAGES_SHOWN).map((change) => stageLine(change, zone));
}

function stageLine(change: StageChange, zone: string): string {
  return `${formatInZone(change.enteredAt, zone)}  ${change.stage.padEnd(10)} ${readableReason(change.reason)}`;
}

/** Older journeys recorded "products.compared: products.compared": said once. */
export function readableReason(reason: string): string {
  const [head, ...rest] = reason.split(': ');
  return head !== undefined && rest.length === 1 && rest[0] === head ? head : reason;
}
