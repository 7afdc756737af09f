import { z } from 'zod';
import { brandIdSchema, channelSchema, idSchema, timestampSchema } from '../events';
import { promiseContactSchema } from './schema';

/**
 * Messages about a promise to the customer (notice, apology, renegotiated, cancelled) are
 * not sent by the promise workflow: it asks the customer's journey, the one arbiter of
 * outreach, which sends them through the contact policy (quiet hours, consent, reachable
 * channel, task for a human touchpoint) and reports back what it did. Pure: safe in workflows.
 */

/** A promise step (`apology`, `due-2/apology`, `renegotiated-1`): the tail of the contact key. */
const stepSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9][a-z0-9/-]*$/, 'a promise step: lower-case letters, digits, dash and slash');

/** What a promise workflow asks the journey to say to the customer (signal `promiseContact`). */
export const promiseContactRequestSchema = z
  .object({
    promiseId: idSchema,
    step: stepSchema,
    template: z.string().min(1).max(100),
    reason: z.string().trim().min(1).max(500),
    data: z.record(z.string(), z.unknown()).default({}),
    /** Where the customer expects to hear: tried first, never the only option. */
    channel: channelSchema.optional(),
    /** How the promise says to reach the customer: fills what the journey does not know yet. */
    contact: promiseContactSchema.default({}),
    /** We reach out first (a notice, an apology) rather than answer a change. */
    proactive: z.boolean().default(false),
    orderId: idSchema.optional(),
  })
  .strict();
export type PromiseContactRequest = z.infer<typeof promiseContactRequestSchema>;
export type PromiseContactRequestInput = z.input<typeof promiseContactRequestSchema>;

/** The journey's pending-contact key: the same promise step is contacted once. */
export const promiseContactKey = (promiseId: string, step: string): string => `promise/${promiseId}/${step}`;

/** The request the promise workflow hands to the `requestPromiseContact` activity. */
export const journeyContactRequestSchema = z
  .object({ brand: brandIdSchema, customerId: idSchema, request: promiseContactRequestSchema })
  .strict();
export type JourneyContactRequest = z.input<typeof journeyContactRequestSchema>;

/**
 * What became of a promise contact, as the journey decided it. `task`: a colleague was
 * given the touchpoint (the brand's profile makes it human, or the channel is a call).
 */
export const promiseContactOutcomes = [
  'sent',
  'task',
  'deferred',
  'suppressed',
  'failed',
  'skipped',
  'cancelled',
] as const;
export const promiseContactOutcomeSchema = z
  .object({
    step: stepSchema,
    outcome: z.enum(promiseContactOutcomes),
    at: timestampSchema,
    channel: channelSchema.optional(),
    until: timestampSchema.optional(),
    why: z.string().max(1000).optional(),
  })
  .strict();
export type PromiseContactOutcome = z.infer<typeof promiseContactOutcomeSchema>;
