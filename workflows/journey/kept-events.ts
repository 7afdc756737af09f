import { log, proxyActivities } from '@temporalio/workflow';
import type { createEventWebhookActivities } from '../../activities/outreach/event-webhooks';
import type { KeptEventType, ServiceProfile } from '../../common/profiles/schema';
import { subscribedTo } from '../../common/webhooks/kept-events';
import type { OutreachDecision, PendingContact } from './outreach-state';
import type { JourneyState } from './state';

const EMIT_OPTIONS = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 12 },
} as const;
const { emitKeptEvent } = proxyActivities<ReturnType<typeof createEventWebhookActivities>>(EMIT_OPTIONS);

/**
 * The journey's events for the brand's webhooks (docs/webhooks.md): what became of each
 * contact (sent, suppressed, failed, a task created). Only types the brand subscribed to
 * start an activity, so brands without webhooks, and every history recorded before them,
 * emit nothing. They run in the background: a subscriber that is down never holds up a
 * decision round; the journey waits for them only before it continues as new.
 */
export class JourneyEvents {
  private pending: Promise<unknown>[] = [];

  emitDecision(
    journey: JourneyState,
    workflowId: string,
    contact: PendingContact,
    decision: OutreachDecision,
    profile: ServiceProfile | undefined,
  ): void {
    const type = eventTypeOf(contact, decision);
    if (!type || !subscribedTo(profile?.webhooks.subscriptions, type)) return;
    const event = {
      id: `${workflowId}/event/${contact.key}/${decision.outcome}`,
      type,
      brand: journey.brand,
      occurredAt: decision.at,
      customerId: journey.customerId,
      data: {
        key: contact.key,
        template: contact.template,
        category: contact.category,
        reason: contact.reason,
        ...(decision.channel ? { channel: decision.channel } : {}),
        ...(decision.why ? { why: decision.why } : {}),
        ...(contact.orderId ? { orderId: contact.orderId } : {}),
        ...(contact.promise ? { promiseId: contact.promise.promiseId } : {}),
      },
    };
    this.pending.push(
      emitKeptEvent
        .executeWithOptions({ ...EMIT_OPTIONS, summary: `webhook: ${type}` }, [event])
        .catch((error: unknown) => log.warn('a Kept event could not be delivered to its webhooks', { type, error })),
    );
  }

  async flush(): Promise<void> {
    const pending = this.pending.splice(0);
    await Promise.all(pending);
  }
}

function eventTypeOf(contact: PendingContact, decision: OutreachDecision): KeptEventType | undefined {
  switch (decision.outcome) {
    case 'sent':
      return decision.task || contact.planned?.action.kind === 'create-task' ? 'task.created' : 'outreach.sent';
    case 'suppressed':
      return 'outreach.suppressed';
    case 'failed':
      return 'outreach.failed';
    default:
      return undefined;
  }
}
