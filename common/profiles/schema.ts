import { z } from 'zod';
import { emailAddress } from '../email-format';
import {
  brandIdSchema,
  channelSchema,
  idSchema,
  messageCategorySchema,
  severitySchema,
  timeZoneSchema,
} from '../events';

/**
 * A brand's service profile: how it serves its customers (white-glove vs self-service).
 * Loaded from `config/profiles/<brand>.json` and validated here; a bad file stops start-up
 * with the path of the bad field (see `load-profiles.ts`). Pure schema: safe in workflows.
 */

/** ISO 8601 duration such as PT4H or P2D (business time where the field says so). */
export const isoDurationSchema = z
  .string()
  .regex(
    /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/,
    'use an ISO 8601 duration like PT4H or P2D',
  );

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use HH:MM (24h)');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'use YYYY-MM-DD');
const timeZone = timeZoneSchema;

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const openingWindow = z
  .object({ start: clockTime, end: clockTime })
  .refine((window) => window.start < window.end, 'start must be before end');

export const businessHoursSchema = z.object({
  timezone: timeZone,
  /** Opening windows per weekday; a missing day is closed. */
  week: z.partialRecord(z.enum(weekdays), z.array(openingWindow).max(4)),
  /** Whole days closed, in the business timezone. */
  holidays: z.array(isoDate).default([]),
});
export type BusinessHours = z.infer<typeof businessHoursSchema>;

export const touchpointKinds = [
  'order.confirmation',
  'delivery.late',
  'delivery.failed',
  'setup.checkin',
  'usage.help',
  'case.update',
  'case.survey',
  'case.fix-check',
  'promise.reminder',
  'promise.customer-notice',
  'promise.apology',
  'promise.renegotiated',
  'warranty.expiring',
  'replenish',
  'checkin.quarterly',
] as const;
export const touchpointKindSchema = z.enum(touchpointKinds);

const party = z.object({ kind: z.enum(['person', 'team']), id: idSchema });
const capsSchema = z.object({
  perDay: z.number().int().nonnegative().optional(),
  perWeek: z.number().int().nonnegative().optional(),
  perMonth: z.number().int().nonnegative().optional(),
});

/** What Kept tells an integrator's webhook about (docs/webhooks.md has one example payload each). */
export const keptEventTypes = [
  'promise.at-risk',
  'promise.breached',
  'promise.kept',
  'promise.renegotiated',
  'journey.stage-changed',
  'outreach.sent',
  'outreach.suppressed',
  'outreach.failed',
  'task.created',
] as const;
export const keptEventTypeSchema = z.enum(keptEventTypes);
export type KeptEventType = z.infer<typeof keptEventTypeSchema>;

/** Name of the environment variable holding a secret: the secret itself never sits in a profile file. */
const envVarName = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,99}$/, 'the NAME of an environment variable, e.g. ACME_WEBHOOK_SECRET');

export const webhookSubscriptionSchema = z
  .object({
    url: z.url(),
    /** Signs every POST (HMAC-SHA256, header Kept-Signature); unset: KEPT_WEBHOOK_SECRET. */
    secretEnv: envVarName.optional(),
    events: z.array(keptEventTypeSchema).min(1),
  })
  .strict();
export type WebhookSubscription = z.infer<typeof webhookSubscriptionSchema>;

/**
 * Staff messages. Delivery promises the system keeps (an order's promised date) need a person
 * only when one can act: their reminders and at-risk alerts are collected into one digest per
 * team per period instead of a mail each. `daily`: at the start of the team's business day;
 * `hourly`: each full hour in business hours; `immediate`: one mail each, as for promises a
 * person made; `off`: none (the breach still reaches the owner).
 */
export const staffDigestPeriods = ['daily', 'hourly', 'immediate', 'off'] as const;
export const staffSchema = z
  .object({
    digest: z.enum(staffDigestPeriods).default('daily'),
    /** How long a colleague has for a task (a human touchpoint), in business time. */
    taskDueWithin: isoDurationSchema.default('PT4H'),
  })
  .default({ digest: 'daily', taskDueWithin: 'PT4H' });
export type StaffSettings = z.infer<typeof staffSchema>;

export const serviceProfileSchema = z.object({
  brand: brandIdSchema,
  displayName: z.string().min(1).max(100),
  style: z.enum(['white-glove', 'self-service']),
  defaultLocale: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/),
  /** Channels in order of preference. */
  channels: z.array(channelSchema).min(1),
  sender: z.object({
    fromName: z.string().min(1).max(100),
    fromEmail: emailAddress(),
    replyTo: emailAddress().optional(),
  }),
  businessHours: businessHoursSchema,
  /** First response and resolution targets per severity, in business time. */
  targets: z.object({
    response: z.record(severitySchema, isoDurationSchema),
    resolution: z.record(severitySchema, isoDurationSchema),
  }),
  /** Who hears about an at-risk or breached promise, in order, each after its delay. */
  escalation: z.array(z.object({ notify: party, after: isoDurationSchema })).min(1),
  /** Which touchpoints a person handles (a task) and which are automated messages. */
  touchpoints: z.partialRecord(touchpointKindSchema, z.enum(['human', 'automated'])),
  capacity: z.object({
    teams: z
      .array(
        z.object({
          id: idSchema,
          members: z.array(idSchema).min(1),
          /** How many open promises one person can keep per business day. */
          promisesPerPersonPerDay: z.number().int().positive(),
        }),
      )
      .min(1),
  }),
  promises: z.object({
    /** Reminders to the owner at these fractions of the window (e.g. 0.5, 0.8). */
    remindAt: z.array(z.number().gt(0).lt(1)).default([0.5, 0.8]),
    /** From this fraction on, an unfulfilled promise is at risk. */
    atRiskAt: z.number().gt(0).lt(1).default(0.8),
    /** Tell the customer where things stand before the due time (fraction), or never. */
    customerNoticeAt: z.number().gt(0).lt(1).nullable().default(null),
    /** What the apology on a breach offers, in one text or per language (`{ "en": ..., "fr": ... }`, `en` required). */
    recovery: z.union([
      z.string().min(1).max(500),
      z
        .object({ en: z.string().min(1).max(500) })
        .catchall(z.string().min(1).max(500))
        .refine((texts) => Object.keys(texts).every((language) => /^[a-z]{2,3}$/.test(language)), {
          message: 'give texts per language code, e.g. { "en": "...", "fr": "..." }',
        }),
    ]),
  }),
  contactPolicy: z.object({
    quietHours: z.object({ start: clockTime, end: clockTime }),
    caps: z.object({
      overall: capsSchema,
      perCategory: z.partialRecord(messageCategorySchema, capsSchema).default({}),
    }),
    /** No message with the same reason to the same customer within this time. */
    cooldown: isoDurationSchema,
  }),
  /** Colleagues' addresses for staff messages (promise reminders, escalations, tasks by email). */
  directory: z
    .record(idSchema, z.object({ name: z.string().min(1).max(100).optional(), email: emailAddress() }))
    .default({}),
  /** Provider webhooks for channels that are not email (SMS, push, chat), and human tasks. */
  webhooks: z
    .object({
      sms: z.url().optional(),
      push: z.url().optional(),
      chat: z.url().optional(),
      /** Human touchpoints go here as tasks; without it they are emailed to the assignee. */
      tasks: z.url().optional(),
      /** Integrators' endpoints for what happens in Kept (promise at risk, stage changed, ...): docs/webhooks.md. */
      subscriptions: z.array(webhookSubscriptionSchema).max(20).optional(),
    })
    .default({}),
  /** How staff hear about things (see staffSchema). */
  staff: staffSchema,
  goals: z.object({
    promiseKeptRate: z.number().min(0).max(1),
    satisfaction: z.number().min(1).max(5),
    firstContactResolution: z.number().min(0).max(1).optional(),
  }),
});

export type ServiceProfile = z.infer<typeof serviceProfileSchema>;
export type ServiceProfileInput = z.input<typeof serviceProfileSchema>;
