import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { BrandConfig } from '../../activities/journey-config';
import type { createOutreachActivities } from '../../activities/outreach/deliver';
import { decideContact, type PolicyDecision } from '../../common/outreach/policy';
import { outreachRequestFor } from '../../common/playbooks/engine';
import type { ServiceProfile } from '../../common/profiles/schema';
import type { BrandConfigSource } from './brand-config';
import { dueContacts, recordDecision, type OutreachDecision, type PendingContact } from './outreach-state';
import { openCaseCount, type JourneyState } from './state';

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

/** Hook for playbook-planned contacts: still wanted now? (exit goal met, playbook changed...) */
export type StillWanted = (
  contact: PendingContact,
  config: BrandConfig,
) => { wanted: true } | { wanted: false; why: string };

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
): Promise<void> {
  if (dueContacts(journey.outreach, now()).length === 0) return;
  const config = await brandConfig.load();
  for (const contact of dueContacts(journey.outreach, now())) {
    const decision = await decideAndAct(journey, workflowId, contact, config, now(), stillWanted);
    recordDecision(journey.outreach, contact, decision);
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
      [deliveryRequest(journey, workflowId, contact, policy.channel)],
    );
    return {
      ...base,
      outcome: 'sent',
      channel: result.channel,
      why: result.status === 'duplicate' ? 'already delivered' : undefined,
    };
  } catch (error) {
    return { ...base, outcome: 'failed', why: failureMessage(error) };
  }
}

/** A task for a colleague (white-glove touchpoints, open questions): no customer policy applies. */
async function createTask(
  journey: JourneyState,
  workflowId: string,
  contact: PendingContact,
  base: Omit<OutreachDecision, 'outcome'>,
): Promise<OutreachDecision> {
  const request = outreachRequestFor(contact.planned!, journey, workflowId);
  if (!request) return { ...base, outcome: 'skipped', why: 'nothing to send for this task' };
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
  const customer = journey.profile;
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
  const customer = journey.profile;
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

async function recordInLedger(
  journey: JourneyState,
  workflowId: string,
  contact: PendingContact,
  decision: OutreachDecision,
) {
  if (decision.outcome === 'skipped' || decision.outcome === 'cancelled') return;
  try {
    await recordOutreachDecision({
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
    });
  } catch {
    // The journey's own record (state.outreach.decisions) still has it; the ledger copy is for reports.
  }
}

function failureMessage(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}
