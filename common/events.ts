import { z } from 'zod';
import { emailAddress } from './email-format';

/**
 * The lifecycle event vocabulary: one set of schemas shared by the client (which validates
 * before sending), the HTTP API, and the journey workflow's update validators (which reject
 * before anything is written to history). Types are derived from these schemas, never
 * written twice.
 */

/** Ids end up in workflow ids and search attributes: keep them plain and bounded. */
export const idSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'use letters, digits, dot, underscore, colon or dash');

export const brandIdSchema = idSchema.max(64);
/**
 * The instants Kept computes with, everywhere (client, API, import, workflow validators):
 * from the Unix epoch to the end of 2199. Outside it, ISO strings gain a sign and six-digit
 * years (`+010000-…`, `-000001-…`) that no longer sort or parse like the rest, and business-time
 * arithmetic would run for ever. Fixed bounds, not "now", so a workflow validator stays deterministic.
 */
export const EARLIEST_INSTANT = '1970-01-01T00:00:00.000Z';
export const LATEST_INSTANT = '2199-12-31T23:59:59.999Z';
const earliestMs = Date.parse(EARLIEST_INSTANT);
const latestMs = Date.parse(LATEST_INSTANT);

/** Any ISO 8601 instant with an offset inside Kept's window; normalised to UTC so instants compare as strings. */
export const timestampSchema = z.iso
  .datetime({ offset: true })
  .refine((value) => {
    const ms = Date.parse(value);
    return ms >= earliestMs && ms <= latestMs;
  }, `use an instant between ${EARLIEST_INSTANT} and ${LATEST_INSTANT}`)
  .transform((value) => new Date(value).toISOString());
const money = z.number().nonnegative().finite();
const shortText = z.string().trim().min(1).max(500);
const longText = z.string().trim().min(1).max(5000);

export const lifecycleStages = ['research', 'compare', 'purchase', 'receive', 'use', 'repair', 'repurchase'] as const;
export const lifecycleStageSchema = z.enum(lifecycleStages);
export type LifecycleStage = z.infer<typeof lifecycleStageSchema>;

/** An IANA timezone the runtime knows, e.g. Europe/Paris. */
export const timeZoneSchema = z.string().refine(isKnownTimeZone, 'unknown IANA timezone');

export const channelSchema = z.enum(['email', 'sms', 'push', 'chat', 'phone', 'webhook']);
export type Channel = z.infer<typeof channelSchema>;

export const messageCategories = ['transactional', 'service', 'proactive', 'educational', 'promotional'] as const;
export const messageCategorySchema = z.enum(messageCategories);
export type MessageCategory = z.infer<typeof messageCategorySchema>;

export const severitySchema = z.enum(['low', 'normal', 'high', 'urgent']);
export type Severity = z.infer<typeof severitySchema>;

export const caseOutcomeSchema = z.enum(['resolved', 'not_resolved', 'duplicate']);
export type CaseOutcome = z.infer<typeof caseOutcomeSchema>;

export const ownerSchema = z.object({
  kind: z.enum(['person', 'team', 'bot', 'system']),
  id: idSchema,
  team: idSchema.optional(),
});
export type Owner = z.infer<typeof ownerSchema>;

export const orderItemSchema = z.object({
  sku: idSchema,
  name: shortText,
  category: shortText,
  price: money,
  quantity: z.number().int().positive().default(1),
  warrantyEndsAt: timestampSchema.optional(),
  /** For consumables: how many days one unit lasts, the fallback for replenishment predictions. */
  expectedUseDays: z.number().positive().max(3650).optional(),
});
export type OrderItem = z.infer<typeof orderItemSchema>;

/** Fields every event carries. `eventId` makes delivery idempotent; `occurredAt` orders events. */
const envelope = {
  eventId: idSchema,
  brand: brandIdSchema,
  customerId: idSchema,
  occurredAt: timestampSchema,
};

function event<T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return z.object({ type: z.literal(type), ...envelope, ...shape }).strict();
}

export const lifecycleEventSchema = z.discriminatedUnion('type', [
  // research
  event('product.viewed', { sku: idSchema, category: shortText.optional() }),
  event('question.asked', { questionId: idSchema, text: longText.optional(), channel: channelSchema.optional() }),
  event('question.answered', { questionId: idSchema }),
  // compare
  event('products.compared', { skus: z.array(idSchema).min(2).max(50) }),
  event('quote.requested', { quoteId: idSchema, skus: z.array(idSchema).max(50).optional() }),
  // purchase
  event('order.placed', {
    orderId: idSchema,
    items: z.array(orderItemSchema).min(1).max(200),
    currency: z.string().length(3).default('EUR'),
    promisedDeliveryAt: timestampSchema.optional(),
  }),
  event('payment.failed', { orderId: idSchema, reason: shortText.optional() }),
  event('order.cancelled', { orderId: idSchema, reason: shortText.optional() }),
  // receive
  event('shipment.dispatched', {
    orderId: idSchema,
    /** Who carries it, e.g. `dhl`: transit times are also learned per carrier. */
    carrier: shortText.optional(),
    trackingId: shortText.optional(),
    estimatedDeliveryAt: timestampSchema.optional(),
    /** Where it goes, as coarse as the brand likes (`north`, `DE-BY`, a postcode area): learned per region. */
    region: z.string().trim().min(1).max(64).optional(),
    /** The shipping service, e.g. `standard`, `express`: learned per service level. */
    serviceLevel: z.string().trim().min(1).max(64).optional(),
  }),
  event('shipment.delayed', {
    orderId: idSchema,
    newEstimatedDeliveryAt: timestampSchema,
    reason: shortText.optional(),
  }),
  event('shipment.delivered', { orderId: idSchema }),
  event('delivery.failed', { orderId: idSchema, reason: shortText.optional() }),
  // use
  event('product.activated', { orderId: idSchema.optional(), sku: idSchema }),
  event('usage.reported', { sku: idSchema.optional(), level: z.number().nonnegative().finite() }),
  event('usage.dropped', {
    sku: idSchema.optional(),
    previousLevel: z.number().optional(),
    level: z.number().optional(),
  }),
  // repair
  event('issue.reported', {
    caseId: idSchema,
    orderId: idSchema.optional(),
    sku: idSchema.optional(),
    severity: severitySchema.default('normal'),
    category: shortText,
    channel: channelSchema.default('email'),
    summary: longText,
    owner: ownerSchema.optional(),
  }),
  event('case.updated', {
    caseId: idSchema,
    note: longText.optional(),
    owner: ownerSchema.optional(),
    severity: severitySchema.optional(),
  }),
  event('case.resolved', {
    caseId: idSchema,
    outcome: caseOutcomeSchema,
    rootCause: idSchema,
    note: longText.optional(),
  }),
  event('case.reopened', { caseId: idSchema, reason: shortText }),
  event('return.requested', { orderId: idSchema, sku: idSchema.optional(), reason: shortText }),
  event('return.completed', { orderId: idSchema, refundAmount: money.optional() }),
  // repurchase
  event('subscription.renewed', { subscriptionId: idSchema, renewsAt: timestampSchema.optional() }),
  event('warranty.expiring', { sku: idSchema, orderId: idSchema.optional(), endsAt: timestampSchema }),
  // any stage
  event('survey.answered', {
    caseId: idSchema.optional(),
    orderId: idSchema.optional(),
    score: z.number().int().min(1).max(5),
    comment: longText.optional(),
  }),
  event('consent.changed', {
    category: messageCategorySchema,
    channel: channelSchema.optional(),
    granted: z.boolean(),
  }),
  event('profile.updated', {
    name: shortText.optional(),
    email: emailAddress().max(254).optional(),
    phone: z
      .string()
      .regex(/^\+[1-9][0-9]{6,14}$/, 'use E.164, e.g. +4915112345678')
      .optional(),
    timezone: timeZoneSchema.optional(),
    locale: z
      .string()
      .regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'use a locale like en or de-DE')
      .optional(),
    preferredChannels: z.array(channelSchema).max(6).optional(),
  }),
  // staff: a colleague did the task Kept handed them (the task message names its id)
  event('task.completed', { taskId: idSchema, note: longText.optional(), by: idSchema.optional() }),
]);

export type LifecycleEvent = z.infer<typeof lifecycleEventSchema>;
/** What a caller sends: defaults (quantity, currency, severity, ...) may be left out. */
export type LifecycleEventInput = z.input<typeof lifecycleEventSchema>;
export type LifecycleEventType = LifecycleEvent['type'];
export type EventOfType<T extends LifecycleEventType> = Extract<LifecycleEvent, { type: T }>;
export const lifecycleEventTypes = lifecycleEventSchema.options.map((option) => option.shape.type.value);

export const eventBatchSchema = z.array(lifecycleEventSchema).min(1).max(500);

/** The stage an event belongs to, per the vocabulary in PRODUCT.md (undefined: any stage). */
export const stageOfEventType: Record<LifecycleEventType, LifecycleStage | undefined> = {
  'product.viewed': 'research',
  'question.asked': 'research',
  'question.answered': 'research',
  'products.compared': 'compare',
  'quote.requested': 'compare',
  'order.placed': 'purchase',
  'payment.failed': 'purchase',
  'order.cancelled': 'purchase',
  'shipment.dispatched': 'receive',
  'shipment.delayed': 'receive',
  'shipment.delivered': 'receive',
  'delivery.failed': 'receive',
  'product.activated': 'use',
  'usage.reported': 'use',
  'usage.dropped': 'use',
  'issue.reported': 'repair',
  'case.updated': 'repair',
  'case.resolved': 'repair',
  'case.reopened': 'repair',
  'return.requested': 'repair',
  'return.completed': 'repair',
  'subscription.renewed': 'repurchase',
  'warranty.expiring': 'repurchase',
  'survey.answered': undefined,
  'consent.changed': undefined,
  'profile.updated': undefined,
  'task.completed': undefined,
};

/**
 * Bounds relative to "now" that only a front door can apply (client, API, CLI, import): the
 * clock and the configured skew live there. Workflow validators keep to the fixed window of
 * `timestampSchema`: their clock is the workflow's, virtual in tests and backtests.
 */
export interface EventTimeBounds {
  /** The front door's clock, ms since the epoch. */
  now: () => number;
  /** How far `occurredAt` may be ahead of now (clocks drift); KEPT_MAX_FUTURE_SKEW. */
  maxFutureSkewMs: number;
  /** How far back a live event's `occurredAt` may be (KEPT_MAX_EVENT_AGE); absent for imports of history. */
  maxAgeMs?: number;
}

/**
 * Expected delivery times become promises, and promises are computed in business time up to
 * about 800 days ahead: a delivery date further out than this is a typo, not a plan.
 */
export const MAX_DELIVERY_HORIZON_DAYS = 730;
const DAY_MS = 86_400_000;

/** Throws InvalidEventError naming each field whose instant is outside the front door's window. */
export function checkEventTimes(event: LifecycleEvent, bounds: EventTimeBounds): void {
  const issues = eventTimeIssues(event, bounds);
  if (issues.length > 0) throw new InvalidEventError(`${event.type}: ${issues.join('; ')}`);
}

export function eventTimeIssues(event: LifecycleEvent, bounds: EventTimeBounds): string[] {
  const now = bounds.now();
  const issues: string[] = [];
  const occurredAt = Date.parse(event.occurredAt);
  const latest = now + bounds.maxFutureSkewMs;
  if (occurredAt > latest) {
    issues.push(
      `occurredAt: ${event.occurredAt} is in the future (more than ${minutes(bounds.maxFutureSkewMs)} ahead)`,
    );
  }
  if (bounds.maxAgeMs !== undefined && occurredAt < now - bounds.maxAgeMs) {
    issues.push(
      `occurredAt: ${event.occurredAt} is older than ${Math.round(bounds.maxAgeMs / DAY_MS)} days; import history with kept import`,
    );
  }
  const horizon = now + MAX_DELIVERY_HORIZON_DAYS * DAY_MS;
  for (const [field, value] of deliveryTimes(event)) {
    if (value !== undefined && Date.parse(value) > horizon) {
      issues.push(`${field}: ${value} is more than ${MAX_DELIVERY_HORIZON_DAYS} days ahead`);
    }
  }
  return issues;
}

function deliveryTimes(event: LifecycleEvent): [string, string | undefined][] {
  switch (event.type) {
    case 'order.placed':
      return [['promisedDeliveryAt', event.promisedDeliveryAt]];
    case 'shipment.dispatched':
      return [['estimatedDeliveryAt', event.estimatedDeliveryAt]];
    case 'shipment.delayed':
      return [['newEstimatedDeliveryAt', event.newEstimatedDeliveryAt]];
    default:
      return [];
  }
}

function minutes(ms: number): string {
  return `${Math.round(ms / 60_000)} min`;
}

export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
}

/**
 * Parses an event and turns zod's issues into one message that names each failing field,
 * e.g. `order.placed: items.0.price: Invalid input: expected number, received string`.
 */
export function parseLifecycleEvent(input: unknown): LifecycleEvent {
  const result = lifecycleEventSchema.safeParse(input);
  if (result.success) return result.data;
  throw new InvalidEventError(describeIssues(input, result.error));
}

export function parseEventBatch(input: unknown): LifecycleEvent[] {
  const result = eventBatchSchema.safeParse(input);
  if (result.success) return result.data;
  throw new InvalidEventError(describeIssues(undefined, result.error));
}

export function describeIssues(input: unknown, error: z.ZodError): string {
  const type =
    typeof input === 'object' && input !== null && 'type' in input ? String((input as { type: unknown }).type) : '';
  const details = error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : '(event)';
    if (issue.code === 'invalid_union' && issue.path.join('.') === 'type') {
      return `type: unknown event type ${JSON.stringify(type)}`;
    }
    return `${field}: ${issue.message}`;
  });
  return `${type ? `${type}: ` : ''}${details.join('; ')}`;
}

/**
 * Zones already found valid. Building an Intl formatter to test a zone costs about a
 * millisecond, and every promise's input and many events name the brand's few zones again.
 * Only valid names are kept (a few hundred exist), so invalid input cannot grow the set. The
 * workflows of a worker share it (workflows/shared-logic.ts): the answer depends on the name
 * alone, never on which workflow asked first.
 */
const knownTimeZones = new Set<string>();

/** Whether Intl knows this IANA zone name (as luxon's Info.isValidIANAZone, but memoised). */
export function isKnownTimeZone(zone: string): boolean {
  if (knownTimeZones.has(zone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    return false;
  }
  knownTimeZones.add(zone);
  return true;
}
