import { z } from 'zod';

/**
 * Who the customer is, for a colleague: what the journey knows when it hands over a task
 * (name, how long and how much they have bought, what is open). Built by the journey
 * (workflows/journey/staff-context.ts), carried in the outreach request's data, validated
 * where the task message is written. Pure schema: safe in workflows.
 */
/** A task lists at most this many orders or cases: a colleague reads a summary, not a ledger. */
export const MAX_LISTED = 5;

export const customerContextSchema = z.object({
  name: z.string().max(200).optional(),
  stage: z.string().max(40),
  ordersPlaced: z.number().int().nonnegative(),
  /** The style of service the brand gives this customer (white-glove, self-service). */
  service: z.string().max(40).optional(),
  openOrders: z
    .array(z.object({ orderId: z.string(), status: z.string(), dueAt: z.string().optional() }))
    .max(MAX_LISTED),
  openCases: z
    .array(z.object({ caseId: z.string(), severity: z.string(), summary: z.string().max(300).optional() }))
    .max(MAX_LISTED),
  openPromises: z.number().int().nonnegative(),
});
export type CustomerContext = z.infer<typeof customerContextSchema>;
