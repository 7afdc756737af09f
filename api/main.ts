import { existsSync } from 'node:fs';
import path from 'node:path';
import { openBrandStatistics } from '../activities/anticipation/brand-statistics';
import { ledgerConfigOf } from '../activities/outreach/dependencies';
import { configAnnouncer } from '../client/config-announcer';
import { outlookAnnouncer } from '../client/outlook-announcer';
import { connectClient } from '../client/connection';
import { liveEventTimeBounds, loadKeptEnv, projectPath } from '../common/config';
import { loadServiceProfiles, profileProblems } from '../common/profiles/load-profiles';
import { assertSafeToDeploy, UnsafeDeploymentError } from '../common/deployment';
import { loadApiKeys } from './api-keys';
import { buildApiServer } from './server';

/**
 * The HTTP API process (`npm run api`; `npm start` runs it). Connects to Temporal by
 * configuration only, like the worker, and stops cleanly on SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  const env = loadKeptEnv();
  const apiKeys = loadApiKeys(env.KEPT_API_KEYS, projectPath(env.KEPT_API_KEYS_FILE));
  assertSafeToDeploy(process.env, { role: 'api', env, brandsWithDevelopmentKeys: apiKeys.brandsWithDevelopmentKeys });
  if (apiKeys.size === 0) console.warn('kept api: no API keys configured; every brand-scoped call will answer 401');
  const client = await connectClient();
  const profilesDir = projectPath(env.KEPT_PROFILES_DIR);
  // The workers' statistics (the ledger database), read for the dispatches the API is sent.
  const statistics = await openBrandStatistics(ledgerConfigOf(env));
  const app = await buildApiServer(
    {
      client,
      taskQueue: env.KEPT_TASK_QUEUE,
      apiKeys,
      profiles: loadServiceProfiles(profilesDir),
      hasServiceProfile: (brand) => existsSync(path.join(profilesDir, `${brand}.json`)),
      configProblems: () => profileProblems(profilesDir),
      // The folders the worker reads (its defaults), so an event says which config it saw.
      configHashOf: configAnnouncer(profilesDir),
      outlooksOf: outlookAnnouncer(statistics),
      unsubscribeSecret: env.KEPT_UNSUBSCRIBE_SECRET,
      bodyLimit: env.KEPT_API_BODY_LIMIT,
      eventTimeBounds: liveEventTimeBounds(env),
    },
    { logger: false },
  );
  const stop = async () => {
    await app.close();
    await statistics.close();
    await client.connection.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  await app.listen({ host: '0.0.0.0', port: env.KEPT_API_PORT });
  console.log(`kept api: http://localhost:${env.KEPT_API_PORT} (docs at /docs, OpenAPI at /openapi.json)`);
}

main().catch((error: unknown) => {
  if (error instanceof UnsafeDeploymentError) console.error(error.message);
  else console.error('kept api failed:', error);
  process.exit(1);
});
