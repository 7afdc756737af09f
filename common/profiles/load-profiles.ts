import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config';
import { serviceProfileSchema, type ServiceProfile } from './schema';

/**
 * Loads every `<brand>.json` in the profiles folder. Any bad file stops start-up with the
 * file and the path of each bad field, e.g.
 * `config/profiles/acme.json: targets.response.urgent: use an ISO 8601 duration like PT4H or P2D`.
 */
export function loadServiceProfiles(directory: string): Map<string, ServiceProfile> {
  const profiles = new Map<string, ServiceProfile>();
  const files = readdirSync(directory).filter((file) => file.endsWith('.json'));
  for (const file of files.sort()) {
    const profile = loadServiceProfile(path.join(directory, file));
    if (profiles.has(profile.brand)) throw new ConfigError(`${file}: brand ${profile.brand} is defined twice`);
    profiles.set(profile.brand, profile);
  }
  return profiles;
}

export function loadServiceProfile(file: string): ServiceProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${file}: not readable JSON: ${(error as Error).message}`);
  }
  const result = serviceProfileSchema.safeParse(raw);
  if (!result.success) {
    const fields = result.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`);
    throw new ConfigError(`${file}: ${fields.join('; ')}`);
  }
  return result.data;
}

/**
 * A brand's profile from `<directory>/<brand>.json` as it is on disk now (undefined without a
 * file), parsed again only when the file's modification time changes: activities ask for it
 * on every promise they make, and reading and validating the file each time cost a worker
 * more than the rest of the request. A bad file throws, as loadServiceProfile does.
 */
export function profileFileReader(directory: string): (brand: string) => ServiceProfile | undefined {
  const cache = new Map<string, { modifiedAt: number; profile: ServiceProfile }>();
  return (brand) => {
    const file = path.join(directory, `${brand}.json`);
    const modifiedAt = modificationTime(file);
    if (modifiedAt === undefined) return undefined;
    const cached = cache.get(brand);
    if (cached?.modifiedAt === modifiedAt) return cached.profile;
    const profile = loadServiceProfile(file);
    cache.set(brand, { modifiedAt, profile });
    return profile;
  };
}

function modificationTime(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * What is wrong with the profile files now, one line per bad file (none when all load).
 * Readiness asks on every call: a profile broken after start-up must not go unnoticed.
 */
export function profileProblems(directory: string): string[] {
  let files: string[];
  try {
    files = readdirSync(directory).filter((file) => file.endsWith('.json'));
  } catch (error) {
    return [`profiles folder ${directory}: ${(error as Error).message}`];
  }
  return files.sort().flatMap((file) => {
    try {
      loadServiceProfile(path.join(directory, file));
      return [];
    } catch (error) {
      return [(error as Error).message];
    }
  });
}
