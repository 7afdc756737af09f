import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  checkEventTimes,
  InvalidEventError,
  parseLifecycleEvent,
  type EventTimeBounds,
  type LifecycleEvent,
} from '../common/events';
import { journeyWorkflowId } from '../common/ids';
import type { ImportRow } from './read-rows';
import { customersInBucket, spillImport } from './spill';

/** The journey's batch update takes at most this many events (eventBatchSchema). */
export const BATCH_SIZE = 500;

export interface RejectedRow {
  line: number;
  reason: string;
}

export interface CustomerPlan {
  journeyId: string;
  /** The customer's events in occurredAt order (file order for equal times), cut into batches. */
  batches: LifecycleEvent[][];
}

export interface ImportPlan {
  rows: number;
  validEvents: number;
  rejected: RejectedRow[];
  customers: CustomerPlan[];
}

export type ValidatedRow = { event: LifecycleEvent; journeyId: string } | { rejected: RejectedRow };

/** One row through the event vocabulary (and the time window, with `timeBounds`). */
export function validateRow(row: ImportRow, timeBounds?: EventTimeBounds): ValidatedRow {
  if ('error' in row) return { rejected: { line: row.line, reason: row.error } };
  try {
    const event = parseLifecycleEvent(row.value);
    if (timeBounds) checkEventTimes(event, timeBounds);
    return { event, journeyId: journeyWorkflowId(event.brand, event.customerId) };
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    return { rejected: { line: row.line, reason: error.message } };
  }
}

/**
 * The whole plan in memory: every row validated, the valid events grouped per customer
 * journey in order. For small files and tests; `runImport` streams the same plan bucket by
 * bucket (import/spill.ts) so a file of any size imports in flat memory.
 */
export async function planImport(file: string, timeBounds?: EventTimeBounds): Promise<ImportPlan> {
  const directory = mkdtempSync(path.join(tmpdir(), 'kept-plan-'));
  try {
    const rejected: RejectedRow[] = [];
    const spilled = await spillImport({ file, timeBounds, directory, onRejected: (row) => void rejected.push(row) });
    const customers: CustomerPlan[] = [];
    for (const bucket of spilled.buckets)
      for await (const customer of customersInBucket(bucket)) customers.push(customer);
    return { rows: spilled.rows, validEvents: spilled.validEvents, rejected, customers };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** A customer's events in occurredAt order, file order for equal times, cut into batches. */
export function planCustomer(journeyId: string, events: { sequence: number; event: LifecycleEvent }[]): CustomerPlan {
  const ordered = events
    .sort((a, b) => a.event.occurredAt.localeCompare(b.event.occurredAt) || a.sequence - b.sequence)
    .map(({ event }) => event);
  const batches: LifecycleEvent[][] = [];
  for (let start = 0; start < ordered.length; start += BATCH_SIZE)
    batches.push(ordered.slice(start, start + BATCH_SIZE));
  return { journeyId, batches };
}
