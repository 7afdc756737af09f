import type { OutreachRequestInput } from '../outreach/contract';
import type { JourneyState } from '../../workflows/journey/state';
import type { ProactiveContactRequest } from '../sweep/schema';
import type { LifecycleEvent } from '../events';
import {
  addSigned,
  anchorsOf,
  durationMs,
  fieldAnchors,
  knownEvents,
  normalise,
  triggerBase,
  triggerSource,
} from './anchors';
import { compareInstants, isAfter, isAtOrAfter, isBefore } from '../instants';
import { goalMet, unmetCondition, type CheckContext } from './checks';
import { customerZone } from './arrival';
import { contactData, fillReason, taskDeadline } from './data';
import { recordedReason, type Anchor, type PlannedContact, type PlanningPlaybook, type PlaybookAction } from './schema';

export type { CheckContext as PlanContext, PlaybookProfile } from './checks';
export type { PlannedContact } from './schema';

/**
 * The playbook engine: which contacts the playbooks want for a journey, and whether a
 * planned one is still wanted when its time comes.
 *
 * PURE and deterministic: no clock (`now` is an argument), no randomness, no Node modules.
 * The output depends only on (state, playbooks, now, context), so a journey that records the
 * playbooks' version with each decision replays the same decisions.
 *
 * Keys: playbook id + what the contact is about + the anchor's time (+ the cadence
 * occurrence, + the action when a playbook has several), e.g.
 * `delivery.late/o-9/2026-11-20T10:00:00.000Z`. The same situation always yields the same
 * key, whatever the playbook version, so a re-planning journey never plans a contact twice,
 * and a new situation (a new delay, a new promised date) gets a new key.
 */

export type StillWanted =
  /** `contact` is as the CURRENT playbook version has it (fresh data, e.g. the latest ETA). */
  | { wanted: true; contact: PlannedContact }
  /** `retryAt`: the current version wants the same contact later (its offset changed). */
  | { wanted: false; why: string; retryAt?: string };

/**
 * Every contact the playbooks want for this journey, due from `now − grace` on, sorted by time.
 * `isKnown` names keys the caller already has (pending or decided): those are left out before
 * their data and reason are built, the costly part, since the caller would drop them anyway.
 */
export function planContacts(
  state: JourneyState,
  playbooks: readonly PlanningPlaybook[],
  now: string,
  context: CheckContext = {},
  isKnown: (key: string) => boolean = () => false,
): PlannedContact[] {
  const at = normalise(now);
  const decidedNow = { ...context, now: context.now ?? at };
  // Sorted once per plan, not once per playbook and again per contact built.
  const events = knownEvents(state, context.event);
  const contacts = active(playbooks).flatMap((playbook) =>
    anchorsOf(state, playbook, context.event, events).flatMap((anchor) =>
      planAnchor(state, playbook, anchor, at, { context: decidedNow, events, isKnown }),
    ),
  );
  return uniqueSorted(contacts);
}

interface PlanScope {
  context: CheckContext;
  events: readonly LifecycleEvent[];
  isKnown: (key: string) => boolean;
}

function planAnchor(
  state: JourneyState,
  playbook: PlanningPlaybook,
  anchor: Anchor,
  now: string,
  { context, events, isKnown }: PlanScope,
): PlannedContact[] {
  if (goalMet(state, playbook.exitGoal, anchor) || unmetCondition(state, playbook.conditions, anchor, context)) {
    return [];
  }
  return occurrences(playbook, anchor, now).flatMap(({ dueAt, occurrence }) => {
    const at = { ...anchor, ...(occurrence ? { occurrence } : {}) };
    return playbook.actions.flatMap((action, index) =>
      isKnown(contactKey(playbook.id, at, index, action))
        ? []
        : [buildContact(state, playbook, at, dueAt, index, context, events)],
    );
  });
}

/**
 * At most this many cadence steps are looked at per anchor. Every loop over time is bounded:
 * a journey's code must finish its workflow task whatever instants an event carries.
 */
export const MAX_OCCURRENCE_STEPS = 1_000;

/**
 * When the trigger fires for an anchor, from `now − grace` on. A cadence (`every`) yields the
 * occurrences still inside the grace window and the next one after `now`: the journey
 * re-plans after each contact, which brings the one after that.
 */
export function occurrences(
  playbook: PlanningPlaybook,
  anchor: Anchor,
  now: string,
): { dueAt: string; occurrence: number }[] {
  const base = triggerBase(playbook.trigger, anchor);
  const earliest = addSigned(now, `-${playbook.grace}`);
  const every = 'every' in playbook.trigger ? playbook.trigger.every : undefined;
  if (!every) return isAtOrAfter(base, earliest) ? [{ dueAt: base, occurrence: 0 }] : [];
  const found: { dueAt: string; occurrence: number }[] = [];
  // Start just before the window (approximate for months/years, then stepped exactly).
  const skip = Math.floor((Date.parse(earliest) - Date.parse(base)) / durationMs(every)) - 1;
  const first = Math.max(0, skip);
  for (let occurrence = first; found.length < 4 && occurrence < first + MAX_OCCURRENCE_STEPS; occurrence += 1) {
    const dueAt = addSigned(base, every, occurrence);
    if (isBefore(dueAt, earliest)) continue;
    found.push({ dueAt, occurrence });
    if (isAfter(dueAt, now)) break;
  }
  return found;
}

function buildContact(
  state: JourneyState,
  playbook: PlanningPlaybook,
  anchor: Anchor,
  dueAt: string,
  actionIndex: number,
  context: CheckContext,
  events?: readonly LifecycleEvent[],
): PlannedContact {
  const action = playbook.actions[actionIndex]!;
  const data = contactData(state, anchor, context, events);
  const deadline = action.kind === 'create-task' ? taskDeadline(action, state, anchor, context) : undefined;
  if (deadline) data.deadline = deadline;
  const contact: PlannedContact = {
    key: contactKey(playbook.id, anchor, actionIndex, action),
    playbookId: playbook.id,
    playbookVersion: playbook.version,
    proactive: playbook.proactive,
    dueAt,
    action,
    category: action.category,
    handledBy: handledBy(action, context),
    recipient: recipient(action, context),
    reason: fillReason(recordedReason(playbook.reason), data, customerZone(state, context)),
    data,
    anchor,
  };
  const template = templateOf(action);
  if (template) contact.template = template;
  if (deadline) contact.deadline = deadline;
  return contact;
}

export function contactKey(playbookId: string, anchor: Anchor, actionIndex = 0, action?: PlaybookAction): string {
  const subject = [anchor.orderId, anchor.caseId, anchor.questionId, anchor.sku].filter(Boolean).join(':');
  const parts = [playbookId, subject || anchor.sweepId || 'journey', anchor.at];
  let key = parts.join('/');
  if (anchor.occurrence) key += `#${anchor.occurrence}`;
  if (actionIndex > 0) key += `/${action?.kind ?? 'action'}-${actionIndex}`;
  // Ids may be long; the key must fit the outreach idempotency key with the workflow id.
  return key.length <= 160 ? key : `${playbookId}/${fnv1a(key)}/${anchor.at}`;
}

/**
 * The playbook a delivered contact came from, read back from its idempotency key
 * (`kept/<brand>/customer/<id>/contact/<playbook id>/...`, ids hold no '/'); undefined for
 * promise contacts and anything else. The outreach activity uses it for the reason's wording
 * in the customer's language.
 */
export function playbookIdOfOutreachKey(idempotencyKey: string): string | undefined {
  return /^kept\/[^/]+\/customer\/[^/]+\/contact\/([^/]+)\//.exec(idempotencyKey)?.[1];
}

function templateOf(action: PlaybookAction): string | undefined {
  return action.kind === 'send' || action.kind === 'create-task' ? action.template : undefined;
}

/** A send to a touchpoint the brand handles in person becomes a task (deliverOutreach routes it). */
function handledBy(action: PlaybookAction, context: CheckContext): PlannedContact['handledBy'] {
  if (action.kind === 'create-task') return 'human';
  if (action.kind !== 'send') return 'automated';
  const touchpoints = context.profile?.touchpoints as Record<string, string | undefined> | undefined;
  return touchpoints?.[action.template] === 'human' ? 'human' : 'automated';
}

function recipient(action: PlaybookAction, context: CheckContext): PlannedContact['recipient'] {
  if (action.kind !== 'create-task') return { kind: 'customer' };
  return action.assignee ?? context.profile?.escalation[0]?.notify ?? { kind: 'team', id: 'first-line' };
}

/**
 * Re-evaluated when a contact's time comes, with the CURRENT playbooks: a removed, disabled
 * or changed playbook reaches running journeys from their next decision on. Checks, in order:
 * the playbook exists and still triggers on this anchor, the exit goal, the conditions, the
 * anchored date is still the same (else a new contact with a new key replaces this one), and
 * the current version's time for it.
 */
export function isStillWanted(
  state: JourneyState,
  contact: PlannedContact,
  playbooks: readonly PlanningPlaybook[],
  now: string,
  context: CheckContext = {},
): StillWanted {
  if (contact.playbookId === AD_HOC) return { wanted: true, contact };
  context = { ...context, now: context.now ?? normalise(now) };
  const playbook = playbooks.find((candidate) => candidate.id === contact.playbookId);
  if (!playbook) return { wanted: false, why: `playbook ${contact.playbookId} was removed` };
  if (!playbook.enabled) return { wanted: false, why: `playbook ${playbook.id} v${playbook.version} is disabled` };
  const anchor = contact.anchor;
  if (triggerSource(playbook.trigger) !== anchor.source) {
    return {
      wanted: false,
      why: `playbook ${playbook.id} v${playbook.version} no longer triggers on ${anchor.source}`,
    };
  }
  const skip = goalMet(state, playbook.exitGoal, anchor) ?? unmetCondition(state, playbook.conditions, anchor, context);
  if (skip) return { wanted: false, why: skip };
  const moved = anchorMoved(state, anchor);
  if (moved) return { wanted: false, why: moved };
  return currentVersion(state, playbook, contact, now, context);
}

/** A date anchor that changed (new promised date, a later case update) is a new situation. */
function anchorMoved(state: JourneyState, anchor: Anchor): string | undefined {
  if (anchor.source === 'sweep' || anchor.eventId) return undefined;
  const field = anchor.source as Parameters<typeof fieldAnchors>[1];
  const current = fieldAnchors(state, field).find(
    (candidate) =>
      candidate.orderId === anchor.orderId && candidate.caseId === anchor.caseId && candidate.sku === anchor.sku,
  );
  if (current?.at === anchor.at) return undefined;
  const now = current;
  return now
    ? `superseded: ${anchor.source} is now ${now.at} (was ${anchor.at})`
    : `${anchor.source} is no longer known for this journey`;
}

function currentVersion(
  state: JourneyState,
  playbook: PlanningPlaybook,
  contact: PlannedContact,
  now: string,
  context: CheckContext,
): StillWanted {
  const actionIndex = actionIndexOf(contact, playbook);
  if (actionIndex === undefined) {
    return { wanted: false, why: `playbook ${playbook.id} v${playbook.version} no longer has this action` };
  }
  const anchor = contact.anchor;
  const dueAt =
    anchor.source === 'sweep'
      ? contact.dueAt
      : addSigned(triggerBase(playbook.trigger, anchor), everyOf(playbook), anchor.occurrence ?? 0);
  if (isAfter(dueAt, normalise(now))) {
    return { wanted: false, why: `playbook ${playbook.id} v${playbook.version} wants it at ${dueAt}`, retryAt: dueAt };
  }
  const fresh = buildContact(state, playbook, anchor, contact.dueAt, actionIndex, context);
  return { wanted: true, contact: { ...fresh, key: contact.key, proactive: contact.proactive } };
}

function everyOf(playbook: PlanningPlaybook): string {
  return 'every' in playbook.trigger && playbook.trigger.every ? playbook.trigger.every : 'P0D';
}

/** The same action in the current version: by position, if it is still of the same kind. */
function actionIndexOf(contact: PlannedContact, playbook: PlanningPlaybook): number | undefined {
  const suffix = /\/[a-z-]+-(\d+)$/.exec(contact.key);
  const index = suffix ? Number(suffix[1]) : 0;
  return playbook.actions[index]?.kind === contact.action.kind ? index : undefined;
}

/** The playbook id of contacts a sweep asked for by template alone. */
export const AD_HOC = 'sweep';

/**
 * What a scheduled sweep's signal asks of this journey (the journey's signal handler keeps
 * those whose key it does not already have). Every such contact counts as proactive.
 * - A playbook with a `sweep` trigger: one contact now, keyed by the sweep's key, if its
 *   conditions and exit goal allow (e.g. the quarterly check-in, white-glove only).
 * - Another playbook: a re-evaluation of that playbook now (the daily warranty sweep finds
 *   journeys that started before the playbook existed); keys are the playbook's own, so
 *   nothing already planned is planned again.
 * - A template without a playbook: one ad-hoc contact with the sweep's reason.
 */
export function planSweepContacts(
  state: JourneyState,
  request: ProactiveContactRequest,
  playbooks: readonly PlanningPlaybook[],
  now: string,
  context: CheckContext = {},
): PlannedContact[] {
  const at = normalise(now);
  if (!request.playbookId) return [adHocContact(request, at, context)];
  const playbook = active(playbooks).find((candidate) => candidate.id === request.playbookId);
  if (!playbook) return [];
  if (!('sweep' in playbook.trigger)) {
    return planContacts(state, [playbook], at, context).map((contact) => ({ ...contact, proactive: true }));
  }
  const anchor: Anchor = { source: 'sweep', at, sweepId: request.sweepId };
  if (goalMet(state, playbook.exitGoal, anchor) || unmetCondition(state, playbook.conditions, anchor, context)) {
    return [];
  }
  return playbook.actions.map((action, index) => ({
    ...buildContact(state, playbook, anchor, at, index, context),
    key: index === 0 ? request.key : `${request.key}/${action.kind}-${index}`,
    proactive: true,
  }));
}

function adHocContact(request: ProactiveContactRequest, now: string, context: CheckContext): PlannedContact {
  const action: PlaybookAction = { kind: 'send', template: request.template!, category: request.category };
  return {
    key: request.key,
    playbookId: AD_HOC,
    playbookVersion: 0,
    proactive: true,
    dueAt: now,
    action,
    category: request.category,
    template: action.template,
    handledBy: handledBy(action, context),
    recipient: { kind: 'customer' },
    reason: request.reason,
    data: {},
    anchor: { source: 'sweep', at: now, sweepId: request.sweepId },
  };
}

/**
 * The `deliverOutreach` request for a send or a task (open-case and make-promise go to their
 * own workflows). The idempotency key is `<journey workflow id>/contact/<key>`: a retried or
 * replayed fire never sends twice.
 */
export function outreachRequestFor(
  contact: PlannedContact,
  state: JourneyState,
  journeyWorkflowId: string,
): OutreachRequestInput | undefined {
  if (contact.action.kind !== 'send' && contact.action.kind !== 'create-task') return undefined;
  const idempotencyKey = `${journeyWorkflowId}/contact/${contact.key}`;
  const common = { idempotencyKey, brand: state.brand, category: contact.category, reason: contact.reason };
  if (contact.action.kind === 'create-task') {
    const data = { ...contact.data, taskKind: contact.action.task, taskId: contact.key, customerId: state.customerId };
    const staff =
      contact.recipient.kind === 'customer' ? { kind: 'team' as const, id: 'first-line' } : contact.recipient;
    return { ...common, recipient: staff, template: contact.action.template, data };
  }
  const { name, email, phone, locale, timezone } = state.profile;
  return {
    ...common,
    recipient: { kind: 'customer', customerId: state.customerId, name, email, phone, locale, timezone },
    template: contact.action.template,
    data: contact.data,
  };
}

function active(playbooks: readonly PlanningPlaybook[]): PlanningPlaybook[] {
  return playbooks.filter((playbook) => playbook.enabled).sort((a, b) => a.id.localeCompare(b.id));
}

function uniqueSorted(contacts: PlannedContact[]): PlannedContact[] {
  const byKey = new Map<string, PlannedContact>();
  for (const contact of contacts) if (!byKey.has(contact.key)) byKey.set(contact.key, contact);
  return [...byKey.values()].sort((a, b) => compareInstants(a.dueAt, b.dueAt) || a.key.localeCompare(b.key));
}

/** 32-bit FNV-1a, hex: a short deterministic digest for over-long keys. */
export function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
