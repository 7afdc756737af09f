import { statSync } from 'node:fs';
import path from 'node:path';
import { loadServiceProfile } from '../common/profiles/load-profiles';
import type { ServiceProfile } from '../common/profiles/schema';

export interface BrandConfig {
  brand: string;
  /** Absent when the brand has no service profile: the journey then sends nothing. */
  profile?: ServiceProfile;
  /** Changes whenever the brand's configuration file changes; recorded with each decision. */
  version: string;
}

/**
 * What a journey needs to know about its brand at a decision, read fresh from the
 * configuration folder (cached per file modification time). Called as a local activity,
 * so the answer is recorded in history: a replay sees the same configuration, while a
 * change on disk reaches running journeys from their next decision on.
 */
export function createJourneyConfigActivities(profilesDir: string) {
  const cache = new Map<string, { mtimeMs: number; config: BrandConfig }>();
  return {
    async loadBrandConfig(brand: string): Promise<BrandConfig> {
      const file = path.join(profilesDir, `${brand}.json`);
      const mtimeMs = modifiedAt(file);
      if (mtimeMs === undefined) return { brand, version: 'none' };
      const cached = cache.get(file);
      if (cached?.mtimeMs === mtimeMs) return cached.config;
      const config = { brand, profile: loadServiceProfile(file), version: `${brand}@${mtimeMs}` };
      cache.set(file, { mtimeMs, config });
      return config;
    },
  };
}

function modifiedAt(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}
