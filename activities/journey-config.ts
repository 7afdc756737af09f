import { statSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_PLAYBOOKS_DIR, loadPlaybooks } from '../common/playbooks/load';
import type { PlaybookSet } from '../common/playbooks/schema';
import { loadServiceProfile } from '../common/profiles/load-profiles';
import type { ServiceProfile } from '../common/profiles/schema';

export interface BrandConfig {
  brand: string;
  /** Absent when the brand has no service profile: the journey then sends nothing. */
  profile?: ServiceProfile;
  /** Changes whenever the brand's configuration file changes; recorded with each decision. */
  version: string;
  /** The brand's playbooks now (defaults + overrides), with their content-hash version. */
  playbooks?: PlaybookSet;
  /** Why there are no playbooks: a bad playbook file stops planning, not the journey. */
  playbookError?: string;
}

/**
 * What a journey needs to know about its brand at a decision, read fresh from the
 * configuration folder (cached per file modification time). Called as a local activity,
 * so the answer is recorded in history: a replay sees the same configuration, while a
 * change on disk reaches running journeys from their next decision on.
 */
export function createJourneyConfigActivities(profilesDir: string, playbooksDir: string = DEFAULT_PLAYBOOKS_DIR) {
  const cache = new Map<string, { mtimeMs: number; profile: ServiceProfile }>();
  const profileOf = (brand: string): { profile?: ServiceProfile; version: string } => {
    const file = path.join(profilesDir, `${brand}.json`);
    const mtimeMs = modifiedAt(file);
    if (mtimeMs === undefined) return { version: 'none' };
    const cached = cache.get(file);
    if (cached?.mtimeMs === mtimeMs) return { profile: cached.profile, version: `${brand}@${mtimeMs}` };
    const profile = loadServiceProfile(file);
    cache.set(file, { mtimeMs, profile });
    return { profile, version: `${brand}@${mtimeMs}` };
  };
  const playbookCache = new Map<string, { stamp: string; playbooks: PlaybookSet }>();
  const playbooksOf = (brand: string): PlaybookSet => {
    const stamp = [path.join(playbooksDir, 'default.json'), path.join(playbooksDir, `${brand}.json`)]
      .map((file) => modifiedAt(file) ?? 'none')
      .join('/');
    const cached = playbookCache.get(brand);
    if (cached?.stamp === stamp) return cached.playbooks;
    const playbooks = loadPlaybooks(brand, playbooksDir);
    playbookCache.set(brand, { stamp, playbooks });
    return playbooks;
  };
  return {
    async loadBrandConfig(brand: string): Promise<BrandConfig> {
      const { profile, version } = profileOf(brand);
      try {
        return { brand, profile, version, playbooks: playbooksOf(brand) };
      } catch (error) {
        return { brand, profile, version, playbookError: (error as Error).message };
      }
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
