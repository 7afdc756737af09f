import { z } from 'zod';
import { emailAddress } from '../email-format';
import { brandIdSchema, channelSchema, idSchema, messageCategorySchema } from '../events';

/**
 * The one outreach path's contract: every message Kept sends — to a customer or to a
 * colleague — is an OutreachRequest handed to the `deliverOutreach` activity.
 * Workflows build the `idempotencyKey` deterministically (workflow id + step), so a retried
 * activity or a replayed workflow can never send a second copy: the delivery ledger
 * records every key, and the key is the email Message-ID and the webhook Idempotency-Key.
 */
export const customerRecipientSchema = z.object({
  kind: z.literal('customer'),
  customerId: idSchema,
  name: z.string().max(200).optional(),
  email: emailAddress().optional(),
  phone: z.string().optional(),
  locale: z.string().optional(),
  timezone: z.string().optional(),
});

export const staffRecipientSchema = z.object({
  kind: z.enum(['person', 'team']),
  id: idSchema,
});

export const outreachRequestSchema = z.object({
  /** Deterministic: `${workflowId}/${step}`. Same key → at most one message, ever. */
  idempotencyKey: z.string().min(1).max(300),
  brand: brandIdSchema,
  recipient: z.discriminatedUnion('kind', [customerRecipientSchema, staffRecipientSchema]),
  category: messageCategorySchema,
  /** Template name, e.g. 'delivery.late', 'promise.reminder'. */
  template: z.string().min(1).max(100),
  /** Why we are writing, in plain words; proactive messages say it to the customer. */
  reason: z.string().min(1).max(300),
  /** Channel chosen by the contact policy; absent → the first the recipient can use. */
  channel: channelSchema.optional(),
  /** Values for the template; customer-provided ones are escaped when rendered. */
  data: z.record(z.string(), z.unknown()).default({}),
});
export type OutreachRequest = z.infer<typeof outreachRequestSchema>;
export type OutreachRequestInput = z.input<typeof outreachRequestSchema>;

export const deliveryResultSchema = z.object({
  idempotencyKey: z.string(),
  /** sent: delivered now; duplicate: the ledger already had it (nothing sent again). */
  status: z.enum(['sent', 'duplicate', 'task-created']),
  channel: channelSchema,
  messageId: z.string().optional(),
  sentAt: z.string(),
});
export type DeliveryResult = z.infer<typeof deliveryResultSchema>;
