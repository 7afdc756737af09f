import { z } from 'zod';

/**
 * The backtest report: what `kept backtest` writes to report.json and reads back for
 * `--compare`. Every figure carries a few examples (customer ids, and the Message-ID of the
 * captured mail when there is one) so an operator can open the messages behind it.
 */
/**
 * The report.json layout. 2: each late-delivery baseline carries Kept's verdict against it
 * (`versusKept`), and a warm-up's `scoredFrom`; version-1 files lack them and are refused.
 */
export const REPORT_VERSION = 2;
export const EXAMPLES_PER_FIGURE = 5;

export const exampleSchema = z.object({
  customerId: z.string(),
  brand: z.string().optional(),
  messageId: z.string().optional(),
  orderId: z.string().optional(),
  caseId: z.string().optional(),
  sku: z.string().optional(),
  /** A short note: "notice 1.5 d before the promise", "no re-order". */
  note: z.string().optional(),
});
export type Example = z.infer<typeof exampleSchema>;

export const countedSchema = z.object({ count: z.number().int().nonnegative(), examples: z.array(exampleSchema) });
export type Counted = z.infer<typeof countedSchema>;

const quantilesSchema = z.object({ median: z.number(), p10: z.number(), p90: z.number() }).nullable();
export type Quantiles = z.infer<typeof quantilesSchema>;

export const histogramBinSchema = z.object({ label: z.string(), count: z.number().int().nonnegative() });
export type HistogramBin = z.infer<typeof histogramBinSchema>;

export const outreachRowSchema = z.object({
  playbook: z.string(),
  template: z.string(),
  /** Messages that went out (mail, webhooks), not counting human tasks. */
  sent: z.number().int(),
  /** Human tasks created for this touchpoint. */
  tasks: z.number().int(),
  deferred: z.number().int(),
  suppressed: z.number().int(),
  suppressedByRule: z.record(z.string(), z.number().int()),
  examples: z.array(exampleSchema),
});
export type OutreachRow = z.infer<typeof outreachRowSchema>;

export const weekRowSchema = z.object({
  /** ISO week, UTC: 2026-W07. */
  week: z.string(),
  sent: z.number().int(),
  tasks: z.number().int(),
  deferred: z.number().int(),
  suppressed: z.number().int(),
});

export const channelRowSchema = z.object({
  channel: z.string(),
  sent: z.number().int(),
  tasks: z.number().int(),
  examples: z.array(exampleSchema),
});

export const promiseOutcomes = ['kept', 'kept-late', 'breached', 'renegotiated', 'cancelled', 'open'] as const;

export const promisesSchema = z.object({
  made: z.number().int(),
  outcomes: z.record(z.enum(promiseOutcomes), countedSchema),
  /** Still open at the end of the run but already past due: counted against the kept-rate. */
  openOverdue: countedSchema,
  /** kept / (made − cancelled − open and not yet due); null when nothing was decided. */
  keptRate: z.number().nullable(),
  keptRateCounts: z.string(),
  byKind: z.array(z.object({ kind: z.string(), made: z.number().int(), kept: z.number().int() })),
});

export const contactsSchema = z.object({
  customersInHistory: z.number().int(),
  customersContacted: z.number().int(),
  /** Messages and human tasks to customers (not to staff). */
  contacts: z.number().int(),
  /** contacts → number of customers with that many (customers in the history with none: 0). */
  distribution: z.array(z.object({ contacts: z.number().int(), customers: z.number().int() })),
  max: z.object({ contacts: z.number().int(), examples: z.array(exampleSchema) }),
  /** Most non-transactional contacts a customer got in any 7 days (rolling). */
  maxInSevenDays: z.object({ contacts: z.number().int(), examples: z.array(exampleSchema) }),
  /** Customers with more non-transactional contacts in some 7 days than their brand's weekly cap. */
  overWeeklyCap: countedSchema.extend({ caps: z.record(z.string(), z.number()) }).nullable(),
  definition: z.string(),
});

/** Kept's value of one measure against a baseline's (higher is better for all three). */
export const measureVerdictSchema = z.enum(['better', 'same', 'worse']);
export type MeasureVerdict = z.infer<typeof measureVerdictSchema>;

/** Whether Kept's notices Pareto-dominate a baseline's, and on what (dominance.ts). */
export const dominanceSchema = z.object({
  dominates: z.boolean(),
  recall: measureVerdictSchema,
  precision: measureVerdictSchema,
  medianLead: measureVerdictSchema,
  /** One line: the verdict and the three measures side by side. */
  summary: z.string(),
});
export type Dominance = z.infer<typeof dominanceSchema>;

/** A simple rule scored as if it had sent a notice, next to Kept's late-delivery notices. */
export const lateDeliveryBaselineSchema = z.object({
  id: z.enum(['undelivered-day-before', 'dispatched-late']),
  rule: z.string(),
  noticed: z.number().int(),
  truePositives: countedSchema,
  falsePositives: countedSchema,
  missed: countedSchema,
  recall: z.number().nullable(),
  precision: z.number().nullable(),
  leadTimeDays: quantilesSchema,
  /** Kept's notices against this rule's, on the same orders. */
  versusKept: dominanceSchema,
});
export type LateDeliveryBaseline = z.infer<typeof lateDeliveryBaselineSchema>;

export const lateDeliverySchema = z.object({
  rule: z.string(),
  orders: z.number().int(),
  /** Warm-up: only orders placed at or after this instant are scored (Kept and baselines alike). */
  scoredFrom: z.string().optional(),
  /** Orders placed before `scoredFrom`: replayed and learned from, not scored. */
  warmUpOrders: z.number().int().optional(),
  late: countedSchema,
  onTime: z.number().int(),
  /** Never delivered in the history (or without a promise): not scored. */
  unknown: countedSchema,
  noticed: z.number().int(),
  truePositives: countedSchema,
  falsePositives: countedSchema,
  missed: countedSchema,
  noticedUnknown: countedSchema,
  /** TP / late orders; null when the history has no late order. */
  recall: z.number().nullable(),
  /** TP / (TP + FP); null when no scored order had a notice. */
  precision: z.number().nullable(),
  /** Promised date − first notice, days, over true positives. */
  leadTimeDays: quantilesSchema,
  leadTimeHistogram: z.array(histogramBinSchema),
  /** The baselines the issue names, scored on the same orders by the same rule. */
  baselines: z.array(lateDeliveryBaselineSchema),
});

export const replenishmentSchema = z.object({
  rule: z.string(),
  reminders: z.number().int(),
  withReorder: countedSchema,
  noReorder: countedSchema,
  /** Reminder − the re-order it is matched to, days: negative = the reminder came first. */
  offsetDays: quantilesSchema,
  beforeReorder: z.number().int(),
  afterReorder: countedSchema,
  offsetHistogram: z.array(histogramBinSchema),
});

export const caseFollowUpSchema = z.object({
  template: z.string(),
  rule: z.string(),
  withinDays: z.number(),
  messages: z.number().int(),
  caseFollowed: countedSchema,
  noCase: countedSchema,
  /** caseFollowed / messages; null when there was no such message. */
  share: z.number().nullable(),
});

export const reportMessageSchema = z.object({
  idempotencyKey: z.string(),
  brand: z.string(),
  customerId: z.string(),
  template: z.string(),
  playbook: z.string().optional(),
  channel: z.string(),
  recipientKind: z.string(),
  isTask: z.boolean(),
  sentAt: z.string(),
  messageId: z.string().optional(),
  /** What the message is about, to pair a message one run sent at another time under another key. */
  orderId: z.string().optional(),
  caseId: z.string().optional(),
  sku: z.string().optional(),
});
export type ReportMessage = z.infer<typeof reportMessageSchema>;

export const backtestReportSchema = z.object({
  version: z.literal(REPORT_VERSION),
  run: z.object({
    historyFile: z.string(),
    configDir: z.string(),
    brand: z.string().optional(),
    from: z.string().optional(),
    to: z.string().optional(),
    scoreFrom: z.string().optional(),
    elapsedMs: z.number(),
    virtualStart: z.string(),
    virtualEnd: z.string(),
    events: z.number().int(),
    rejectedLines: z.number().int(),
  }),
  outreach: z.object({
    totals: z.object({
      sent: z.number().int(),
      tasks: z.number().int(),
      deferred: z.number().int(),
      suppressed: z.number().int(),
      suppressedByRule: z.record(z.string(), z.number().int()),
    }),
    byPlaybookTemplate: z.array(outreachRowSchema),
    byChannel: z.array(channelRowSchema),
    byWeek: z.array(weekRowSchema),
    tasksByTemplate: z.array(
      z.object({ template: z.string(), count: z.number().int(), examples: z.array(exampleSchema) }),
    ),
  }),
  promises: promisesSchema,
  contacts: contactsSchema,
  predictions: z.object({
    lateDelivery: lateDeliverySchema,
    replenishment: replenishmentSchema,
    fixCheck: caseFollowUpSchema,
    setupCheckin: caseFollowUpSchema,
  }),
  /** Every message and task, for the message-level comparison of two runs. */
  messages: z.array(reportMessageSchema),
});

export type BacktestReport = z.infer<typeof backtestReportSchema>;
export type LateDeliveryQuality = z.infer<typeof lateDeliverySchema>;
export type ReplenishmentQuality = z.infer<typeof replenishmentSchema>;
export type CaseFollowUpQuality = z.infer<typeof caseFollowUpSchema>;
export type PromiseFigures = z.infer<typeof promisesSchema>;
export type ContactFigures = z.infer<typeof contactsSchema>;
export type OutreachFigures = BacktestReport['outreach'];
