import { z } from 'zod';
import { idSchema, lifecycleEventTypes, lifecycleStageSchema, messageCategorySchema } from '../events';
import { isoDurationSchema } from '../profiles/schema';
import { promiseKindSchema } from '../promises/schema';

/**
 * Playbooks: declarative, versioned rules that map a situation in a customer's journey to
 * the right contact. Pure schema (zod only): the journey workflow imports it, so no Node
 * modules here. Types are derived from the schemas.
 *
 * A playbook = trigger (when) + conditions (only if) + exit goal (unless already achieved)
 * + actions (what). The engine (`engine.ts`) turns playbooks and a journey state into
 * planned contacts.
 */

const eventTypeSchema = z.enum(lifecycleEventTypes as [string, ...string[]]);

/** A duration that may be negative: `-P30D` is thirty days before the anchor. */
export const signedDurationSchema = z
  .string()
  .regex(
    /^-?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/,
    'use an ISO 8601 duration like P3D, or -P30D for "before"',
  );

/**
 * Dates a time trigger can anchor on. `order.*` anchors once per order (and
 * `order.warrantyEndsAt` once per item), `case.*` once per case, `predicted.*` once per
 * prediction, `journey.*` once per journey.
 */
export const anchorFields = [
  'order.placedAt',
  'order.promisedDeliveryAt',
  'order.estimatedDeliveryAt',
  'order.dispatchedAt',
  'order.deliveredAt',
  'order.warrantyEndsAt',
  'case.openedAt',
  /** The latest update of a case, or its opening when it has none: the base of an update cadence. */
  'case.lastActivityAt',
  'case.resolvedAt',
  'predicted.replenishAt',
  /** The expected arrival of a dispatched order that is at risk of being late. */
  'predicted.lateDeliveryAt',
  /**
   * The instant a dispatched, undelivered order's late-delivery risk (conditional on it not
   * having arrived) reaches the brand's threshold, clipped to its minimum lead before the
   * promise (common/anticipation/late-notice.ts). Threshold and lead: this playbook's
   * `minLateRisk` and `minLead` conditions.
   */
  'predicted.lateRiskAt',
  /** A drop in the customer's reported usage against their own baseline (one per product, until it recovers). */
  'predicted.usageDropAt',
  'journey.firstOrderAt',
] as const;
export const anchorFieldSchema = z.enum(anchorFields);
export type AnchorField = z.infer<typeof anchorFieldSchema>;

const repeatShape = {
  /** Repeat every this long after the first time (a cadence), until a condition or the exit goal stops it. */
  every: isoDurationSchema.optional(),
};

export const triggerSchema = z.union([
  /** When the event happens (due at the event's time). */
  z.object({ on: eventTypeSchema }).strict(),
  /** Some time after each such event. */
  z.object({ after: eventTypeSchema, offset: isoDurationSchema, ...repeatShape }).strict(),
  /** Relative to a date in the journey: `-P30D` before a warranty ends. */
  z.object({ at: anchorFieldSchema, offset: signedDurationSchema.default('P0D'), ...repeatShape }).strict(),
  /** Only when a scheduled sweep asks (`config/schedules.json`), e.g. a quarterly check-in. */
  z.object({ sweep: z.literal(true) }).strict(),
]);
export type Trigger = z.infer<typeof triggerSchema>;

const orderStatusSchema = z.enum([
  'placed',
  'payment-failed',
  'dispatched',
  'delayed',
  'delivery-failed',
  'delivered',
  'return-requested',
  'returned',
  'cancelled',
]);

export const conditionsSchema = z
  .object({
    /** The journey's current stage is one of these. */
    stage: z.array(lifecycleStageSchema).min(1).optional(),
    /** The brand's service style (from its profile). */
    style: z
      .array(z.enum(['white-glove', 'self-service']))
      .min(1)
      .optional(),
    /** The anchor's order (if any) is in one of these states. */
    orderStatus: z.array(orderStatusSchema).min(1).optional(),
    /** The anchor's case (if any) is in one of these states. */
    caseStatus: z
      .array(z.enum(['open', 'resolved']))
      .min(1)
      .optional(),
    /** None of these events happened after the anchor (anywhere in the journey). */
    nothingSince: z.array(eventTypeSchema).min(1).optional(),
    /** The customer has placed at least this many orders. */
    minOrders: z.number().int().positive().optional(),
    /** The anchor's order is predicted late with at least this probability (0..1). */
    minLateRisk: z.number().gt(0).max(1).optional(),
    /** For `predicted.lateRiskAt`: warn at least this long before the promised date (default PT12H). */
    minLead: isoDurationSchema.optional(),
    /**
     * The arrival a late-delivery message announces (the carrier's new estimate, or ours) falls
     * on a later day than the promised one, in the customer's timezone. A customer was given a
     * day: telling them a parcel due at 19:00 on that day "will not arrive on the date we gave
     * you" is false. No promised date or no estimate: met (nothing to compare).
     */
    expectedAfterPromisedDay: z.literal(true).optional(),
  })
  .strict();
export type Conditions = z.infer<typeof conditionsSchema>;

/**
 * What "done" looks like: when met, the contact is not planned, and a planned one is
 * skipped at fire time (the customer re-ordered: no replenishment nudge).
 */
export const exitGoalSchema = z.enum([
  /** An order with the anchor's sku placed after the anchor. */
  'reordered',
  /** The anchor's order was delivered. */
  'delivered',
  /** The anchor's case is resolved. */
  'case-closed',
  /** The anchor's question was answered. */
  'question-answered',
  /** The customer answered a survey about the anchor's case. */
  'survey-answered',
]);
export type ExitGoal = z.infer<typeof exitGoalSchema>;

const templateSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*$/, 'use a template name like delivery.late')
  .max(100);
const partySchema = z.object({ kind: z.enum(['person', 'team']), id: idSchema }).strict();

export const actionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('send'), template: templateSchema, category: messageCategorySchema }).strict(),
  z
    .object({
      kind: z.literal('create-task'),
      /** What the person should do, in words. */
      task: z.string().min(1).max(200),
      /** Who; absent → the first level of the brand's escalation chain (the first-line team). */
      assignee: partySchema.optional(),
      /** Due within this business time, or the brand's response target for the severity. */
      within: z.union([isoDurationSchema, z.literal('response-target')]).default('response-target'),
      template: templateSchema.default('task.assigned'),
      category: messageCategorySchema.default('service'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('open-case'),
      caseCategory: z.string().min(1).max(100),
      severity: z.enum(['low', 'normal', 'high', 'urgent']).default('normal'),
      summary: z.string().min(1).max(500),
      category: messageCategorySchema.default('service'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('make-promise'),
      promiseKind: promiseKindSchema,
      text: z.string().min(1).max(500),
      within: isoDurationSchema,
      owner: partySchema.optional(),
      category: messageCategorySchema.default('service'),
    })
    .strict(),
]);
export type PlaybookAction = z.infer<typeof actionSchema>;

const reasonText = z.string().min(1).max(300);

/**
 * A reason in one text, or one per language (`{ "en": ..., "fr": ... }`). English is required
 * in the per-language form: it is what the journey records and shows to staff, and what a
 * reader in a language without its own text gets.
 */
export const playbookReasonSchema = z.union([
  reasonText,
  z
    .object({ en: reasonText })
    .catchall(reasonText)
    .refine((reasons) => Object.keys(reasons).every((language) => /^[a-z]{2,3}$/.test(language)), {
      message: 'give reasons per language code, e.g. { "en": "...", "fr": "..." }',
    }),
]);
export type PlaybookReason = z.infer<typeof playbookReasonSchema>;

/** The reason's text for a language (`fr`, `fr-FR`); a single-text reason serves every language. */
export function reasonIn(reason: PlaybookReason, locale: string): string | undefined {
  if (typeof reason === 'string') return reason;
  return reason[locale.split('-')[0] ?? 'en'];
}

/** The English text: the journey's own record of why it wrote. */
export function recordedReason(reason: PlaybookReason): string {
  return typeof reason === 'string' ? reason : reason.en;
}

export const playbookSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*$/, 'use an id like delivery.late')
      .max(64),
    version: z.number().int().positive(),
    stage: lifecycleStageSchema,
    description: z.string().min(1).max(500),
    /** Why we write, in plain words the customer reads; `{name}` inserts a value of the contact's data. */
    reason: playbookReasonSchema,
    /** Anticipating (true) or answering something the customer did (false); reports count them apart. */
    proactive: z.boolean(),
    enabled: z.boolean().default(true),
    trigger: triggerSchema,
    conditions: conditionsSchema.default({}),
    exitGoal: exitGoalSchema.optional(),
    actions: z.array(actionSchema).min(1).max(5),
    /**
     * A contact due longer ago than this is not planned: imported history never triggers
     * outreach about the past.
     */
    grace: isoDurationSchema.default('P1D'),
  })
  .strict();
export type Playbook = z.infer<typeof playbookSchema>;
export type PlaybookInput = z.input<typeof playbookSchema>;

export const playbookFileSchema = z.object({ playbooks: z.array(playbookSchema) }).strict();

/**
 * A brand file: entries whose id exists replace the fields they set (the rest stays as in
 * the defaults); new ids add playbooks. Merged as raw JSON first, then each merged
 * playbook is validated in full with `playbookSchema` (so defaults are not re-applied over
 * the base's values).
 */
export const playbookOverrideFileSchema = z
  .object({ playbooks: z.array(z.looseObject({ id: z.string().min(1) })) })
  .strict();

/** What the loader hands out: the effective playbooks of a brand and a hash of their content. */
export interface PlaybookSet<P extends PlanningPlaybook = Playbook> {
  brand: string;
  /** Content hash of the effective playbooks: recorded with each decision. */
  version: string;
  playbooks: P[];
}

/**
 * A playbook as a journey plans with it: without the operator's description, and with its
 * reason in English only (what the journey records). People read the rest, and the message
 * composer reads the customer's language from the files itself, so neither belongs in every
 * journey's history and heap (activities/journey-config.ts).
 */
export type PlanningPlaybook = Omit<Playbook, 'description'>;

export function planningPlaybook({ description: _forPeople, reason, ...playbook }: Playbook): PlanningPlaybook {
  return { ...playbook, reason: recordedReason(reason) };
}

/** What a contact is about, and when that happened: the situation that makes its key. */
export const anchorSchema = z.object({
  /** The trigger's event type or date field, or 'sweep'. */
  source: z.string(),
  /** The event's time or the anchored date (ISO, UTC). */
  at: z.string(),
  eventId: z.string().optional(),
  orderId: z.string().optional(),
  caseId: z.string().optional(),
  sku: z.string().optional(),
  questionId: z.string().optional(),
  /** The sweep run that asked, for contacts a schedule started. */
  sweepId: z.string().optional(),
  /** For a cadence: 0 for the first contact, 1 for the next, ... */
  occurrence: z.number().int().nonnegative().optional(),
  /** A prediction's explanation, when the anchor is a prediction. */
  basis: z.string().optional(),
});
export type Anchor = z.infer<typeof anchorSchema>;

const dataValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/**
 * One contact a playbook wants, as the journey stores it (plain JSON) and fires with a
 * timer. The same situation always yields the same `key`, so a journey that re-plans never
 * plans a contact twice.
 */
export const plannedContactSchema = z.object({
  key: z.string().min(1).max(200),
  /** The playbook, or 'sweep' for an ad-hoc contact a schedule asked for by template. */
  playbookId: z.string(),
  playbookVersion: z.number().int().nonnegative(),
  /** Anticipating the customer (true) or answering them (false): counted apart in reports. */
  proactive: z.boolean(),
  dueAt: z.string(),
  action: actionSchema,
  category: messageCategorySchema,
  /** The message template (send, create-task); none for open-case and make-promise. */
  template: z.string().optional(),
  /** A person handles it (a task) or it is an automated message, per the brand's touchpoints. */
  handledBy: z.enum(['human', 'automated']),
  /** Who receives the outreach: the customer, or the colleague a task is for. */
  recipient: z.union([z.object({ kind: z.literal('customer') }), partySchema]),
  /** Why, in plain words, with the prediction's explanation where there is one. */
  reason: z.string().max(300),
  /** Values for the template. */
  data: z.record(z.string(), dataValueSchema),
  anchor: anchorSchema,
  /** For tasks: by when the person should have done it (the brand's target, in business time). */
  deadline: z.string().optional(),
});
export type PlannedContact = z.infer<typeof plannedContactSchema>;
