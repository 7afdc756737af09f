import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, statSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { EventTimeBounds, LifecycleEvent } from '../common/events';
import { planCustomer, validateRow, type CustomerPlan, type RejectedRow } from './plan';
import { readImportRows } from './read-rows';

/**
 * The streaming half of the import plan. A customer's events may be anywhere in the file
 * (exports are usually sorted by time), so one pass spills every valid event into one of a
 * few bucket files by its journey, and the import then reads one bucket at a time: memory
 * holds one bucket (about BUCKET_TARGET_BYTES of events), never the file.
 * The bucket of a journey depends only on its id and the file's size, so a resumed import
 * cuts the same batches.
 */
const BUCKET_TARGET_BYTES = 4 * 1024 * 1024;

export interface Bucket {
  index: number;
  file: string;
  events: number;
}

export interface SpilledImport {
  rows: number;
  validEvents: number;
  buckets: Bucket[];
}

export function bucketCountFor(fileSizeBytes: number): number {
  return Math.max(1, Math.ceil(fileSizeBytes / BUCKET_TARGET_BYTES));
}

export function bucketOf(journeyId: string, bucketCount: number): number {
  return createHash('sha256').update(journeyId).digest().readUInt32BE(0) % bucketCount;
}

/** One line of a bucket file: the row's place in the file (for stable order), the journey, the event. */
type SpilledEvent = [sequence: number, journeyId: string, event: LifecycleEvent];

export async function spillImport(options: {
  file: string;
  timeBounds?: EventTimeBounds;
  directory: string;
  onRejected: (row: RejectedRow) => void | Promise<void>;
}): Promise<SpilledImport> {
  const bucketCount = bucketCountFor(statSync(options.file).size);
  const buckets = Array.from({ length: bucketCount }, (_, index) => ({
    index,
    file: path.join(options.directory, `bucket-${index}.jsonl`),
    events: 0,
  }));
  const writers = buckets.map((bucket) => createWriteStream(bucket.file));
  let rows = 0;
  let validEvents = 0;
  try {
    for await (const row of readImportRows(options.file)) {
      rows += 1;
      const validated = validateRow(row, options.timeBounds);
      if ('rejected' in validated) {
        await options.onRejected(validated.rejected);
        continue;
      }
      const bucket = buckets[bucketOf(validated.journeyId, bucketCount)]!;
      bucket.events += 1;
      validEvents += 1;
      const line: SpilledEvent = [rows, validated.journeyId, validated.event];
      await write(writers[bucket.index]!, JSON.stringify(line) + '\n');
    }
  } finally {
    await Promise.all(writers.map(close));
  }
  return { rows, validEvents, buckets };
}

/** The customers of one bucket, each with its events in order and cut into batches. */
export async function* customersInBucket(bucket: Bucket): AsyncGenerator<CustomerPlan> {
  const byJourney = new Map<string, { sequence: number; event: LifecycleEvent }[]>();
  for await (const text of createInterface({ input: createReadStream(bucket.file), crlfDelay: Infinity })) {
    if (!text) continue;
    const [sequence, journeyId, event] = JSON.parse(text) as SpilledEvent;
    let events = byJourney.get(journeyId);
    if (!events) byJourney.set(journeyId, (events = []));
    events.push({ sequence, event });
  }
  for (const [journeyId, events] of byJourney) {
    byJourney.delete(journeyId);
    yield planCustomer(journeyId, events);
  }
}

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function close(stream: WriteStream): Promise<void> {
  if (stream.closed) return;
  stream.end();
  await once(stream, 'close');
}
