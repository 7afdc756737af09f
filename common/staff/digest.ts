import { z } from 'zod';
import { brandIdSchema, idSchema, timestampSchema } from '../events';
import { businessHoursSchema } from '../profiles/schema';

/**
 * The staff digest: reminders and at-risk alerts of promises the system keeps (an order's
 * promised delivery date) collected per brand and team, and sent as ONE message per period
 * (see workflows/staff/digest-workflow.ts). Pure schemas: safe in workflows.
 */
export const staffDigestWorkflowId = (brand: string, party: { kind: string; id: string }): string =>
  `kept/${brand}/digest/${party.kind}-${party.id}`;

export const staffDigestItemSchema = z
  .object({
    promiseId: idSchema,
    /** The promise step that put it here (`reminder-1`, `at-risk`): the latest one per promise is listed. */
    step: z.string().min(1).max(100),
    status: z.enum(['reminder', 'at-risk']),
    customerId: idSchema,
    customerName: z.string().max(200).optional(),
    orderId: idSchema.optional(),
    promiseText: z.string().max(1000),
    dueAt: timestampSchema,
    addedAt: timestampSchema,
  })
  .strict();
export type StaffDigestItem = z.infer<typeof staffDigestItemSchema>;

const partySchema = z.object({ kind: z.enum(['person', 'team']), id: idSchema });

export const staffDigestInputSchema = z.object({
  brand: brandIdSchema,
  recipient: partySchema,
  period: z.enum(['daily', 'hourly']),
  businessHours: businessHoursSchema,
  /** Items not yet sent, carried across continue-as-new. */
  carried: z.record(z.string(), staffDigestItemSchema).default({}),
});
export type StaffDigestInput = z.input<typeof staffDigestInputSchema>;

/** What the promise workflow hands the `addToStaffDigest` activity (signal-with-start). */
export const staffDigestRequestSchema = z
  .object({ digest: staffDigestInputSchema.omit({ carried: true }), item: staffDigestItemSchema })
  .strict();
export type StaffDigestRequest = z.input<typeof staffDigestRequestSchema>;

/** A promise kept (or ended) before its digest went out: it is taken off the list. */
export const staffDigestWithdrawSchema = z.object({ promiseId: idSchema }).strict();
