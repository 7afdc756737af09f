import { ApplicationFailure } from '@temporalio/common';
import { fnv1a } from '../../common/playbooks/engine';
import type { WebhookSubscription } from '../../common/profiles/schema';
import { keptEventSchema, type KeptEvent, type KeptEventInput } from '../../common/webhooks/kept-events';
import type { OutreachDependencies } from './deliver';
import { DELIVERED } from './ledger';
import { postWebhook } from './webhook';

/**
 * `emitKeptEvent`: POSTs one Kept event to each subscription of its brand that asked for its
 * type, signed like every outgoing webhook (Kept-Signature over `<timestamp>.<body>`).
 * Effectively once per subscriber: the delivery ledger records each (event, subscriber) key
 * before the POST, a key already delivered is skipped, and the key travels as the
 * `Idempotency-Key` header so a receiver deduplicates a resend after a crash. A subscriber
 * that fails makes the activity fail, and the retry POSTs only to those not yet delivered.
 */
export function createEventWebhookActivities(deps: OutreachDependencies, env: NodeJS.ProcessEnv = process.env) {
  const now = deps.now ?? (() => new Date());

  async function emitKeptEvent(input: KeptEventInput): Promise<{ delivered: number; skipped: number }> {
    const event = parseEvent(input);
    const profile = deps.profiles.get(event.brand);
    const subscriptions = (profile?.webhooks.subscriptions ?? []).filter((subscription) =>
      subscription.events.includes(event.type),
    );
    let delivered = 0;
    let skipped = 0;
    const failures: string[] = [];
    for (const subscription of subscriptions) {
      try {
        if (await deliverTo(subscription, event)) delivered += 1;
        else skipped += 1;
      } catch (error) {
        if (error instanceof ApplicationFailure && error.nonRetryable) throw error;
        failures.push((error as Error).message);
      }
    }
    if (failures.length > 0)
      throw ApplicationFailure.create({
        type: 'WebhookUnavailable',
        message: `event ${event.id}: ${failures.join('; ')}`,
      });
    return { delivered, skipped };
  }

  /** True when POSTed now; false when the ledger says this subscriber already has it. */
  async function deliverTo(subscription: WebhookSubscription, event: KeptEvent): Promise<boolean> {
    const idempotencyKey = `${event.id}/webhook-${fnv1a(subscription.url)}`;
    const earlier = await deps.ledger.find(idempotencyKey);
    if (earlier && DELIVERED.has(earlier.status)) return false;
    const secret = secretFor(subscription);
    await deps.ledger.beginAttempt(
      {
        idempotencyKey,
        brand: event.brand,
        // Not a customer: an integrator's endpoint never counts towards a customer's contact caps.
        recipientKind: 'team',
        recipientId: 'webhook',
        category: 'service',
        template: event.type,
        reason: `Kept event ${event.type} to ${new URL(subscription.url).host}`,
        channel: 'webhook',
      },
      now(),
    );
    try {
      await postWebhook({ url: subscription.url, secret, idempotencyKey, now: now(), body: event });
    } catch (error) {
      await deps.ledger.markFailed(idempotencyKey, (error as Error).message, now());
      throw error;
    }
    await deps.ledger.markDelivered(idempotencyKey, { status: 'sent', channel: 'webhook' }, now());
    return true;
  }

  function secretFor(subscription: WebhookSubscription): string {
    if (!subscription.secretEnv) return deps.webhookSecret;
    const secret = env[subscription.secretEnv];
    if (!secret)
      throw ApplicationFailure.nonRetryable(
        `webhook ${subscription.url}: the environment variable ${subscription.secretEnv} (its signing secret) is not set`,
        'WebhookSecretMissing',
      );
    return secret;
  }

  return { emitKeptEvent };
}

function parseEvent(input: KeptEventInput): KeptEvent {
  const result = keptEventSchema.safeParse(input);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`);
  throw ApplicationFailure.nonRetryable(`Kept event: ${fields.join('; ')}`, 'InvalidKeptEvent');
}
