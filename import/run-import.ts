import { writeFileSync } from 'node:fs';
import type { KeptClient } from '../client/kept-client';
import { importEventTimeBounds, loadKeptEnv } from '../common/config';
import type { EventTimeBounds } from '../common/events';
import { describeSource, loadImportState, saveImportState, type ImportState } from './import-state';
import { planImport, type CustomerPlan, type RejectedRow } from './plan';

export interface ImportOptions {
  file: string;
  kept: KeptClient;
  /** How many customers are imported at the same time (each customer's events stay in order). */
  concurrency: number;
  stateFile: string;
  rejectsFile: string;
  /** Send outreach for the imported events too; by default history is recorded silently. */
  sendOutreach: boolean;
  /** History may go back to 1970 but never into the future; default: KEPT_MAX_FUTURE_SKEW's default. */
  timeBounds?: EventTimeBounds;
  /** Stops taking new batches; what is in flight finishes and is saved. */
  signal?: AbortSignal;
  onPlanned?: (total: number, alreadyDone: number) => void;
  onProgress?: (events: number) => void;
}

export interface ImportSummary {
  file: string;
  rows: number;
  validEvents: number;
  rejectedRows: number;
  rejectsFile?: string;
  rejectedSample: RejectedRow[];
  customers: number;
  /** Events sent in this run, and how many of them the journeys had already seen. */
  eventsSent: number;
  eventsApplied: number;
  duplicates: number;
  /** Events skipped because an earlier run had imported them (state file). */
  eventsAlreadyImported: number;
  failedCustomers: { journeyId: string; error: string }[];
  interrupted: boolean;
  complete: boolean;
  durationMs: number;
  eventsPerSecond: number;
}

/**
 * Imports a CSV or JSONL history: validate every row, group per customer, send each
 * customer's batches in order with bounded concurrency across customers, save progress after
 * every batch, and report rejected rows (line and reason) in a rejects file.
 */
export async function runImport(options: ImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const [plan, source] = await Promise.all([
    planImport(options.file, options.timeBounds ?? importEventTimeBounds(loadKeptEnv({}))),
    describeSource(options.file),
  ]);
  const state = loadImportState(options.stateFile, source);
  writeRejects(options.rejectsFile, plan.rejected);
  const counts = { sent: 0, applied: 0, duplicates: 0, already: 0 };
  const failedCustomers: ImportSummary['failedCustomers'] = [];
  for (const customer of plan.customers)
    counts.already += eventsIn(customer, state.batchesDone[customer.journeyId] ?? 0);
  options.onPlanned?.(plan.validEvents, counts.already);

  const queue = [...plan.customers];
  const importNext = async (): Promise<void> => {
    for (let customer = queue.shift(); customer; customer = queue.shift()) {
      if (options.signal?.aborted) return;
      try {
        await importCustomer(customer, state, options, counts);
      } catch (error) {
        failedCustomers.push({ journeyId: customer.journeyId, error: (error as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, importNext));

  const durationMs = Date.now() - started;
  const done = plan.customers.every((c) => (state.batchesDone[c.journeyId] ?? 0) === c.batches.length);
  return {
    file: options.file,
    rows: plan.rows,
    validEvents: plan.validEvents,
    rejectedRows: plan.rejected.length,
    ...(plan.rejected.length ? { rejectsFile: options.rejectsFile } : {}),
    rejectedSample: plan.rejected.slice(0, 10),
    customers: plan.customers.length,
    eventsSent: counts.sent,
    eventsApplied: counts.applied,
    duplicates: counts.duplicates,
    eventsAlreadyImported: counts.already,
    failedCustomers,
    interrupted: Boolean(options.signal?.aborted) && !done,
    complete: done,
    durationMs,
    eventsPerSecond: Math.round((counts.sent / Math.max(durationMs, 1)) * 1000),
  };
}

async function importCustomer(
  customer: CustomerPlan,
  state: ImportState,
  options: ImportOptions,
  counts: { sent: number; applied: number; duplicates: number },
): Promise<void> {
  const outreach = options.sendOutreach ? 'normal' : 'none';
  for (let index = state.batchesDone[customer.journeyId] ?? 0; index < customer.batches.length; index += 1) {
    if (options.signal?.aborted) return;
    const batch = customer.batches[index]!;
    const results = await options.kept.recordEvents(batch, { outreach });
    state.batchesDone[customer.journeyId] = index + 1;
    saveImportState(options.stateFile, state);
    counts.sent += batch.length;
    counts.applied += results.filter((result) => result.applied).length;
    counts.duplicates += results.filter((result) => result.duplicate).length;
    options.onProgress?.(batch.length);
  }
}

function eventsIn(customer: CustomerPlan, batchesDone: number): number {
  return customer.batches.slice(0, batchesDone).reduce((sum, batch) => sum + batch.length, 0);
}

/** One JSON line per rejected row: `{"line":12,"reason":"order.placed: items.0.price: ..."}`. */
function writeRejects(file: string, rejected: RejectedRow[]): void {
  writeFileSync(file, rejected.map((row) => JSON.stringify(row)).join('\n') + (rejected.length ? '\n' : ''));
}
