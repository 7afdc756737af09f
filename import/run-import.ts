import { createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KeptClient } from '../client/kept-client';
import { importEventTimeBounds, loadKeptEnv } from '../common/config';
import type { EventTimeBounds } from '../common/events';
import { describeSource, ImportProgress } from './import-state';
import type { CustomerPlan, RejectedRow } from './plan';
import { customersInBucket, spillImport, type Bucket } from './spill';

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
 * Imports a CSV or JSONL history in flat memory: one streaming pass validates every row
 * (rejected rows go to the rejects file as they are found) and spills the valid events into
 * buckets by customer (import/spill.ts); then, bucket after bucket, each customer's batches
 * are sent in order with bounded concurrency across customers, and progress is appended
 * after every batch (import/import-state.ts).
 */
export async function runImport(options: ImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const directory = mkdtempSync(path.join(tmpdir(), 'kept-import-'));
  const rejects = new RejectsWriter(options.rejectsFile);
  try {
    const [spilled, source] = await Promise.all([
      spillImport({
        file: options.file,
        timeBounds: options.timeBounds ?? importEventTimeBounds(loadKeptEnv({})),
        directory,
        onRejected: (row) => rejects.write(row),
      }),
      describeSource(options.file),
    ]);
    await rejects.close();
    const progress = ImportProgress.open(options.stateFile, source, spilled.buckets.length);
    const run: ImportRun = {
      options,
      progress,
      counts: { sent: 0, applied: 0, duplicates: 0, already: 0, customers: 0 },
      failedCustomers: [],
      complete: true,
    };
    const doneBuckets = spilled.buckets.filter((bucket) => progress.isBucketDone(bucket.index));
    options.onPlanned?.(spilled.validEvents, sum(doneBuckets.map((bucket) => bucket.events)));
    for (const bucket of spilled.buckets) await importBucket(bucket, run);

    const durationMs = Date.now() - started;
    return {
      file: options.file,
      rows: spilled.rows,
      validEvents: spilled.validEvents,
      rejectedRows: rejects.count,
      ...(rejects.count ? { rejectsFile: options.rejectsFile } : {}),
      rejectedSample: rejects.sample,
      customers: run.counts.customers,
      eventsSent: run.counts.sent,
      eventsApplied: run.counts.applied,
      duplicates: run.counts.duplicates,
      eventsAlreadyImported: run.counts.already,
      failedCustomers: run.failedCustomers,
      interrupted: Boolean(options.signal?.aborted) && !run.complete,
      complete: run.complete,
      durationMs,
      eventsPerSecond: Math.round((run.counts.sent / Math.max(durationMs, 1)) * 1000),
    };
  } finally {
    await rejects.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

interface ImportRun {
  options: ImportOptions;
  progress: ImportProgress;
  counts: { sent: number; applied: number; duplicates: number; already: number; customers: number };
  failedCustomers: ImportSummary['failedCustomers'];
  /** Stays true while every customer seen so far has all its batches imported. */
  complete: boolean;
}

/** One bucket's customers, `concurrency` at a time; a finished bucket is not read again. */
async function importBucket(bucket: Bucket, run: ImportRun): Promise<void> {
  if (run.progress.isBucketDone(bucket.index)) {
    run.counts.already += bucket.events;
    run.counts.customers += run.progress.customersInDoneBucket(bucket.index);
    return;
  }
  const customers = customersInBucket(bucket);
  let journeys = 0;
  let bucketComplete = true;
  const importNext = async (): Promise<void> => {
    for (let next = await customers.next(); !next.done; next = await customers.next()) {
      const customer = next.value;
      journeys += 1;
      run.counts.customers += 1;
      const done = run.progress.batchesDone(customer.journeyId);
      run.counts.already += eventsIn(customer, done);
      if (done > 0) run.options.onProgress?.(eventsIn(customer, done));
      try {
        if (!(await importCustomer(customer, run))) bucketComplete = false;
      } catch (error) {
        bucketComplete = false;
        run.failedCustomers.push({ journeyId: customer.journeyId, error: (error as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, run.options.concurrency) }, importNext));
  if (bucketComplete) run.progress.completeBucket(bucket.index, journeys);
  else run.complete = false;
}

/** Sends the customer's batches not yet imported; false when interrupted before the last. */
async function importCustomer(customer: CustomerPlan, run: ImportRun): Promise<boolean> {
  const { options, progress, counts } = run;
  const outreach = options.sendOutreach ? 'normal' : 'none';
  for (let index = progress.batchesDone(customer.journeyId); index < customer.batches.length; index += 1) {
    if (options.signal?.aborted) return false;
    const batch = customer.batches[index]!;
    const results = await options.kept.recordEvents(batch, { outreach });
    progress.recordBatch(customer.journeyId, index + 1);
    counts.sent += batch.length;
    counts.applied += results.filter((result) => result.applied).length;
    counts.duplicates += results.filter((result) => result.duplicate).length;
    options.onProgress?.(batch.length);
  }
  return true;
}

function eventsIn(customer: CustomerPlan, batchesDone: number): number {
  return sum(customer.batches.slice(0, batchesDone).map((batch) => batch.length));
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** One JSON line per rejected row, written as rows are read: `{"line":12,"reason":"order.placed: items.0.price: ..."}`. */
class RejectsWriter {
  count = 0;
  readonly sample: RejectedRow[] = [];
  private readonly stream: WriteStream;
  private closed = false;

  constructor(file: string) {
    this.stream = createWriteStream(file);
  }

  async write(row: RejectedRow): Promise<void> {
    this.count += 1;
    if (this.sample.length < 10) this.sample.push(row);
    if (!this.stream.write(JSON.stringify(row) + '\n')) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stream.end();
    await once(this.stream, 'close');
  }
}
