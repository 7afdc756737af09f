import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { isDevelopmentPlaceholder } from '../common/deployment';
import { brandIdSchema } from '../common/events';

/**
 * API keys, one or more per brand. A key only ever grants its own brand: the API compares
 * the brand a request is about with the key's brand (403 otherwise), so a backend of brand A
 * can neither read nor change brand B. Keys are held as SHA-256 digests so a heap dump or a
 * log of this map reveals none of them.
 */
export const apiKeyEntrySchema = z.object({
  brand: brandIdSchema,
  key: z.string().min(16, 'use at least 16 characters'),
  /** Who holds the key (e.g. "shop backend"), for operators. */
  label: z.string().max(200).optional(),
});
export const apiKeysFileSchema = z.object({ keys: z.array(apiKeyEntrySchema) });
export type ApiKeyEntry = z.infer<typeof apiKeyEntrySchema>;

export class ApiKeys {
  private readonly brandByDigest = new Map<string, string>();
  /** Brands still holding a committed development key (refused in a deployment). */
  readonly brandsWithDevelopmentKeys: readonly string[];

  constructor(entries: readonly ApiKeyEntry[]) {
    for (const entry of entries) this.brandByDigest.set(digest(entry.key), entry.brand);
    this.brandsWithDevelopmentKeys = [
      ...new Set(entries.filter((entry) => isDevelopmentPlaceholder(entry.key)).map((entry) => entry.brand)),
    ];
  }

  /** The brand a key belongs to, or undefined for an unknown key. */
  brandOf(key: string): string | undefined {
    return this.brandByDigest.get(digest(key));
  }

  get size(): number {
    return this.brandByDigest.size;
  }
}

/** `brand:key,brand:key` (the KEPT_API_KEYS format). */
export function parseApiKeysList(value: string): ApiKeyEntry[] {
  return value
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair, index) => {
      const separator = pair.indexOf(':');
      const result = apiKeyEntrySchema.safeParse({ brand: pair.slice(0, separator), key: pair.slice(separator + 1) });
      if (separator < 1 || !result.success) {
        throw new Error(`KEPT_API_KEYS entry ${index + 1}: expected brand:key with a key of 16+ characters`);
      }
      return result.data;
    });
}

export function readApiKeysFile(file: string): ApiKeyEntry[] {
  const result = apiKeysFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`${file}: ${issues.join('; ')}`);
  }
  return result.data.keys;
}

/** KEPT_API_KEYS wins; otherwise the keys file, when it exists. */
export function loadApiKeys(list: string | undefined, file: string): ApiKeys {
  if (list) return new ApiKeys(parseApiKeysList(list));
  return new ApiKeys(existsSync(file) ? readApiKeysFile(file) : []);
}

function digest(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
