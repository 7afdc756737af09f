import { ApplicationFailure } from '@temporalio/common';
import type { OutreachRequestInput } from '../common/outreach/contract';
import type { DeliveryResult } from '../common/outreach/contract';
import type { BrandStatisticsStore } from './anticipation/brand-statistics';
import { createOutreachActivities, type OutreachDependencies } from './outreach/deliver';
import { createEventWebhookActivities } from './outreach/event-webhooks';

/**
 * Every activity the Kept worker registers, built from their dependencies (mail transport,
 * delivery ledger, profiles) so tests can pass real ones pointed at their own servers.
 */
export interface ActivityDependencies {
  /** Outreach (mail, webhooks, tasks, ledger). `workers/main.ts` builds it from the environment. */
  outreach?: OutreachDependencies;
  /** Brands' learned statistics (transit times, re-order intervals); in memory per worker when absent. */
  statistics?: BrandStatisticsStore;
}

export function createActivities(deps: ActivityDependencies = {}) {
  if (deps.outreach)
    return { ...createOutreachActivities(deps.outreach), ...createEventWebhookActivities(deps.outreach) };
  return unconfiguredOutreach();
}

/**
 * A worker built without outreach dependencies (e.g. a test of something else) still
 * registers the activities, and a call fails at once with a message saying why.
 */
function unconfiguredOutreach(): ReturnType<typeof createOutreachActivities> &
  ReturnType<typeof createEventWebhookActivities> {
  const fail = (): never => {
    throw ApplicationFailure.nonRetryable(
      'outreach is not configured on this worker (ActivityDependencies.outreach is missing)',
      'OutreachNotConfigured',
    );
  };
  return {
    deliverOutreach: async (_request: OutreachRequestInput): Promise<DeliveryResult> => fail(),
    recordOutreachDecision: async () => fail(),
    contactHistory: async () => fail(),
    emitKeptEvent: async () => fail(),
  };
}

export type KeptActivities = ReturnType<typeof createActivities>;
