import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The resumable import's progress file (JSON): which source it belongs to (path, size and
 * SHA-256, so a changed file is never resumed by mistake) and, per customer journey, how many
 * of its batches are done. Batches are cut the same way on every run (the customer's events
 * in occurredAt order, 500 at a time), so "3 done" means the same events on resume.
 * Written atomically (temp file + rename) after every batch, so a kill leaves a valid file.
 * Replaying a batch is harmless anyway: journeys ignore event ids they have already seen.
 */
export const importStateSchema = z.object({
  version: z.literal(1),
  source: z.object({ file: z.string(), size: z.number(), sha256: z.string() }),
  /** `kept/<brand>/customer/<id>` → batches done. */
  batchesDone: z.record(z.string(), z.number().int().nonnegative()),
  updatedAt: z.string(),
});
export type ImportState = z.infer<typeof importStateSchema>;
export type ImportSource = ImportState['source'];

export async function describeSource(file: string): Promise<ImportSource> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return { file, size: statSync(file).size, sha256: hash.digest('hex') };
}

/** The saved progress for this source, or a fresh one. A state of another file is refused. */
export function loadImportState(stateFile: string, source: ImportSource): ImportState {
  const fresh: ImportState = { version: 1, source, batchesDone: {}, updatedAt: new Date().toISOString() };
  if (!existsSync(stateFile)) return fresh;
  const parsed = importStateSchema.safeParse(JSON.parse(readFileSync(stateFile, 'utf8')));
  if (!parsed.success) throw new Error(`${stateFile}: not an import state file (${parsed.error.issues[0]?.message})`);
  if (parsed.data.source.sha256 !== source.sha256) {
    throw new Error(
      `${stateFile} records an import of a different file (${parsed.data.source.file}, sha256 ${parsed.data.source.sha256.slice(0, 12)}…); delete it or pass another --state-file`,
    );
  }
  return parsed.data;
}

export function saveImportState(stateFile: string, state: ImportState): void {
  state.updatedAt = new Date().toISOString();
  const temporary = `${stateFile}.tmp`;
  writeFileSync(temporary, JSON.stringify(state));
  renameSync(temporary, stateFile);
}
