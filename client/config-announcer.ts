import { createJourneyConfigActivities } from '../activities/journey-config';
import { DEFAULT_PLAYBOOKS_DIR } from '../common/playbooks/load';

/** The hash of a brand's config as this process reads it; undefined when it cannot vouch for it. */
export type ConfigHashOf = (brand: string) => Promise<string | undefined>;

/**
 * Lets a client say, with each event, which config of the brand it sees (issue 13: "cache by
 * version"). The journey then skips the round's config read when it already holds that config
 * (workflows/journey/brand-config.ts): for most event types that read was the round's only
 * local activity.
 *
 * It reads the same folders with the same loader as the worker's config activity, cached per
 * file modification time (a stat per file per event), so both compute the same hash of the
 * same files. The API and the workers must therefore read the same config folders, as they do
 * by default; a journey still reads the config at least every ten minutes whatever events say.
 * A config with an error (an unusable profile file) is not vouched for: the journey reads it,
 * and shows the error, as before.
 */
export function configAnnouncer(profilesDir: string, playbooksDir: string = DEFAULT_PLAYBOOKS_DIR): ConfigHashOf {
  // The worker logs a bad config file; the client only declines to vouch for it.
  const quiet = { error: () => undefined };
  const { loadBrandConfig } = createJourneyConfigActivities(profilesDir, playbooksDir, quiet);
  return async (brand) => {
    const config = await loadBrandConfig(brand);
    return config.configError ? undefined : config.hash;
  };
}
