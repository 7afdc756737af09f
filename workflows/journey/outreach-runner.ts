import {
  ActivityFailure,
  ApplicationFailure,
  patched,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import { isLeanRun } from '../lean-patches';
import type { BrandConfig } from '../../activities/journey-config';
import type { createOutreachActivities } from '../../activities/outreach/deliver';
import { decideContact, type PolicyDecision } from '../../common/outreach/policy';
import { parseLifecycleEvent, type LifecycleEvent } from '../../common/events';
import { fnv1a, outreachRequestFor } from '../../common/playbooks/engine';
import type { PlaybookAction } from '../../common/playbooks/schema';
import type { createPlaybookActionActivities } from '../../activities/playbook-actions';
import type { ServiceProfile } from '../../common/profiles/schema';
import type { BrandConfigSource } from './brand-config';
import type { DecisionEntry } from '../../activities/outreach/ledger';
import {
  dueContacts,
  keepUnrecorded,
  recordDecision,
  stillDue,
  type OutreachDecision,
  type OutreachState,
  type PendingContact,
} from './outreach-state';
import { openCaseCount, type JourneyState } from './state';
import { customerContext } from './staff-context';
import type { JourneyEvents } from './kept-events';

type OutreachActivities = ReturnType<typeof createOutreachActivities>;

// Delivery retries for a while (SMTP relay down, provider throttling); a permanent failure
// is recorded as a decision and never stops the journey.
const deliveryOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 20 },
} as const;
const { deliverOutreach } = proxyActivities<OutreachActivities>(deliveryOptions);
const { recordOutreachDecision } = proxyActivities<OutreachActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumInterval: '1 minute' },
});
// Bounded: a ledger outage must not halt the journey. What cannot be written waits in its state.
const ledgerWriteOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 3 },
} as const;
const { recordOutreachDecision: tryRecordOutreachDecision } = proxyActivities<OutreachActivities>(ledgerWriteOptions);
// A local activity in runs since `cost-lean-round`: the ledger copy (idempotent by key) costs one
// marker inside the task that decided, not three events and a workflow task of its own.
const { recordOutreachDecision: tryRecordOutreachDecisionLocally } =
  proxyLocalActivities<OutreachActivities>(ledgerWriteOptions);
const writeToLedger = (entry: DecisionEntry): Promise<void> =>
  isLeanRun() ? tryRecordOutreachDecisionLocally(entry) : tryRecordOutreachDecision(entry);

const { makePlaybookPromise } = proxyActivities<ReturnType<typeof createPlaybookActionActivities>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 10 },
});

/** What the journey lends a decision round: a playbook's `open-case` applies an event like any other. */
export interface JourneyHooks {
  /** A playbook's `open-case`: the synthetic event joins the journey like any other. */
  applyEvent(event: LifecycleEvent): void;
  /** Every decision, as it is made (promise contacts report back to their promise). */
  onDecided?(contact: PendingContact, decision: OutreachDecision): void;
  /** The brand's webhooks hear what became of each contact. */
  events?: JourneyEvents;
}

/** Hook for playbook-planned contacts: still wanted now? (exit goal met, playbook changed...) */
export type StillWanted = (
  contact: PendingContact,
  config: BrandConfig,
) => { wanted: true } | { wanted: false; why: string };

/**
 * Whether runDueOutreach has anything to do now (decisions the ledger missed, or a contact
 * due): the journey's round skips it, and what goes with it, when not. It issues no command
 * then, so skipping it leaves every history as it was.
 */
export function hasOutreachWork(outreach: OutreachState, now: string): boolean {
  return (outreach.unrecorded?.length ?? 0) > 0 || dueContacts(outreach, now).length > 0;
}

/**
 * One decision round: every due contact goes through the contact policy with the brand's
 * current configuration (read once per round, recorded in history), and is sent, deferred
 * or suppressed — and the decision is recorded on the journey and in the delivery ledger.
 */
export async function runDueOutreach(
  journey: JourneyState,
  workflowId: string,
  now: () => string,
  brandConfig: BrandConfigSource,
  stillWanted?: StillWanted,
  hooks?: JourneyHooks,
): Promise<void> {
  if (journey.outreach.unrecorded?.length) await catchUpLedger(journey.outreach);
  if (dueContacts(journey.outreach, now()).length === 0) return;
  const config = await brandConfig.load();
  // Operators' cancels and pauses are answered while this round awaits: re-checked before each contact.
  const recheck = isLeanRun() || patched('outreach-recheck-after-await');
  for (const due of dueContacts(journey.outreach, now())) {
    const contact = recheck ? stillDue(journey.outreach, due.key, now()) : due;
    if (!contact) continue;
    if (recheck) journey.outreach.sending = contact.key;
    const decision = await decideAndAct(journey, workflowId, contact, config, now(), stillWanted, hooks);
    journey.outreach.sending = undefined;
    recordDecision(journey.outreach, contact, decision);
    hooks?.onDecided?.(contact, decision);
    hooks?.events?.emitDecision(journey, workflowId, contact, decision, config.profile);
    if (decision.outcome !== 'sent') await recordInLedger(journey, workflowId, contact, decision);
  }
}

async function decideAndAct(
  journey: JourneyState,
  workflowId: string,
  contact: PendingContact,
  config: BrandConfig,
  now: string,
  stillWanted?: StillWanted,
  hooks?: JourneyHooks,
): Promise<OutreachDecision> {
  const base = {
    key: contact.key,
    at: now,
    template: contact.template,
    category: contact.category,
    proactive: contact.proactive,
    playbookVersion: contact.playbookVersion,
    configVersion: config.version,
  };
  const wanted: ReturnType<StillWanted> = stillWanted?.(contact, config) ?? { wanted: true };
  if (!wanted.wanted) {
    const { why, retryAt } = wanted as { why: string; retryAt?: string };
    return retryAt ? { ...base, outcome: 'deferred', until: retryAt, why } : { ...base, outcome: 'skipped', why };
  }
  if (!config.profile) return { ...base, outcome: 'suppressed', why: `brand ${journey.brand} has no service profile` };
  const action = contact.planned?.action.kind ?? 'send';
  if (action === 'create-task') return createTask(journey, workflowId, contact, base);
  if (action !== 'send') {
    if (hooks && contact.planned && (isLeanRun() || patched('outreach-playbook-actions')))
      return carryOut(journey, contact, contact.planned.action, base, hooks);
    return { ...base, outcome: 'skipped', why: `playbook action ${action} is not carried out by journeys yet` };
  }

  const policy = decide(journey, contact, config.profile, now);
  if (policy.decision === 'suppress') return { ...base, outcome: 'suppressed', why: `${policy.rule}: ${policy.why}` };
  if (policy.decision === 'defer') {
    return {
      ...base,
      outcome: 'deferred',
      channel: policy.channel,
      until: policy.until,
      why: `${policy.rule}: ${policy.why}`,
    };
  }
  try {
    const result = await deliverOutreach.executeWithOptions(
      { ...deliveryOptions, summary: `${contact.template} to ${journey.customerId}` },
      [
        withTaskContext(
          deliveryRequest(journey, workflowId, contact, policy.channel),
          journey,
          config.profile,
          policy.channel,
        ),
      ],
    );
    return {
      ...base,
      outcome: 'sent',
      channel: result.channel,
      ...(result.status === 'task-created' ? { task: true } : {}),
      why: sentWhy(result.status),
    };
  } catch (error) {
    return { ...base, outcome: 'failed', why: failureMessage(error) };
  }
}

function sentWhy(status: 'sent' | 'duplicate' | 'task-created'): string | undefined {
  if (status === 'duplicate') return 'already delivered';
  // A human touchpoint (the brand's profile) or a call: a colleague reaches the customer.
  return status === 'task-created' ? 'task handed to the team' : undefined;
}

type Base = Omit<OutreachDecision, 'outcome'>;

/** `make-promise` and `open-case`: with ids derived from the contact's key, so a retry or replay does it once. */
async function carryOut(
  journey: JourneyState,
  contact: PendingContact,
  action: PlaybookAction,
  base: Base,
  hooks: JourneyHooks,
): Promise<OutreachDecision> {
  const anchor = contact.planned!.anchor;
  const id = `${contact.planned!.playbookId}-${fnv1a(contact.key)}`;
  try {
    if (action.kind === 'make-promise') {
      const { name, email, phone, locale, timezone } = journey.profile;
      await makePlaybookPromise({
        brand: journey.brand,
        customerId: journey.customerId,
        promiseId: id,
        kind: action.promiseKind,
        text: action.text,
        within: action.within,
        owner: action.owner,
        orderId: anchor.orderId,
        caseId: anchor.caseId,
        contact: { name, email, phone, locale, timezone },
        createdAt: base.at,
      });
      return { ...base, outcome: 'sent', why: `promise ${id} made: ${action.text}` };
    }
    if (action.kind === 'open-case') {
      hooks.applyEvent(openCaseEvent(journey, id, action, anchor, base.at));
      return { ...base, outcome: 'sent', why: `case ${id} opened: ${action.summary}` };
    }
    return { ...base, outcome: 'skipped', why: `playbook action ${action.kind} is not carried out here` };
  } catch (error) {
    return { ...base, outcome: 'failed', why: failureMessage(error) };
  }
}

/** The case a playbook opens is an `issue.reported` like any other: routed, counted, promised a response. */
function openCaseEvent(
  journey: JourneyState,
  caseId: string,
  action: Extract<PlaybookAction, { kind: 'open-case' }>,
  anchor: NonNullable<PendingContact['planned']>['anchor'],
  at: string,
): LifecycleEvent {
  return parseLifecycleEvent({
    type: 'issue.reported',
    eventId: `${caseId}-reported`,
    brand: journey.brand,
    customerId: journey.customerId,
    occurredAt: at,
    caseId,
    ...(anchor.orderId ? { orderId: anchor.orderId } : {}),
    ...(anchor.sku ? { sku: anchor.sku } : {}),
    severity: action.severity,
    category: action.caseCategory,
    summary: action.summary,
  });
}

/** A task for a colleague (white-glove touchpoints, open questions): no customer policy applies. */
async function createTask(
  journey: JourneyState,
  workflowId: string,
  contact: PendingContact,
  base: Omit<OutreachDecision, 'outcome'>,
): Promise<OutreachDecision> {
  const planned = outreachRequestFor(contact.planned!, journey, workflowId);
  if (!planned) return { ...base, outcome: 'skipped', why: 'nothing to send for this task' };
  const request = { ...planned, data: { ...planned.data, customerContext: customerContext(journey) } };
  try {
    const result = await deliverOutreach.executeWithOptions(
      { ...deliveryOptions, summary: `task ${contact.template} for ${journey.customerId}` },
      [request],
    );
    return { ...base, outcome: 'sent', channel: result.channel, why: 'task handed to the team' };
  } catch (error) {
    return { ...base, outcome: 'failed', why: failureMessage(error) };
  }
}

function decide(journey: JourneyState, contact: PendingContact, profile: ServiceProfile, now: string): PolicyDecision {
  const customer = customerFor(journey, contact);
  return decideContact({
    profile,
    customer: {
      email: customer.email,
      phone: customer.phone,
      timezone: customer.timezone,
      preferredChannels: customer.preferredChannels,
      consent: customer.consent,
    },
    history: journey.outreach.history,
    situation: { openCases: openCaseCount(journey), promisesAtRisk: journey.promises.atRisk.length },
    request: { category: contact.category, reason: contact.reason, promisedFollowUp: contact.promisedFollowUp },
    now,
  });
}

/** The idempotency key is the journey's id plus the contact's key: stable across retries, replays and runs. */
export function deliveryRequest(journey: JourneyState, workflowId: string, contact: PendingContact, channel: string) {
  const customer = customerFor(journey, contact);
  return {
    idempotencyKey: `${workflowId}/contact/${contact.key}`,
    brand: journey.brand,
    recipient: {
      kind: 'customer' as const,
      customerId: journey.customerId,
      name: customer.name,
      email: customer.email,
      phone: customer.phone,
      locale: customer.locale,
      timezone: customer.timezone,
    },
    category: contact.category,
    template: contact.template,
    reason: contact.reason,
    channel: channel as never,
    data: { ...contact.data, customerName: customer.name, reason: contact.reason },
  };
}

/**
 * A message that becomes a task for a colleague (a human touchpoint, or a call) carries what
 * the journey knows of the customer, so the task can say who they are and what is open.
 */
function withTaskContext<T extends { template: string; data: Record<string, unknown> }>(
  request: T,
  journey: JourneyState,
  profile: ServiceProfile,
  channel: string,
): T {
  const human = profile.touchpoints[request.template as keyof ServiceProfile['touchpoints']] === 'human';
  if (!human && channel !== 'phone') return request;
  const context = { ...customerContext(journey), service: profile.style };
  return { ...request, data: { ...request.data, customerContext: context } };
}

/**
 * The customer as this contact sees them. A promise's message may come before the journey
 * knows the customer (a promise made for someone with no events yet): the promise's contact
 * details fill the gaps, and the channel the customer expects to hear on is tried first.
 */
function customerFor(journey: JourneyState, contact: PendingContact): JourneyState['profile'] {
  const known = journey.profile;
  const origin = contact.promise;
  if (!origin) return known;
  const given = origin.contact;
  const preferred = origin.channel ? [origin.channel, ...known.preferredChannels] : known.preferredChannels;
  return {
    ...known,
    name: known.name ?? given.name,
    email: known.email ?? given.email,
    phone: known.phone ?? given.phone,
    locale: known.locale ?? given.locale,
    timezone: known.timezone ?? given.timezone,
    preferredChannels: [...new Set(preferred)],
  };
}

async function recordInLedger(
  journey: JourneyState,
  workflowId: string,
  contact: PendingContact,
  decision: OutreachDecision,
) {
  if (decision.outcome === 'skipped' || decision.outcome === 'cancelled') return;
  const entry: DecisionEntry = {
    idempotencyKey: `${workflowId}/contact/${contact.key}`,
    brand: journey.brand,
    customerId: journey.customerId,
    category: contact.category,
    reason: contact.reason,
    decision: decision.outcome === 'deferred' ? 'defer' : 'suppress',
    channel: decision.channel,
    until: decision.until,
    why: decision.why,
    decidedAt: decision.at,
  };
  if (isLeanRun() || patched('outreach-ledger-bounded')) return writeOrKeep(journey.outreach, entry);
  try {
    await recordOutreachDecision(entry);
  } catch {
    // The journey's own record (state.outreach.decisions) still has it; the ledger copy is for reports.
  }
}

/** While earlier decisions wait for the ledger, a new one waits behind them (one outage, one wait per round). */
async function writeOrKeep(outreach: OutreachState, entry: DecisionEntry): Promise<void> {
  if (outreach.unrecorded?.length) return keepUnrecorded(outreach, entry);
  try {
    await writeToLedger(entry);
  } catch {
    keepUnrecorded(outreach, entry);
  }
}

/** Writes the decisions the ledger missed, oldest first, until it fails again. */
async function catchUpLedger(outreach: OutreachState): Promise<void> {
  while (outreach.unrecorded?.length) {
    try {
      await writeToLedger(outreach.unrecorded[0]!);
    } catch {
      return;
    }
    outreach.unrecorded.shift();
  }
}

function failureMessage(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}
