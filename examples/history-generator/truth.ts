import { z } from 'zod';

/**
 * What the generator knows and Kept must find out: the ground truth a backtest is scored
 * against. Written next to history.jsonl as truth.json; tests read it back through this schema.
 */
const instant = z.iso.datetime();

export const truthParametersSchema = z.object({
  seed: z.string(),
  customers: z.number().int().positive(),
  historyStart: instant,
  historyEnd: instant,
  /** Promised delivery = order placed + this many days (whole days drawn uniformly up to promisedDaysMax when set). */
  promisedDays: z.number().positive(),
  promisedDaysMax: z.number().positive().optional(),
  /** Order placed → dispatched: uniform between these bounds, in days. */
  dispatchDelayDays: z.object({ min: z.number(), max: z.number() }),
  /**
   * Dispatched → delivered: log-normal, in days (median = e^mu, sigma of ln(days)); with a `tail`,
   * a mixture: that share of parcels is held up and travels by the tail's own log-normal.
   */
  transitDays: z.object({
    distribution: z.enum(['log-normal', 'log-normal-mixture']),
    median: z.number(),
    sigma: z.number(),
    tail: z.object({ share: z.number().min(0).max(1), median: z.number(), sigma: z.number() }).optional(),
  }),
  /** The probability an order is late under the distributions above (integrated, not sampled). */
  expectedLateShare: z.number().min(0).max(1),
  /** Share of late orders whose carrier reports the delay (shipment.delayed) before the promised date. */
  delayReportedShare: z.number(),
  /** Share of on-time orders whose carrier reports a delay that does not happen. */
  falseAlarmShare: z.number(),
});

export const truthOrderSchema = z.object({
  brand: z.string(),
  customerId: z.string(),
  orderId: z.string(),
  sku: z.string(),
  consumable: z.boolean(),
  placedAt: instant,
  promisedAt: instant,
  dispatchedAt: instant,
  /** When the parcel arrived (or would have, when after the end of the history). */
  deliveredAt: instant,
  late: z.boolean(),
  /** The carrier reported a delay (shipment.delayed) for this order. */
  delayReported: z.boolean(),
  /** The reported delay was a false alarm: the order still arrived on time. */
  falseAlarm: z.boolean(),
  /** The history shows the delivery (it happened before the history's end). */
  deliveredInHistory: z.boolean(),
});

export const truthCustomerSchema = z.object({
  brand: z.string(),
  customerId: z.string(),
  name: z.string(),
  email: z.string(),
  locale: z.string(),
  timezone: z.string(),
  /** Consumable re-ordering: the sku, the customer's cadence and every order date. */
  reorders: z
    .object({ sku: z.string(), cadenceDays: z.number(), jitterDays: z.number(), orderDates: z.array(instant) })
    .optional(),
});

export const truthCaseSchema = z.object({
  brand: z.string(),
  customerId: z.string(),
  caseId: z.string(),
  orderId: z.string(),
  reportedAt: instant,
  resolvedAt: z.array(instant),
  reopenedAt: z.array(instant),
});

export const historyTruthSchema = z.object({
  parameters: truthParametersSchema,
  orders: z.array(truthOrderSchema),
  customers: z.array(truthCustomerSchema),
  cases: z.array(truthCaseSchema),
});

export type HistoryTruth = z.infer<typeof historyTruthSchema>;
export type TruthParameters = z.infer<typeof truthParametersSchema>;
export type TruthOrder = z.infer<typeof truthOrderSchema>;
export type TruthCustomer = z.infer<typeof truthCustomerSchema>;
export type TruthCase = z.infer<typeof truthCaseSchema>;
