import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { z } from 'zod';
import { brandIdSchema, lifecycleStageSchema, timestampSchema } from '../common/events';
import {
  KeptCustomerId,
  KeptFlags,
  KeptNextDueAt,
  KeptOpenCases,
  KeptOpenPromises,
  KeptStage,
} from '../common/search-attributes';

/**
 * Finding journeys through Temporal visibility, by the search attributes an operator uses in
 * the UI: stage, flags (all given must be set), and the next due time. Every value is checked
 * here first (an enum, a flag pattern, an instant), so no quote can reach the query string.
 */
const flagSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,63}$/, 'a flag is lowercase letters, digits and dashes, e.g. late or promise-at-risk');

export const journeySearchSchema = z
  .object({
    brand: brandIdSchema,
    stage: lifecycleStageSchema.optional().describe('lifecycle stage, e.g. receive'),
    flags: z
      .string()
      .transform((value) => value.split(',').map((flag) => flag.trim()))
      .pipe(z.array(flagSchema).min(1).max(5))
      .optional()
      .describe('comma-separated KeptFlags that must all be set, e.g. late,promise-at-risk'),
    dueBefore: timestampSchema.optional().describe('next due time (KeptNextDueAt) before this instant'),
    dueAfter: timestampSchema.optional().describe('next due time at or after this instant'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();
export type JourneySearch = z.infer<typeof journeySearchSchema>;
export type JourneySearchInput = z.input<typeof journeySearchSchema>;

export interface JourneyListItem {
  customerId: string;
  workflowId: string;
  stage: string;
  flags: string[];
  openPromises: number;
  openCases: number;
  nextDueAt?: string;
  /** The journey's one-line summary (its memo), as the UI shows it. */
  summary?: string;
}

export function journeySearchQuery(search: JourneySearch): string {
  const clauses = ["KeptKind = 'journey'", `KeptBrand = '${search.brand}'`, "ExecutionStatus = 'Running'"];
  if (search.stage) clauses.push(`KeptStage = '${search.stage}'`);
  for (const flag of search.flags ?? []) clauses.push(`KeptFlags = '${flag}'`);
  if (search.dueBefore) clauses.push(`KeptNextDueAt < '${new Date(search.dueBefore).toISOString()}'`);
  if (search.dueAfter) clauses.push(`KeptNextDueAt >= '${new Date(search.dueAfter).toISOString()}'`);
  return clauses.join(' AND ');
}

/** Running journeys that match (a search already checked by journeySearchSchema), soonest due first. */
export async function searchJourneys(client: Client, search: JourneySearch): Promise<JourneyListItem[]> {
  const items: JourneyListItem[] = [];
  for await (const execution of client.workflow.list({ query: journeySearchQuery(search) })) {
    items.push(toItem(execution));
    if (items.length >= search.limit) break;
  }
  return items.sort(
    (a, b) => (a.nextDueAt ?? '~').localeCompare(b.nextDueAt ?? '~') || a.customerId.localeCompare(b.customerId),
  );
}

function toItem(execution: WorkflowExecutionInfo): JourneyListItem {
  const attributes = execution.typedSearchAttributes;
  const nextDueAt = attributes.get(KeptNextDueAt)?.toISOString();
  const summary = execution.memo?.summary;
  return {
    customerId: attributes.get(KeptCustomerId) ?? '',
    workflowId: execution.workflowId,
    stage: attributes.get(KeptStage) ?? '',
    flags: attributes.get(KeptFlags) ?? [],
    openPromises: attributes.get(KeptOpenPromises) ?? 0,
    openCases: attributes.get(KeptOpenCases) ?? 0,
    ...(nextDueAt ? { nextDueAt } : {}),
    ...(typeof summary === 'string' ? { summary } : {}),
  };
}
