import { Context } from '@temporalio/activity';
import type { createOutreachActivities } from '../activities/outreach/deliver';
import type { DeliveryResult, OutreachRequestInput } from '../common/outreach/contract';

type OutreachActivities = ReturnType<typeof createOutreachActivities>;

/** What one delivered outreach was about, as the journey asked for it. */
export interface TappedDelivery {
  request: OutreachRequestInput;
  result: DeliveryResult;
  /** Server (virtual) time the delivering attempt was scheduled at, ms. */
  scheduledAtMs: number;
}

/**
 * The instant an outreach activity acts at, on the workflow's clock: the time its current
 * attempt was scheduled. On the time-skipping server that is virtual time (a notice planned
 * for a Tuesday of the history is stamped that Tuesday), where the worker's wall clock would
 * stamp every message with the minute the backtest happened to run. Outside an activity (a
 * direct call) it is the wall clock.
 */
export function activityScheduledClock(): Date {
  try {
    return new Date(Context.current().info.currentAttemptScheduledTimestampMs);
  } catch {
    return new Date();
  }
}

/**
 * Kept's own `deliverOutreach`, unchanged, with a note of each request it delivered: the
 * ledger keeps who, what and when, but not what a message was about (the order, the sku, the
 * case in its data), which the backtest report needs to score predictions.
 */
export function tapDeliveries(activities: OutreachActivities): {
  activities: Pick<OutreachActivities, 'deliverOutreach'>;
  delivered: Map<string, TappedDelivery>;
} {
  const delivered = new Map<string, TappedDelivery>();
  const deliverOutreach = async (request: OutreachRequestInput): Promise<DeliveryResult> => {
    const result = await activities.deliverOutreach(request);
    if (result.status !== 'duplicate' || !delivered.has(result.idempotencyKey)) {
      delivered.set(result.idempotencyKey, { request, result, scheduledAtMs: activityScheduledClock().getTime() });
    }
    return result;
  };
  return { activities: { deliverOutreach }, delivered };
}
