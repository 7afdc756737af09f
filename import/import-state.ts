import { createHash } from 'node:crypto';
import {
  appendFileSync,
  createReadStream,
  existsSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { z } from 'zod';
import { bucketOf } from './spill';

/**
 * The resumable import's progress file: which source it belongs to (path, size and SHA-256,
 * so a changed file is never resumed by mistake) and how far each customer journey got.
 * Batches are cut the same way on every run (the customer's events in occurredAt order, 500
 * at a time), so "3 done" means the same events on resume.
 *
 * JSON lines, append-only while a bucket of customers is imported (one short line per batch,
 * so the cost of saving does not grow with the number of customers), compacted to one line
 * per finished bucket when a bucket is done (so the file stays small). A kill can tear only
 * the last line, which is ignored. Replaying a batch is harmless anyway: journeys ignore
 * event ids they have already seen.
 */
const sourceSchema = z.object({ file: z.string(), size: z.number(), sha256: z.string() });
export type ImportSource = z.infer<typeof sourceSchema>;

const headerSchema = z.object({ version: z.literal(2), source: sourceSchema, buckets: z.number().int().min(1) });
const progressLineSchema = z.union([
  z.object({ journey: z.string(), batches: z.number().int().nonnegative() }),
  z.object({ bucketDone: z.number().int().nonnegative(), journeys: z.number().int().nonnegative() }),
]);
/** The whole-file JSON of earlier versions, still resumed. */
const legacyStateSchema = z.object({
  version: z.literal(1),
  source: sourceSchema,
  batchesDone: z.record(z.string(), z.number().int().nonnegative()),
});

export async function describeSource(file: string): Promise<ImportSource> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return { file, size: statSync(file).size, sha256: hash.digest('hex') };
}

export class ImportProgress {
  private readonly batchesByJourney = new Map<string, number>();
  /** Finished bucket → how many customers it held. */
  private readonly bucketsDone = new Map<number, number>();

  private constructor(
    private readonly stateFile: string,
    private readonly header: z.infer<typeof headerSchema>,
  ) {}

  /** The saved progress for this source, or a fresh one. A state of another file is refused. */
  static open(stateFile: string, source: ImportSource, buckets: number): ImportProgress {
    const progress = new ImportProgress(stateFile, { version: 2, source, buckets });
    if (existsSync(stateFile)) progress.load(source);
    progress.compact();
    return progress;
  }

  batchesDone(journeyId: string): number {
    return this.batchesByJourney.get(journeyId) ?? 0;
  }

  isBucketDone(bucket: number): boolean {
    return this.bucketsDone.has(bucket);
  }

  customersInDoneBucket(bucket: number): number {
    return this.bucketsDone.get(bucket) ?? 0;
  }

  recordBatch(journeyId: string, batches: number): void {
    this.batchesByJourney.set(journeyId, batches);
    appendFileSync(this.stateFile, JSON.stringify({ journey: journeyId, batches }) + '\n');
  }

  /** A bucket's customers are all imported: forget them, keep one line for the bucket. */
  completeBucket(bucket: number, journeys: number): void {
    this.bucketsDone.set(bucket, journeys);
    for (const journeyId of this.batchesByJourney.keys()) {
      if (bucketOf(journeyId, this.header.buckets) === bucket) this.batchesByJourney.delete(journeyId);
    }
    this.compact();
  }

  /** Rewrites the file atomically (temp file + rename) with what is still needed. */
  private compact(): void {
    const lines = [
      JSON.stringify(this.header),
      ...[...this.bucketsDone].map(([bucketDone, journeys]) => JSON.stringify({ bucketDone, journeys })),
      ...[...this.batchesByJourney].map(([journey, batches]) => JSON.stringify({ journey, batches })),
    ];
    const temporary = `${this.stateFile}.tmp`;
    writeFileSync(temporary, lines.join('\n') + '\n');
    renameSync(temporary, this.stateFile);
  }

  private load(source: ImportSource): void {
    const text = readFileSync(this.stateFile, 'utf8');
    const legacy = legacyStateSchema.safeParse(parseOrUndefined(text));
    if (legacy.success) {
      this.checkSource(legacy.data.source, source);
      for (const [journey, batches] of Object.entries(legacy.data.batchesDone))
        this.batchesByJourney.set(journey, batches);
      return;
    }
    const [first, ...rest] = text.split('\n');
    const header = headerSchema.safeParse(parseOrUndefined(first ?? ''));
    if (!header.success)
      throw new Error(`${this.stateFile}: not an import state file (${header.error.issues[0]?.message})`);
    this.checkSource(header.data.source, source);
    for (const line of rest) {
      // Only the last line can be torn (a kill while appending): skip anything unreadable.
      const parsed = progressLineSchema.safeParse(parseOrUndefined(line));
      if (!parsed.success) continue;
      if ('journey' in parsed.data) this.batchesByJourney.set(parsed.data.journey, parsed.data.batches);
      else this.bucketsDone.set(parsed.data.bucketDone, parsed.data.journeys);
    }
  }

  private checkSource(recorded: ImportSource, source: ImportSource): void {
    if (recorded.sha256 === source.sha256) return;
    throw new Error(
      `${this.stateFile} records an import of a different file (${recorded.file}, sha256 ${recorded.sha256.slice(0, 12)}…); delete it or pass another --state-file`,
    );
  }
}

/** How many customers an import has fully or partly imported, from its progress file (for operators and tests). */
export function customersWithProgress(stateFile: string): number {
  if (!existsSync(stateFile)) return 0;
  const journeys = new Set<string>();
  let inDoneBuckets = 0;
  for (const line of readFileSync(stateFile, 'utf8').split('\n')) {
    const parsed = progressLineSchema.safeParse(parseOrUndefined(line));
    if (!parsed.success) continue;
    if ('journey' in parsed.data) journeys.add(parsed.data.journey);
    else inDoneBuckets += parsed.data.journeys;
  }
  return inDoneBuckets + journeys.size;
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
