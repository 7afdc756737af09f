import { patched } from '@temporalio/workflow';
import { isLeanRun } from '../lean-patches';
import type { BrandConfig } from '../../activities/journey-config';
import type { LifecycleEvent } from '../../common/events';
import { AD_HOC, isStillWanted, planContacts, planSweepContacts } from '../../common/playbooks/engine';
import type { PlannedContact } from '../../common/playbooks/schema';
import { LATE_RISK_ANCHOR, type QuietHours } from '../../common/anticipation/late-notice';
import { scheduleLateNotices } from './anticipation-state';
import type { ProactiveContactRequest } from '../../common/sweep/schema';
import { addPending, hasContactKey, type PendingContact } from './outreach-state';
import type { BrandConfigSource } from './brand-config';
import type { StillWanted } from './outreach-runner';
import type { JourneyState } from './state';

/**
 * Asks the brand's playbooks, as they are now, what this journey's latest events call for,
 * and what the sweeps asked; new contacts join the pending list (a key already pending or
 * decided is never planned twice). The configuration comes from a local activity, so the
 * playbook version each plan used is in history and a replay plans the same (brand-config.ts).
 */
export async function planFromPlaybooks(
  state: JourneyState,
  events: LifecycleEvent[],
  sweeps: ProactiveContactRequest[],
  now: string,
  brandConfig: BrandConfigSource,
): Promise<void> {
  const config = await brandConfig.load();
  const playbooks = config.playbooks?.playbooks ?? [];
  // Late-delivery notices: when, from the outlooks the journey read (a no-op without any).
  scheduleLateNotices(state, playbooks, quietHoursOf(state, config.profile));
  const context = { profile: config.profile };
  // Each plan's contacts join the pending list before the next plan, which then does not build
  // them again: a date anchor (the late-delivery risk) is planned by every one of these calls.
  // The same list as adding them all at the end: planning reads nothing of the outreach state.
  const isKnown = (key: string) => hasContactKey(state.outreach, key);
  const add = (contacts: PlannedContact[]) => {
    for (const contact of contacts) addPending(state.outreach, pendingFrom(contact));
  };
  add(planContacts(state, playbooks, now, context, isKnown));
  for (const event of events) add(planContacts(state, playbooks, now, { ...context, event }, isKnown));
  add(sweeps.flatMap((sweep) => planSweepContacts(state, sweep, playbooks, now, context)));
}

/**
 * Late-delivery notices only, for outlooks read without a live event to plan from: orders
 * imported while still in transit (history imported with outreach 'none' plans nothing, yet
 * their promise is still ahead). Only the playbooks on the crossing anchor, and only for
 * orders whose promise is still to come: imported history never warns about a date passed.
 */
export async function planLateNotices(state: JourneyState, now: string, brandConfig: BrandConfigSource): Promise<void> {
  const config = await brandConfig.load();
  const playbooks = config.playbooks?.playbooks ?? [];
  scheduleLateNotices(state, playbooks, quietHoursOf(state, config.profile));
  const onCrossing = playbooks.filter(
    (playbook) => 'at' in playbook.trigger && playbook.trigger.at === LATE_RISK_ANCHOR,
  );
  const promiseAhead = (contact: PlannedContact) => {
    const promised = contact.anchor.orderId ? state.orders[contact.anchor.orderId]?.promisedDeliveryAt : undefined;
    return promised !== undefined && Date.parse(promised) > Date.parse(now);
  };
  const isKnown = (key: string) => hasContactKey(state.outreach, key);
  for (const contact of planContacts(state, onCrossing, now, { profile: config.profile }, isKnown).filter(
    promiseAhead,
  )) {
    addPending(state.outreach, pendingFrom(contact));
  }
}

/** The customer's quiet hours (their zone, else the brand's), which a late notice must not wait out. */
function quietHoursOf(state: JourneyState, profile: BrandConfig['profile']): QuietHours | undefined {
  if (!profile) return undefined;
  return {
    zone: state.profile.timezone ?? profile.businessHours.timezone,
    quietHours: profile.contactPolicy.quietHours,
  };
}

function pendingFrom(contact: PlannedContact): PendingContact {
  return {
    key: contact.key,
    template: contact.template ?? contact.action.kind,
    category: contact.category,
    reason: contact.reason,
    data: contact.data,
    dueAt: contact.dueAt,
    promisedFollowUp: false,
    proactive: contact.proactive,
    orderId: contact.anchor.orderId,
    source: contact.playbookId === AD_HOC ? 'sweep' : 'playbook',
    playbookId: contact.playbookId,
    playbookVersion: contact.playbookVersion,
    // Event anchors say when the situation arose; date anchors (a warranty end) are not "the past".
    anchorAt: contact.anchor.eventId ? contact.anchor.at : undefined,
    deferrals: 0,
    planned: contact,
  };
}

/** At fire time, with the playbooks as they are now: still wanted, moved, or no longer. */
export function stillWantedNow(state: JourneyState, now: string): StillWanted {
  return (contact: PendingContact, config: BrandConfig) => {
    if (!contact.planned) return { wanted: true };
    if (config.playbookError) return { wanted: false, why: `playbooks cannot be read: ${config.playbookError}` };
    const verdict = isStillWanted(state, contact.planned, config.playbooks?.playbooks ?? [], now, {
      profile: config.profile,
    });
    if (verdict.wanted) {
      // Fresh values win, but what only the triggering event knew (usage.dropped's product: customer
      // events are not kept in the state) stays: a message is sent with all its data.
      if (isLeanRun() || patched('outreach-keep-planned-data'))
        verdict.contact.data = { ...contact.planned.data, ...verdict.contact.data };
      contact.planned = verdict.contact;
      contact.data = verdict.contact.data;
      contact.reason = verdict.contact.reason;
      contact.playbookVersion = verdict.contact.playbookVersion;
      return { wanted: true };
    }
    return verdict.retryAt ? { wanted: false, why: verdict.why, retryAt: verdict.retryAt } : verdict;
  };
}
