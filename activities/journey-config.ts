import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_PLAYBOOKS_DIR, loadPlaybooks } from '../common/playbooks/load';
import { planningPlaybook, type PlanningPlaybook, type PlaybookSet } from '../common/playbooks/schema';
import { loadServiceProfile } from '../common/profiles/load-profiles';
import type { ServiceProfile } from '../common/profiles/schema';

export interface BrandConfig {
  brand: string;
  /** Absent when the brand has no service profile: the journey then sends nothing. */
  profile?: ServiceProfile;
  /** Changes whenever the brand's configuration file changes; recorded with each decision. */
  version: string;
  /**
   * The brand's playbooks now (defaults + overrides), with their content-hash version, as the
   * journey plans with them: no descriptions, reasons in English (see planningPlaybook).
   */
  playbooks?: PlaybookSet<PlanningPlaybook>;
  /** Why there are no playbooks: a bad playbook file stops planning, not the journey. */
  playbookError?: string;
  /** Content hash of profile + playbooks: the journey passes it back, and an unchanged config is not resent. */
  hash?: string;
  /** The config has the hash the journey passed: it already holds the rest (profile, playbooks). */
  unchanged?: true;
  /** The profile file cannot be used: the journey goes on with the last good profile and shows a flag. */
  configError?: string;
}

type Log = Pick<Console, 'error'>;

/**
 * What a journey needs to know about its brand at a decision, read fresh from the
 * configuration folder (cached per file modification time). Called as a local activity,
 * so the answer is recorded in history: a replay sees the same configuration, while a
 * change on disk reaches running journeys from their next decision on. A journey passes
 * the hash of the config it holds, and gets back only `{ version, hash, unchanged }` while
 * nothing changed: history records the whole config once per run and per change.
 *
 * A bad profile file never throws (a local activity that throws retries for ever and
 * stalls the brand's journeys): the last good profile stays in use, the error is logged
 * once per file change and returned as `configError`.
 */
export function createJourneyConfigActivities(
  profilesDir: string,
  playbooksDir: string = DEFAULT_PLAYBOOKS_DIR,
  log: Log = console,
) {
  const lastGood = new Map<string, { mtimeMs: number; profile: ServiceProfile }>();
  const reported = new Map<string, number>();
  const profileOf = (brand: string): { profile?: ServiceProfile; version: string; configError?: string } => {
    const file = path.join(profilesDir, `${brand}.json`);
    const mtimeMs = modifiedAt(file);
    if (mtimeMs === undefined) return { version: 'none' };
    const good = lastGood.get(brand);
    if (good?.mtimeMs === mtimeMs) return { profile: good.profile, version: `${brand}@${mtimeMs}` };
    try {
      const profile = loadServiceProfile(file);
      lastGood.set(brand, { mtimeMs, profile });
      reported.delete(brand);
      return { profile, version: `${brand}@${mtimeMs}` };
    } catch (error) {
      const configError = `service profile of ${brand} is unusable, ${good ? 'still using the last good one' : 'no outreach until it is fixed'}: ${(error as Error).message}`;
      if (reported.get(brand) !== mtimeMs) log.error(`kept worker: ${configError}`);
      reported.set(brand, mtimeMs);
      return { profile: good?.profile, version: good ? `${brand}@${good.mtimeMs}` : 'none', configError };
    }
  };
  const playbookCache = new Map<string, { stamp: string; playbooks: PlaybookSet<PlanningPlaybook> }>();
  const playbooksOf = (brand: string): PlaybookSet<PlanningPlaybook> => {
    const stamp = [path.join(playbooksDir, 'default.json'), path.join(playbooksDir, `${brand}.json`)]
      .map((file) => modifiedAt(file) ?? 'none')
      .join('/');
    const cached = playbookCache.get(brand);
    if (cached?.stamp === stamp) return cached.playbooks;
    const playbooks = forPlanning(loadPlaybooks(brand, playbooksDir));
    playbookCache.set(brand, { stamp, playbooks });
    return playbooks;
  };
  const fullConfig = (brand: string): BrandConfig => {
    const { profile, version, configError } = profileOf(brand);
    const errorPart = configError ? { configError } : {};
    try {
      return { brand, profile, version, playbooks: playbooksOf(brand), ...errorPart };
    } catch (error) {
      return { brand, profile, version, playbookError: (error as Error).message, ...errorPart };
    }
  };
  // Profile and playbooks are the cached objects while their files are unchanged, so their
  // hash is too: hashing them (a JSON text of every playbook) on every round was a cost per event.
  const hashCache = new Map<string, { parts: unknown[]; hash: string }>();
  const hashOf = (config: BrandConfig): string => {
    const parts = [config.profile, config.playbooks, config.playbookError];
    const cached = hashCache.get(config.brand);
    if (cached && cached.parts.every((part, index) => part === parts[index])) return cached.hash;
    const hash = configHash(config);
    hashCache.set(config.brand, { parts, hash });
    return hash;
  };
  return {
    async loadBrandConfig(brand: string, knownHash?: string): Promise<BrandConfig> {
      const config = fullConfig(brand);
      const hash = hashOf(config);
      if (hash === knownHash) {
        const { version, configError } = config;
        return { brand, version, hash, unchanged: true, ...(configError ? { configError } : {}) };
      }
      return { ...config, hash };
    },
  };
}

/**
 * The set as a journey holds it. Its version stays the loader's (a hash of the files' whole
 * content), so an edit of a description still reaches journeys as a new version, if not as
 * new text: the version is what each decision records.
 */
function forPlanning(set: PlaybookSet): PlaybookSet<PlanningPlaybook> {
  return { ...set, playbooks: set.playbooks.map(planningPlaybook) };
}

/** What decisions depend on; the version (a file time) and the error text are not part of it. */
function configHash(config: BrandConfig): string {
  const content = JSON.stringify([config.profile ?? null, config.playbooks ?? null, config.playbookError ?? null]);
  return createHash('sha256').update(content).digest('hex').slice(0, 16);
}

function modifiedAt(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}
