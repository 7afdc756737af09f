import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { z } from 'zod';
import { brandIdSchema, idSchema, timestampSchema } from '../common/events';
import { promiseOutcomes, promiseStatuses } from '../common/promises/schema';
import {
  KeptBrand,
  KeptCaseId,
  KeptCustomerId,
  KeptFlags,
  KeptNextDueAt,
  KeptOrderId,
  KeptOwner,
  KeptStatus,
  KeptTeam,
} from '../common/search-attributes';

/**
 * Listing promises through Temporal visibility (the same search attributes an operator uses
 * in the UI), for the HTTP API and the CLI. Every value that enters the query is validated
 * by idSchema / the status enum first, so no quote can reach the query string.
 */
export const promiseListFilterSchema = z.object({
  brand: brandIdSchema.optional(),
  status: z.enum([...promiseStatuses, ...promiseOutcomes]).optional(),
  owner: idSchema.optional(),
  team: idSchema.optional(),
  customerId: idSchema.optional(),
  /** Still running and past its due time (open, at-risk or breached). */
  overdue: z.stringbool().or(z.boolean()).optional(),
  dueBefore: timestampSchema.optional(),
  dueAfter: timestampSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type PromiseListFilter = z.infer<typeof promiseListFilterSchema>;
export type PromiseListFilterInput = z.input<typeof promiseListFilterSchema>;

export interface PromiseListItem {
  promiseId: string;
  workflowId: string;
  brand: string;
  customerId: string;
  status: string;
  owner: string;
  team?: string;
  dueAt?: string;
  flags: string[];
  orderId?: string;
  caseId?: string;
  running: boolean;
}

export function promiseListQuery(filter: PromiseListFilter, now: Date): string {
  const clauses = ["KeptKind = 'promise'"];
  const equal = (name: string, value: string | undefined) => value && clauses.push(`${name} = '${value}'`);
  equal('KeptBrand', filter.brand);
  equal('KeptStatus', filter.status);
  equal('KeptOwner', filter.owner);
  equal('KeptTeam', filter.team);
  equal('KeptCustomerId', filter.customerId);
  if (filter.overdue) {
    clauses.push("ExecutionStatus = 'Running'", `KeptNextDueAt < '${now.toISOString()}'`);
  }
  if (filter.dueBefore) clauses.push(`KeptNextDueAt < '${filter.dueBefore}'`);
  if (filter.dueAfter) clauses.push(`KeptNextDueAt >= '${filter.dueAfter}'`);
  return clauses.join(' AND ');
}

export async function listPromises(
  client: Client,
  input: PromiseListFilterInput,
  now = new Date(),
): Promise<PromiseListItem[]> {
  const filter = promiseListFilterSchema.parse(input);
  const items: PromiseListItem[] = [];
  for await (const execution of client.workflow.list({ query: promiseListQuery(filter, now) })) {
    items.push(toItem(execution));
    if (items.length >= filter.limit) break;
  }
  return items.sort((a, b) => (a.dueAt ?? '').localeCompare(b.dueAt ?? ''));
}

function toItem(execution: WorkflowExecutionInfo): PromiseListItem {
  const attributes = execution.typedSearchAttributes;
  const optional = <T>(key: string, value: T | undefined) => (value === undefined ? {} : { [key]: value });
  return {
    promiseId: execution.workflowId.split('/promise/')[1] ?? execution.workflowId,
    workflowId: execution.workflowId,
    brand: attributes.get(KeptBrand) ?? '',
    customerId: attributes.get(KeptCustomerId) ?? '',
    status: attributes.get(KeptStatus) ?? '',
    owner: attributes.get(KeptOwner) ?? '',
    ...optional('team', attributes.get(KeptTeam)),
    ...optional('dueAt', attributes.get(KeptNextDueAt)?.toISOString()),
    flags: attributes.get(KeptFlags) ?? [],
    ...optional('orderId', attributes.get(KeptOrderId)),
    ...optional('caseId', attributes.get(KeptCaseId)),
    running: execution.status.name === 'RUNNING',
  };
}
