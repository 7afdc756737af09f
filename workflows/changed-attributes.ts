import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { workflowInfo } from '@temporalio/workflow';

/**
 * The pairs whose value differs from what the workflow holds now (the attributes it was
 * started with, and its upserts since): every upsert is a history event, and one that writes
 * what the workflow already has is an event for nothing. Deterministic: workflowInfo() is
 * rebuilt from history on replay. Absent, null and an empty list are the same (no value).
 */
export function changedAttributes(pairs: SearchAttributeUpdatePair[]): SearchAttributeUpdatePair[] {
  const current = workflowInfo().typedSearchAttributes;
  return pairs.filter((pair) => comparable(pair.value) !== comparable(current.get(pair.key)));
}

function comparable(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.length === 0 ? '' : JSON.stringify(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}
