import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../config';
import {
  playbookFileSchema,
  playbookOverrideFileSchema,
  playbookSchema,
  type Playbook,
  type PlaybookSet,
} from './schema';

/**
 * Loads a brand's effective playbooks: `default.json` (the built-ins) with the brand's
 * `<brand>.json` merged over it by id. Node only (fs, crypto): workflows get playbooks
 * through an activity, so the version each decision used is recorded in history.
 *
 * A bad file stops with the file and the path of the bad field, e.g.
 * `config/playbooks/nordhem.json: playbooks.2 (replenish).trigger.offset: use an ISO 8601 duration ...`.
 */
export const DEFAULT_PLAYBOOKS_DIR = path.resolve(__dirname, '../../config/playbooks');

export function loadPlaybooks(brand: string, directory: string = DEFAULT_PLAYBOOKS_DIR): PlaybookSet {
  const defaultsFile = path.join(directory, 'default.json');
  const defaults = parseFile(defaultsFile, playbookFileSchema).playbooks;
  assertUniqueIds(defaultsFile, defaults);
  const brandFile = path.join(directory, `${brand}.json`);
  const playbooks = existsSync(brandFile) ? mergeBrand(brandFile, defaults) : defaults;
  const sorted = [...playbooks].sort((a, b) => a.id.localeCompare(b.id));
  return { brand, version: contentHash(sorted), playbooks: sorted };
}

/** Brand entries replace the fields they set; unknown ids are new playbooks (validated in full). */
function mergeBrand(file: string, defaults: Playbook[]): Playbook[] {
  const overrides = parseFile(file, playbookOverrideFileSchema).playbooks;
  const byId = new Map(defaults.map((playbook) => [playbook.id, playbook as Record<string, unknown>]));
  const seen = new Set<string>();
  overrides.forEach((override, index) => {
    if (seen.has(override.id)) throw new ConfigError(`${file}: playbooks.${index}.id: ${override.id} appears twice`);
    seen.add(override.id);
    const merged = { ...(byId.get(override.id) ?? {}), ...override };
    const result = playbookSchema.safeParse(merged);
    if (!result.success)
      throw new ConfigError(`${file}: ${issues(result.error, `playbooks.${index} (${override.id})`)}`);
    byId.set(override.id, result.data);
  });
  return [...byId.values()] as Playbook[];
}

function parseFile<S extends z.ZodType>(file: string, schema: S): z.infer<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${file}: not readable JSON: ${(error as Error).message}`);
  }
  const result = schema.safeParse(raw);
  if (!result.success) throw new ConfigError(`${file}: ${issues(result.error, '')}`);
  return result.data;
}

function issues(error: z.ZodError, prefix: string): string {
  return error.issues.map((issue) => describeIssue(issue, prefix)).join('; ');
}

/** Names the deepest bad field, also inside a union (a trigger is one of several shapes). */
function describeIssue(issue: z.core.$ZodIssue, prefix: string): string {
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // The branch that got furthest (fewest issues) is the one the author meant.
    const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0]!;
    const inner = closest[0];
    if (inner) return describeIssue({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue, prefix);
  }
  const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(file)';
  return `${field}: ${issue.message}`;
}

function assertUniqueIds(file: string, playbooks: Playbook[]): void {
  const seen = new Set<string>();
  playbooks.forEach((playbook, index) => {
    if (seen.has(playbook.id)) throw new ConfigError(`${file}: playbooks.${index}.id: ${playbook.id} appears twice`);
    seen.add(playbook.id);
  });
}

/** A short hash of the effective playbooks: the same content always gives the same version. */
export function contentHash(playbooks: readonly Playbook[]): string {
  return createHash('sha256').update(JSON.stringify(playbooks)).digest('hex').slice(0, 16);
}
