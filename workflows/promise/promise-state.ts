import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { PromiseContactOutcome } from '../../common/promises/customer-contact';
import type { PromiseOutcomeKind, PromiseState, PromiseWorkflowArgs } from '../../common/promises/schema';
import {
  KeptBrand,
  KeptCaseId,
  KeptCustomerId,
  KeptFlags,
  KeptKind,
  KeptNextDueAt,
  KeptOrderId,
  KeptOwner,
  KeptStatus,
  KeptTeam,
} from '../../common/search-attributes';
import { staffTime } from '../../common/staff/time';
import { formatInZone } from '../journey/operator-view';
import { caseResponsePromiseId, deliveryPromiseId } from '../journey/implicit-promises';
import { resolveDueAt, staffRecipient, type PlannedStep, type StaffParty } from './plan';

/**
 * A promise's state and what it says, as plain functions of that state: no timers, no
 * activities, nothing of @temporalio/workflow, so the module is loaded once per worker and
 * shared by every cached workflow (workflows/shared-logic.ts) instead of once per workflow.
 * Date.now() here is the workflow's own clock, as everywhere in workflow code.
 */

type Owner = PromiseWorkflowArgs['owner'];

export function initialState(input: PromiseWorkflowArgs): PromiseState {
  const dueAt = iso(resolveDueAt(input.due, Date.parse(input.createdAt), input.profile));
  const flags = [
    ...(input.capacity?.overCommitted ? ['over-committed'] : []),
    ...(input.capacity?.insisted ? ['insisted'] : []),
  ];
  return {
    promiseId: input.promiseId,
    brand: input.brand,
    customerId: input.customerId,
    text: input.text,
    kind: input.kind,
    owner: input.owner,
    channel: input.channel,
    ...(input.orderId ? { orderId: input.orderId } : {}),
    ...(input.caseId ? { caseId: input.caseId } : {}),
    status: 'open',
    flags,
    createdAt: input.createdAt,
    originalDueAt: dueAt,
    dueAt,
    windowStartedAt: input.createdAt,
    renegotiations: 0,
    ...(input.capacity ? { capacity: input.capacity } : {}),
    sent: [],
    deliveryFailures: [],
    customerContacts: {},
    changes: [],
  };
}

export function coincidesWithAtRisk(step: PlannedStep, steps: PlannedStep[]): boolean {
  return steps.some((other) => other.action === 'at-risk' && other.at === step.at);
}

export function keptBySystem(state: PromiseState): boolean {
  return state.owner.kind === 'system' && state.kind === 'delivery';
}

/** Template flags for the breach mail (Handlebars has no comparisons): exactly one is set. */
export function apologyReport(outcome: PromiseContactOutcome | undefined, assignee: StaffParty, zone: string) {
  if (!outcome) return { pending: true };
  const when = (instant: string) => staffTime(instant, zone);
  switch (outcome.outcome) {
    case 'sent':
      return { sent: true, channel: outcome.channel, at: when(outcome.at) };
    case 'task':
      return { task: true, assignee: assignee.id, at: when(outcome.at) };
    case 'deferred':
      return { deferred: true, until: outcome.until ? when(outcome.until) : 'later', why: outcome.why };
    default:
      return { notSent: true, why: outcome.why ?? outcome.outcome };
  }
}

/** What the breach mail gives as its reason: the due time in the team's own time, and who owned it. */
export function breachReason(state: PromiseState, input: PromiseWorkflowArgs): string {
  const owner = state.owner.kind === 'system' ? 'the system' : `${state.owner.kind} ${state.owner.id}`;
  return `not fulfilled by ${staffTime(state.dueAt, input.profile.businessHours.timezone)} (owner ${owner})`;
}

export function recordBreach(state: PromiseState): void {
  state.status = 'breached';
  state.flags = withFlag(withoutFlags(state.flags, ['at-risk']), 'breached');
  const ownerText = state.owner.kind === 'system' ? 'the system' : `${state.owner.kind} ${state.owner.id}`;
  state.breach = {
    at: iso(Date.now()),
    dueAt: state.dueAt,
    reason: `not fulfilled by ${state.dueAt} (owner ${ownerText}; ${state.sent.filter((s) => s.includes('reminder')).length} reminders sent)`,
  };
}

/**
 * Kept at `at` (when it really happened, e.g. the delivery's occurredAt) or now: a fulfilment
 * that reaches the promise late, after an outage, is judged by when it happened.
 */
export function fulfil(state: PromiseState, note: string | undefined, at: string | undefined): void {
  const keptAt = at ? Date.parse(at) : Date.now();
  finish(state, fulfilledOutcome(state, keptAt, at !== undefined), { kind: 'fulfilled', note, keptAt: at }, keptAt);
}

export function fulfilledOutcome(state: PromiseState, keptAt: number, dated: boolean): PromiseOutcomeKind {
  if ((state.breach && !dated) || keptAt > Date.parse(state.dueAt)) return 'kept-late';
  return state.renegotiations > 0 ? 'renegotiated' : 'kept';
}

export function isImplicitPromise(state: PromiseState): boolean {
  if (state.kind === 'delivery' && state.orderId) return state.promiseId === deliveryPromiseId(state.orderId);
  if (state.kind === 'case-update' && state.caseId) return state.promiseId === caseResponsePromiseId(state.caseId);
  return false;
}

export function finish(
  state: PromiseState,
  outcome: PromiseOutcomeKind,
  change?: { kind: 'fulfilled' | 'cancelled'; note?: string; keptAt?: string },
  keptAt = Date.now(),
): void {
  const now = Date.now();
  if (change) state.changes.push({ at: iso(now), ...definedOnly(change) });
  state.status = outcome;
  state.flags = withoutFlags(state.flags, ['at-risk']);
  state.result = {
    outcome,
    brand: state.brand,
    promiseId: state.promiseId,
    owner: state.owner.id,
    ...(teamOf(state.owner) ? { team: teamOf(state.owner) } : {}),
    createdAt: state.createdAt,
    originalDueAt: state.originalDueAt,
    dueAt: state.dueAt,
    endedAt: iso(now),
    leadTimeMs: keptAt - Date.parse(state.createdAt),
    slackMs: Date.parse(state.dueAt) - keptAt,
    renegotiations: state.renegotiations,
    insisted: state.capacity?.insisted ?? false,
    ...(state.breach ? { breach: state.breach } : {}),
  };
}

export function describeError(error: unknown): string {
  const issues = (error as { issues?: { path: PropertyKey[]; message: string }[] }).issues;
  if (issues) return issues.map((i) => `${i.path.map(String).join('.') || '(change)'}: ${i.message}`).join('; ');
  return error instanceof Error ? error.message : String(error);
}

export function messageData(state: PromiseState, input: PromiseWorkflowArgs): Record<string, unknown> {
  return {
    promiseId: state.promiseId,
    text: state.text,
    promiseText: state.text,
    // Only what the customer may read; absent on older promises, so their activity input is unchanged.
    ...(input.customerText ? { customerText: input.customerText } : {}),
    kind: state.kind,
    dueAt: state.dueAt,
    timezone: input.profile.businessHours.timezone,
    owner: state.owner.id,
    customerId: state.customerId,
    ...(state.orderId ? { orderId: state.orderId } : {}),
    ...(state.caseId ? { caseId: state.caseId } : {}),
  };
}

export function customerMessage(state: PromiseState, input: PromiseWorkflowArgs, template: string, reason: string) {
  return {
    brand: state.brand,
    recipient: { kind: 'customer' as const, customerId: state.customerId, ...input.contact },
    // About a commitment already made: never dropped by frequency caps.
    category: 'transactional' as const,
    channel: state.channel,
    template,
    reason,
    data: {
      ...messageData(state, input),
      ...(template === 'promise.apology' ? { recovery: input.profile.promises.recovery } : {}),
      // The notice says where things stand (the template's {{status}}).
      ...(template === 'promise.customer-notice' ? { status: `${reason}.` } : {}),
    },
  };
}

export function staffMessage(
  state: PromiseState,
  input: PromiseWorkflowArgs,
  recipient: StaffParty,
  template: string,
  reason: string,
) {
  const zone = input.profile.businessHours.timezone;
  return {
    brand: state.brand,
    recipient: { kind: recipient.kind, id: recipient.id },
    category: 'service' as const,
    template,
    reason,
    data: {
      ...messageData(state, input),
      // Staff read the customer's name, and times in their own team's zone.
      ...(input.contact.name ? { customer: { name: input.contact.name } } : {}),
      dueLocal: staffTime(state.dueAt, zone),
      ownerText: state.owner.kind === 'system' ? 'the system (no one person)' : `${state.owner.kind} ${state.owner.id}`,
    },
  };
}

export function ownerRecipient(owner: Owner, input: PromiseWorkflowArgs): StaffParty {
  return staffRecipient(owner, input.profile);
}

export function teamOf(owner: Owner): string | undefined {
  return owner.team ?? (owner.kind === 'team' ? owner.id : undefined);
}

export function promiseAttributes(state: PromiseState): SearchAttributeUpdatePair[] {
  return [
    { key: KeptKind, value: 'promise' },
    { key: KeptBrand, value: state.brand },
    { key: KeptCustomerId, value: state.customerId },
    { key: KeptStatus, value: state.status },
    { key: KeptOwner, value: state.owner.id },
    { key: KeptTeam, value: teamOf(state.owner) ?? null },
    { key: KeptFlags, value: state.flags.length > 0 ? state.flags : null },
    { key: KeptNextDueAt, value: new Date(state.dueAt) },
    { key: KeptOrderId, value: state.orderId ?? null },
    { key: KeptCaseId, value: state.caseId ?? null },
  ];
}

/** Plain language for the Temporal UI, every time in the brand's business-hours zone (as the journey's view). */
export function describeState(state: PromiseState, input: PromiseWorkflowArgs): string {
  const zone = input.profile.businessHours.timezone;
  const local = (instant: string) => formatInZone(instant, zone);
  // 'at-risk' and 'breached' are flags (for the search attribute) and statuses: say each once.
  const otherFlags = state.flags.filter((flag) => flag !== state.status);
  const lines = [
    `**${state.kind} promise ${state.promiseId}** to customer ${state.customerId}: "${state.text}"`,
    `Owner: ${state.owner.kind} ${state.owner.id}${teamOf(state.owner) ? ` (team ${teamOf(state.owner)})` : ''}.`,
    `Due ${local(state.dueAt)} (business hours in ${zone})${state.renegotiations ? `, renegotiated ${state.renegotiations}×, first due ${local(state.originalDueAt)}` : ''}.`,
    `Status: ${state.status}${otherFlags.length ? ` [${otherFlags.join(', ')}]` : ''}.`,
  ];
  if (state.breach) lines.push(`Breached at ${local(state.breach.at)}: ${state.breach.reason}.`);
  if (state.result)
    lines.push(
      `Ended ${local(state.result.endedAt)} as ${state.result.outcome}; slack ${Math.round(state.result.slackMs / 60_000)} min.`,
    );
  if (state.capacity?.overCommitted)
    lines.push(
      `Over-committed when made${state.capacity.insisted ? ' (caller insisted)' : ''}: ${state.capacity.note}`,
    );
  return lines.join('\n\n');
}

export const iso = (ms: number): string => new Date(ms).toISOString();
const definedOnly = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
export const withFlag = (flags: string[], flag: string): string[] => (flags.includes(flag) ? flags : [...flags, flag]);
export const withoutFlags = (flags: string[], remove: string[]): string[] => flags.filter((f) => !remove.includes(f));
