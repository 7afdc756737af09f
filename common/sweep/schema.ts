import { z } from 'zod';
import { messageCategorySchema } from '../events';

/**
 * The proactive sweep's request to a journey and its own input and result, shared by the sweep
 * workflow, its activities, the schedules script and the journey (which handles the signal).
 * Zod schemas, types derived from them. Kept apart from the signal (workflows/sweep/messages.ts)
 * so that the schemas are built once per worker (workflows/shared-schemas.ts): every journey
 * imports them, and building them in each new workflow was 4% of the workflow thread's time.
 */

const playbookIdSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*$/, 'use an id like checkin.quarterly')
  .max(64);

/** What to send, the same in a sweep's input and in its request to each journey. */
const contactFields = {
  playbookId: playbookIdSchema.optional(),
  template: playbookIdSchema.optional(),
  category: messageCategorySchema,
  reason: z.string().min(1).max(300),
};

/** A contact is named by its playbook, or by its template alone: one of the two is needed. */
const namesPlaybookOrTemplate = (contact: { playbookId?: string; template?: string }) =>
  contact.playbookId !== undefined || contact.template !== undefined;
const playbookOrTemplateIssue = { message: 'give a playbookId or a template', path: ['playbookId'] };

/** What a sweep asks of one journey: a contact by playbook, or by template alone. */
export const proactiveContactRequestSchema = z
  .object({
    /** The sweep run (its workflow id for scheduled runs). */
    sweepId: z.string().min(1).max(200),
    ...contactFields,
    /** Deterministic per sweep run: a journey signalled twice by one run plans one contact. */
    key: z.string().min(1).max(200),
  })
  .strict()
  .refine(namesPlaybookOrTemplate, playbookOrTemplateIssue);
export type ProactiveContactRequest = z.infer<typeof proactiveContactRequestSchema>;

/** The proactive sweep workflow's input (a Schedule's action, or started by hand). */
export const sweepInputSchema = z
  .object({
    /** Visibility query for the journeys, e.g. KeptKind='journey' AND KeptBrand='maison-laurent'. */
    query: z.string().min(1).max(1000),
    ...contactFields,
    /** How many journeys are signalled at once. */
    concurrency: z.number().int().min(1).max(100).default(10),
    /** Journeys per visibility page (one listing activity and one signalling activity each). */
    pageSize: z.number().int().min(1).max(1000).default(200),
    /** Defaults to the run's workflow id: unique per scheduled run, stable on retry and replay. */
    sweepId: z.string().min(1).max(200).optional(),
  })
  .strict()
  .refine(namesPlaybookOrTemplate, playbookOrTemplateIssue);
export type SweepInput = z.input<typeof sweepInputSchema>;

export interface SweepResult {
  sweepId: string;
  query: string;
  matched: number;
  signalled: number;
  /** Finished between listing and signalling, or failing: not signalled. */
  skipped: { workflowId: string; why: string }[];
  /** The first SWEEP_ID_LIST_LIMIT signalled workflow ids (the result stays small). */
  signalledIds: string[];
}

export const SWEEP_ID_LIST_LIMIT = 1000;
