import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Which `patched('<id>')` branches the workflow code has, and which of them the recorded
 * histories (test/fixtures/histories/<label>/*.json) went through. The replay test asserts
 * that every patch id in the code has at least one recorded history with its marker, so a
 * patch whose new branch was never recorded cannot slip by; scripts/record-histories.ts
 * prints the same coverage after recording.
 */
export const historiesRoot = path.resolve(__dirname, '../fixtures/histories');
/** Where workflow code lives: the workflows and the pure modules they import. */
const workflowSourceRoots = ['../../workflows', '../../common'].map((folder) => path.resolve(__dirname, folder));

export interface RecordedHistory {
  /** `<label>/<file>.json` */
  name: string;
  file: string;
}

/** Every recorded history of every labelled set, in a stable order. */
export function recordedHistories(root = historiesRoot): RecordedHistory[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .flatMap((label) =>
      readdirSync(path.join(root, label))
        .filter((file) => file.endsWith('.json'))
        .sort()
        .map((file) => ({ name: `${label}/${file}`, file: path.join(root, label, file) })),
    );
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/**
 * Patch ids in the workflow source. A call whose argument is not a string literal is reported
 * in `unreadable`: coverage could not be checked for it, which the replay test treats as a failure.
 */
export function patchIdsInSource(directories = workflowSourceRoots): { ids: string[]; unreadable: string[] } {
  const ids = new Set<string>();
  const unreadable: string[] = [];
  for (const file of directories.flatMap(sourceFiles)) {
    for (const call of withoutComments(readFileSync(file, 'utf8')).matchAll(/\bpatched\(\s*([^)]*)\)/g)) {
      const literal = /^(['"`])([^'"`]+)\1$/.exec(call[1]!.trim());
      if (literal) ids.add(literal[2]!);
      else unreadable.push(`${path.relative(process.cwd(), file)}: ${call[0]}`);
    }
  }
  return { ids: [...ids].sort(), unreadable };
}

/** A comment that mentions `patched('<id>')` is not a patch. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

const payloadSchema = z.object({ data: z.string().optional() }).passthrough();
const markerEventSchema = z
  .object({
    markerRecordedEventAttributes: z
      .object({
        markerName: z.string().optional(),
        details: z.record(z.string(), z.object({ payloads: z.array(payloadSchema).optional() }).passthrough()),
      })
      .passthrough(),
  })
  .passthrough();
const patchDataSchema = z.object({ id: z.string() }).passthrough();

/**
 * Patch ids recorded in one history (the JSON `historyToJSON` wrote): the SDK writes a
 * `core_patch` marker whose details carry `{ id, deprecated }` as a JSON payload.
 */
export function patchIdsInHistory(history: unknown): string[] {
  const events = z.object({ events: z.array(z.unknown()) }).parse(history).events;
  const ids = new Set<string>();
  for (const event of events) {
    const marker = markerEventSchema.safeParse(event);
    if (!marker.success || marker.data.markerRecordedEventAttributes.markerName !== 'core_patch') continue;
    for (const detail of Object.values(marker.data.markerRecordedEventAttributes.details)) {
      for (const payload of detail.payloads ?? []) {
        if (!payload.data) continue;
        const data = patchDataSchema.safeParse(safeJson(Buffer.from(payload.data, 'base64').toString('utf8')));
        if (data.success) ids.add(data.data.id);
      }
    }
  }
  return [...ids].sort();
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** For each patch id: the recorded histories that went through its new branch. */
export function patchCoverage(
  histories: RecordedHistory[] = recordedHistories(),
  ids: string[] = patchIdsInSource().ids,
): Map<string, string[]> {
  const coverage = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const history of histories) {
    for (const id of patchIdsInHistory(JSON.parse(readFileSync(history.file, 'utf8')))) {
      coverage.get(id)?.push(history.name);
    }
  }
  return coverage;
}
