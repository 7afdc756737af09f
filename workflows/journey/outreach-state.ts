import { z } from 'zod';
import {
  idSchema,
  messageCategorySchema,
  timestampSchema,
  type Channel,
  type MessageCategory,
} from '../../common/events';
import { compareInstants, isAfter, isAtOrBefore } from '../../common/instants';
import type { DecisionEntry } from '../../activities/outreach/ledger';
import type { ContactHistoryEntry } from '../../common/outreach/policy';
import type { PlannedContact } from '../../common/playbooks/schema';

/**
 * The journey is the per-customer arbiter of outreach: every contact — planned by a
 * playbook, asked for by a sweep, a promise or an operator — waits here as a pending
 * contact until its time, then goes through the contact policy. Pure and JSON-only, so it
 * is carried across continue-as-new and unit-testable.
 */

/** A contact someone asks the journey to make (update `requestContact`, validated with this). */
export const contactRequestSchema = z
  .object({
    /** Deterministic per situation, e.g. `promise/p-1/customer-notice`: the same key is contacted once. */
    key: z.string().min(1).max(200),
    template: z.string().min(1).max(100),
    category: messageCategorySchema,
    reason: z.string().trim().min(1).max(300),
    data: z.record(z.string(), z.unknown()).default({}),
    /** Not before this instant (default: now). */
    dueAt: timestampSchema.optional(),
    /** A follow-up we promised: outranks caps and cool-down (never quiet hours). */
    promisedFollowUp: z.boolean().default(false),
    /** Proactive (we reach out first) or reactive (an answer to the customer). */
    proactive: z.boolean().default(false),
    orderId: idSchema.optional(),
  })
  .strict();
export type ContactRequest = z.infer<typeof contactRequestSchema>;
export type ContactRequestInput = z.input<typeof contactRequestSchema>;

export const pauseOutreachSchema = z
  .object({
    orderId: idSchema.optional(),
    until: timestampSchema.optional(),
    reason: z.string().trim().min(1).max(300),
  })
  .strict();
export type PauseOutreach = z.infer<typeof pauseOutreachSchema>;

export const resumeOutreachSchema = z.object({ orderId: idSchema.optional() }).strict();
export const cancelOutreachSchema = z
  .object({ orderId: idSchema.optional(), reason: z.string().trim().min(1).max(300) })
  .strict();

export interface PendingContact extends ContactRequest {
  dueAt: string;
  source: 'playbook' | 'sweep' | 'request' | 'promise';
  playbookId?: string;
  playbookVersion?: number;
  /** When the event that caused it happened (for imports: no outreach about the past). */
  anchorAt?: string;
  deferrals: number;
  /** What the playbook planned (for playbook and sweep contacts): re-checked when it is due. */
  planned?: PlannedContact;
  /** For a promise's message: whom to tell what became of it, and how the promise says to reach the customer. */
  promise?: PromiseContactOrigin;
}

export interface PromiseContactOrigin {
  promiseId: string;
  step: string;
  /** Where the customer expects to hear: tried first, never the only option. */
  channel?: Channel;
  /** Fills what the journey's profile does not know yet (its own values win: they are newer). */
  contact: { name?: string; email?: string; phone?: string; locale?: string; timezone?: string };
}

export type DecisionOutcome = 'sent' | 'deferred' | 'suppressed' | 'skipped' | 'cancelled' | 'failed';

export interface OutreachDecision {
  key: string;
  at: string;
  outcome: DecisionOutcome;
  template: string;
  category: MessageCategory;
  proactive: boolean;
  channel?: Channel;
  /** Sent as a task for a colleague (a human touchpoint or a call), not as a message. */
  task?: boolean;
  until?: string;
  why?: string;
  /** Which playbook version decided, recorded so a replay reads the same thing. */
  playbookVersion?: number;
  configVersion?: string;
}

export interface Pause {
  until?: string;
  reason: string;
}

export interface OutreachState {
  pending: PendingContact[];
  /** Recent contacts, the policy's memory for caps and cool-down (trimmed to 60 days). */
  history: ContactHistoryEntry[];
  /** The latest decisions, newest last (the full record is in the delivery ledger). */
  decisions: OutreachDecision[];
  /** Keys already decided for good (sent, suppressed, skipped, cancelled). */
  handledKeys: string[];
  customerPause?: Pause;
  orderPauses: Record<string, Pause>;
  /**
   * The contact whose delivery is under way (a decision round awaits it): an operator's cancel
   * cannot call it back, so it is left to record what really happened.
   */
  sending?: string;
  /**
   * Events up to this instant were imported as history: nothing is sent about them. Journeys
   * from before `importedEventIds` only: one future-dated row silenced every live event.
   */
  quietBefore?: string;
  /** Decisions the delivery ledger could not take yet (an outage): written in a later round, oldest first. */
  unrecorded?: DecisionEntry[];
  /** Unwritten decisions dropped because too many waited (the journey's own `decisions` still has the latest). */
  unrecordedDropped?: number;
  /** Events imported as history (the latest ones): nothing is sent about them, live events are not held back. */
  importedEventIds?: string[];
  counters: Record<DecisionOutcome, number> & { proactiveSent: number; reactiveSent: number };
}

const DECISIONS_KEPT = 200;
const HANDLED_KEYS_KEPT = 2000;
const HISTORY_KEPT_MS = 60 * 24 * 60 * 60 * 1000;
/** Decisions waiting for the ledger, at most; and how soon the journey tries the ledger again. */
export const UNRECORDED_KEPT = 500;
export const LEDGER_RETRY_MS = 5 * 60 * 1000;
/** Imported events older than the latest this many are past every playbook's grace anyway. */
export const IMPORTED_EVENT_IDS_KEPT = 2000;

export function initialOutreachState(): OutreachState {
  return {
    pending: [],
    history: [],
    decisions: [],
    handledKeys: [],
    orderPauses: {},
    counters: {
      sent: 0,
      deferred: 0,
      suppressed: 0,
      skipped: 0,
      cancelled: 0,
      failed: 0,
      proactiveSent: 0,
      reactiveSent: 0,
    },
  };
}

/** Adds a contact unless its key is pending or already decided. Returns whether it was added. */
/** A key pending or decided: planning it again adds nothing (addPending refuses it). */
export function hasContactKey(outreach: OutreachState, key: string): boolean {
  return outreach.handledKeys.includes(key) || outreach.pending.some((pending) => pending.key === key);
}

export function addPending(outreach: OutreachState, contact: PendingContact): boolean {
  if (hasContactKey(outreach, contact.key)) return false;
  if (contact.anchorAt && outreach.quietBefore && isAtOrBefore(contact.anchorAt, outreach.quietBefore)) return false;
  const anchorEventId = contact.planned?.anchor.eventId;
  if (anchorEventId && outreach.importedEventIds?.includes(anchorEventId)) return false;
  outreach.pending.push(contact);
  return true;
}

function activePauses(outreach: OutreachState, contact: PendingContact, now: string): Pause[] {
  const pauses = [outreach.customerPause, contact.orderId ? outreach.orderPauses[contact.orderId] : undefined];
  return pauses.filter(
    (pause): pause is Pause => pause !== undefined && (pause.until === undefined || isAfter(pause.until, now)),
  );
}

export function isPaused(outreach: OutreachState, contact: PendingContact, now: string): boolean {
  return activePauses(outreach, contact, now).length > 0;
}

/** A decision the ledger could not take: kept (bounded) for a later round. */
export function keepUnrecorded(outreach: OutreachState, entry: DecisionEntry): void {
  const waiting = [...(outreach.unrecorded ?? []), entry];
  const dropped = Math.max(0, waiting.length - UNRECORDED_KEPT);
  if (dropped > 0) outreach.unrecordedDropped = (outreach.unrecordedDropped ?? 0) + dropped;
  outreach.unrecorded = waiting.slice(dropped);
}

/** History imported after the fact: remembered by event id, so outreach about those events only is held back. */
export function rememberImported(outreach: OutreachState, eventIds: string[]): void {
  const imported = [...(outreach.importedEventIds ?? []), ...eventIds];
  outreach.importedEventIds = imported.slice(-IMPORTED_EVENT_IDS_KEPT);
}

/** Contacts whose time has come and that no pause holds back. */
export function dueContacts(outreach: OutreachState, now: string): PendingContact[] {
  return outreach.pending
    .filter((contact) => isAtOrBefore(contact.dueAt, now) && !isPaused(outreach, contact, now))
    .sort((a, b) => compareInstants(a.dueAt, b.dueAt));
}

/** The next instant the journey must wake up for outreach: a due time, or the end of a timed pause. */
export function nextOutreachWakeUp(outreach: OutreachState, now: string): string | undefined {
  const ledgerRetry = outreach.unrecorded?.length ? [new Date(Date.parse(now) + LEDGER_RETRY_MS).toISOString()] : [];
  return [...outreach.pending.map((contact) => wakeTimeFor(outreach, contact, now)), ...ledgerRetry]
    .filter((time): time is string => time !== undefined)
    .sort(compareInstants)[0];
}

function wakeTimeFor(outreach: OutreachState, contact: PendingContact, now: string): string | undefined {
  const pauses = activePauses(outreach, contact, now);
  if (pauses.length === 0) return contact.dueAt;
  if (pauses.some((pause) => pause.until === undefined)) return undefined; // waits for a resume
  const end = pauses
    .map((pause) => pause.until!)
    .sort(compareInstants)
    .at(-1)!;
  return isAfter(end, contact.dueAt) ? end : contact.dueAt;
}

/** Records a decision; final ones take the contact out of the pending list for good. */
export function recordDecision(outreach: OutreachState, contact: PendingContact, decision: OutreachDecision): void {
  outreach.decisions.push(decision);
  if (outreach.decisions.length > DECISIONS_KEPT) outreach.decisions.shift();
  outreach.counters[decision.outcome] += 1;
  if (decision.outcome === 'deferred' && decision.until) {
    contact.dueAt = decision.until;
    contact.deferrals += 1;
    return;
  }
  outreach.pending = outreach.pending.filter((pending) => pending.key !== contact.key);
  outreach.handledKeys.push(contact.key);
  if (outreach.handledKeys.length > HANDLED_KEYS_KEPT) outreach.handledKeys.shift();
  // A task for a colleague is not a message to the customer: it counts toward no cap.
  // Only messages count: a task, a promise made or a case opened by a playbook reaches no customer.
  if (decision.outcome === 'sent' && (contact.planned?.action.kind ?? 'send') === 'send') {
    outreach.counters[contact.proactive ? 'proactiveSent' : 'reactiveSent'] += 1;
    outreach.history.push({
      at: decision.at,
      category: contact.category,
      reason: contact.reason,
      channel: decision.channel!,
    });
    outreach.history = outreach.history.filter(
      (entry) => Date.parse(entry.at) > Date.parse(decision.at) - HISTORY_KEPT_MS,
    );
  }
}

/** A pending contact, as it is now, if it is still due and no pause holds it back. */
export function stillDue(outreach: OutreachState, key: string, now: string): PendingContact | undefined {
  const contact = outreach.pending.find((pending) => pending.key === key);
  return contact && isAtOrBefore(contact.dueAt, now) && !isPaused(outreach, contact, now) ? contact : undefined;
}

/** Cancels pending contacts (all, or one order's) at an operator's request; one being sent cannot be. */
export function cancelPending(outreach: OutreachState, now: string, reason: string, orderId?: string): number {
  const cancelled = outreach.pending.filter(
    (contact) => (orderId === undefined || contact.orderId === orderId) && contact.key !== outreach.sending,
  );
  for (const contact of cancelled) {
    recordDecision(outreach, contact, {
      key: contact.key,
      at: now,
      outcome: 'cancelled',
      template: contact.template,
      category: contact.category,
      proactive: contact.proactive,
      why: reason,
    });
  }
  return cancelled.length;
}
