import { z } from 'zod';
import { brandIdSchema, channelSchema, idSchema, ownerSchema, timestampSchema } from '../events';
import { customerRecipientSchema } from '../outreach/contract';
import { isoDurationSchema, serviceProfileSchema, webhookSubscriptionSchema } from '../profiles/schema';
import type { PromiseContactOutcome } from './customer-contact';

/**
 * A promise: any commitment to a customer with a due time. These schemas are the boundary
 * for the client (makePromise and the changes) and for the promise workflow's update
 * validators; types are derived from them. Pure: safe in workflows.
 */

export const promiseKinds = ['callback', 'case-update', 'resolution', 'delivery', 'refund', 'other'] as const;
export const promiseKindSchema = z.enum(promiseKinds);
export type PromiseKind = z.infer<typeof promiseKindSchema>;

const reasonText = z.string().trim().min(1).max(500);

/**
 * How far ahead a promise may be due, counted from when it is made. The promise's business-time
 * plan searches opening hours day by day and gives up after 800 days (common/business-time.ts),
 * so a longer promise would be accepted and then fail every workflow task: it is rejected here.
 */
export const MAX_PROMISE_HORIZON_DAYS = 730;
const DAY_MS = 86_400_000;

/** Why a due instant is too far after the promise's start, or undefined when it is fine. */
export function beyondPromiseHorizon(dueAt: number, from: number): string | undefined {
  if (dueAt - from <= MAX_PROMISE_HORIZON_DAYS * DAY_MS) return undefined;
  return (
    `due: ${new Date(dueAt).toISOString()} is more than ${MAX_PROMISE_HORIZON_DAYS} days after ` +
    `${new Date(from).toISOString()}; Kept keeps promises due within ${MAX_PROMISE_HORIZON_DAYS} days`
  );
}

/** A business duration's weeks and days, bounded like the due instant (checked exactly when resolved). */
const withinSchema = isoDurationSchema.refine(
  (duration) => {
    const [, weeks = '0', days = '0'] = /^P(?:\d+Y)?(?:\d+M)?(?:(\d+)W)?(?:(\d+)D)?/.exec(duration) ?? [];
    return Number(weeks) * 7 + Number(days) <= MAX_PROMISE_HORIZON_DAYS;
  },
  { message: `a promise is due within at most ${MAX_PROMISE_HORIZON_DAYS} days` },
);

/** Due: an absolute instant, or a duration in the brand's business time ("within PT4H"). */
export const dueSchema = z.union([
  z.object({ at: timestampSchema }).strict(),
  z.object({ within: withinSchema }).strict(),
]);
export type Due = z.infer<typeof dueSchema>;

/** The parts of a service profile a promise workflow needs (workflows read no files). */
export const promiseProfileSchema = serviceProfileSchema
  .pick({
    businessHours: true,
    escalation: true,
    promises: true,
    staff: true,
  })
  .extend({
    /** The brand's event webhooks: a promise emits only the events someone subscribed to. */
    webhookSubscriptions: z.array(webhookSubscriptionSchema).default([]),
  });
export type PromiseProfile = z.infer<typeof promiseProfileSchema>;

/** How to reach the customer for notices; the customer id comes from the promise. */
export const promiseContactSchema = customerRecipientSchema.omit({ kind: true, customerId: true });

/** What a backend sends to make a promise (client side). */
export const makePromiseInputSchema = z.object({
  brand: brandIdSchema,
  customerId: idSchema,
  promiseId: idSchema,
  /** The internal note for staff ("Tell the customer when the spare part arrives"); never shown to the customer. */
  text: z.string().trim().min(1).max(1000),
  /**
   * What the customer reads about this promise ("your spare part, fitted at our workshop");
   * absent: customer messages use a neutral sentence instead of the internal text.
   */
  customerText: z.string().trim().min(1).max(300).optional(),
  kind: promiseKindSchema,
  owner: ownerSchema,
  /** Absent: Kept proposes the earliest time the owner can keep. */
  due: dueSchema.optional(),
  /** The channel on which the customer expects to hear. */
  channel: channelSchema,
  orderId: idSchema.optional(),
  caseId: idSchema.optional(),
  contact: promiseContactSchema.default({}),
  /** When the promise was made; defaults to now. */
  createdAt: timestampSchema.optional(),
  /** Make it even when the due time over-commits the owner; recorded on the promise. */
  insist: z.boolean().default(false),
});
export type MakePromiseInput = z.input<typeof makePromiseInputSchema>;
export type MakePromise = z.infer<typeof makePromiseInputSchema>;

/** What the capacity check found when the promise was made. */
export const capacityVerdictSchema = z.object({
  overCommitted: z.boolean(),
  insisted: z.boolean(),
  /** Earliest due time the owner (and team) can keep, given the open promises. */
  proposedDueAt: timestampSchema.optional(),
  /** Plain-language explanation, e.g. "camille has 6 open promises due within 1 business day (capacity 6)". */
  note: z.string().max(500),
});
export type CapacityVerdict = z.infer<typeof capacityVerdictSchema>;

/** The promise workflow's input: everything it needs, with an absolute or business-time due. */
export const promiseWorkflowInputSchema = makePromiseInputSchema
  .omit({ due: true, createdAt: true, insist: true })
  .extend({
    due: dueSchema,
    createdAt: timestampSchema,
    profile: promiseProfileSchema,
    capacity: capacityVerdictSchema.optional(),
    /** After a breach, how long (calendar time) a late fulfilment is still awaited. */
    lateFulfilmentWindow: isoDurationSchema.default('P30D'),
    /**
     * The customer's journey made this promise and records it open from the making activity's
     * answer, so the promise reports to the journey only what changes after (at risk, breached,
     * kept, ...): the opening report would cost a signal and a journey task for nothing new.
     * Only Kept's own activity sets it (PromiseClient.makePromise's `madeByJourney` option); a
     * caller's promise always reports, or the journey would not count it until it changed.
     */
    madeByJourney: z.boolean().optional(),
    /** The workflow code generation its starter runs (common/code-generation.ts). */
    codeGeneration: z.number().int().optional(),
  });
export type PromiseWorkflowInput = z.input<typeof promiseWorkflowInputSchema>;
export type PromiseWorkflowArgs = z.infer<typeof promiseWorkflowInputSchema>;

// Changes (workflow updates). Strict, so a typo'd field is an error, not silently ignored.
export const fulfilPromiseSchema = z
  .object({
    note: reasonText.optional(),
    /** When it was kept (e.g. the delivery's occurredAt); default now. Judged against the due time. */
    at: timestampSchema.optional(),
  })
  .strict();
export const renegotiatePromiseSchema = z.object({ due: dueSchema, reason: reasonText }).strict();
export const reassignPromiseSchema = z.object({ owner: ownerSchema, reason: reasonText.optional() }).strict();
export const cancelPromiseSchema = z.object({ reason: reasonText }).strict();
export type FulfilPromise = z.infer<typeof fulfilPromiseSchema>;
export type RenegotiatePromise = z.infer<typeof renegotiatePromiseSchema>;
export type ReassignPromise = z.infer<typeof reassignPromiseSchema>;
export type CancelPromise = z.infer<typeof cancelPromiseSchema>;

/** While a promise runs: open → at-risk → breached; it ends in one of the outcomes. */
export const promiseStatuses = ['open', 'at-risk', 'breached'] as const;
export const promiseOutcomes = ['kept', 'kept-late', 'renegotiated', 'breached', 'cancelled'] as const;
export type PromiseOutcomeKind = (typeof promiseOutcomes)[number];
export type PromiseStatus = (typeof promiseStatuses)[number] | PromiseOutcomeKind;
/** Statuses that still load the owner's capacity. */
export const openPromiseStatuses: readonly PromiseStatus[] = promiseStatuses;

export interface PromiseChange {
  at: string;
  kind: 'fulfilled' | 'renegotiated' | 'reassigned' | 'cancelled';
  note?: string;
  /** For a fulfilment dated by the caller: when it was really kept. */
  keptAt?: string;
  previousDueAt?: string;
  dueAt?: string;
  previousOwner?: string;
  owner?: string;
}

export interface PromiseBreach {
  at: string;
  dueAt: string;
  reason: string;
}

/** How a promise ended, with its measures: returned as the workflow result and in the query. */
export interface PromiseOutcome {
  outcome: PromiseOutcomeKind;
  brand: string;
  promiseId: string;
  owner: string;
  team?: string;
  createdAt: string;
  originalDueAt: string;
  dueAt: string;
  endedAt: string;
  /** From making the promise to its end. */
  leadTimeMs: number;
  /** Due time minus end: positive when early, negative when late. */
  slackMs: number;
  renegotiations: number;
  insisted: boolean;
  breach?: PromiseBreach;
}

export interface PromiseState {
  promiseId: string;
  brand: string;
  customerId: string;
  text: string;
  kind: PromiseKind;
  owner: PromiseWorkflowArgs['owner'];
  channel: PromiseWorkflowArgs['channel'];
  orderId?: string;
  caseId?: string;
  status: PromiseStatus;
  flags: string[];
  createdAt: string;
  originalDueAt: string;
  dueAt: string;
  /** Start of the current window (creation, or the last renegotiation). */
  windowStartedAt: string;
  renegotiations: number;
  capacity?: CapacityVerdict;
  /** Steps already done (idempotency-key suffixes), e.g. 'reminder-1', 'due-2/at-risk'. */
  sent: string[];
  /** Sends that failed after all retries; the promise goes on. */
  deliveryFailures: { step: string; error: string }[];
  /** What the customer's journey did with each message to the customer, by step (latest decision). */
  customerContacts: Record<string, PromiseContactOutcome>;
  changes: PromiseChange[];
  breach?: PromiseBreach;
  result?: PromiseOutcome;
  /** Its reminders went on this colleague's staff digest (a promise the system keeps). */
  digest?: { recipient: { kind: 'person' | 'team'; id: string }; withdrawn?: boolean };
}
