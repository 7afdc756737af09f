import { z } from 'zod';
import { brandIdSchema, idSchema, timestampSchema } from '../events';
import { keptEventTypeSchema, type KeptEventType, type WebhookSubscription } from '../profiles/schema';

/**
 * What Kept tells integrators (docs/webhooks.md): one event, emitted by a workflow through the
 * `emitKeptEvent` activity, POSTed to every subscription of the brand that asked for its type.
 * The id is deterministic (workflow id + what happened), so a retried activity or a replayed
 * workflow emits the same event, and each subscriber gets it once. Pure: safe in workflows.
 */
export const keptEventSchema = z
  .object({
    id: z.string().min(1).max(250),
    type: keptEventTypeSchema,
    brand: brandIdSchema,
    occurredAt: timestampSchema,
    customerId: idSchema.optional(),
    data: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type KeptEvent = z.infer<typeof keptEventSchema>;
export type KeptEventInput = z.input<typeof keptEventSchema>;

/** Whether any of the brand's subscriptions wants this type (no activity is started for nobody). */
export function subscribedTo(subscriptions: readonly WebhookSubscription[] | undefined, type: KeptEventType): boolean {
  return (subscriptions ?? []).some((subscription) => subscription.events.includes(type));
}
