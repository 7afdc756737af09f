import { NativeConnection, type Worker } from '@temporalio/worker';
import { temporalTarget } from '../client/connection';
import { buildOutreachDependencies, describeOutreach, ledgerConfigOf } from '../activities/outreach/dependencies';
import { openBrandStatistics } from '../activities/anticipation/brand-statistics';
import { loadKeptEnv, projectPath, type KeptEnv } from '../common/config';
import { DEFAULT_PLAYBOOKS_DIR } from '../common/playbooks/load';
import { brandCoverage, describeBrandCoverage } from './brand-coverage';
import { assertSafeToDeploy, UnsafeDeploymentError } from '../common/deployment';
import { loadServiceProfiles } from '../common/profiles/load-profiles';
import { applyHeapGrowthFromEnv, workerTuningFromEnv, WorkerTuningError } from './tuning';
import { createKeptWorker } from './worker';

/**
 * The worker process (`npm run worker`, started by `npm start`). Connects by configuration
 * only, so more of them can run on other machines against the same cluster.
 * The SDK's Runtime stops the worker gracefully on SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  const env = loadKeptEnv();
  // Configuration first, all of it before any connection: a bad profile, then secrets.
  loadServiceProfiles(projectPath(env.KEPT_PROFILES_DIR));
  const tuning = workerTuningFromEnv();
  // Before createKeptWorker starts the workflow thread, whose heap this mostly bounds.
  const heapGrowthPercent = applyHeapGrowthFromEnv();
  assertSafeToDeploy(process.env, { role: 'worker', env });
  const { connectionOptions, namespace } = temporalTarget();
  const connection = await NativeConnection.connect(connectionOptions);
  try {
    const outreach = await buildOutreachDependencies(env);
    const statistics = await openBrandStatistics(ledgerConfigOf(env));
    try {
      const worker = await createKeptWorker({
        connection,
        namespace,
        taskQueue: env.KEPT_TASK_QUEUE,
        activityDependencies: { outreach, statistics },
        workerOptions: tuning,
      });
      console.log(
        `kept worker: polling task queue "${env.KEPT_TASK_QUEUE}" in namespace "${namespace}" at ${connectionOptions.address}; outreach: ${describeOutreach(env)}; ${describeTuning(worker, heapGrowthPercent)}`,
      );
      logBrandCoverage(env);
      await worker.run();
    } finally {
      await outreach.ledger.close();
      await statistics.close();
    }
  } finally {
    await connection.close();
  }
}

/** Which brands are served, and loudly which get nothing for want of a service profile. */
function logBrandCoverage(env: KeptEnv): void {
  const profilesDir = projectPath(env.KEPT_PROFILES_DIR);
  const coverage = brandCoverage({
    profilesDir,
    playbooksDir: DEFAULT_PLAYBOOKS_DIR,
    templatesDir: projectPath(env.KEPT_TEMPLATES_DIR),
    apiKeysList: env.KEPT_API_KEYS,
    apiKeysFile: projectPath(env.KEPT_API_KEYS_FILE),
  });
  const { info, warning } = describeBrandCoverage(coverage, profilesDir);
  console.log(info);
  if (warning) console.warn(warning);
}

/** What the worker actually runs with, so an operator sees the effect of the KEPT_* sizing variables. */
function describeTuning(worker: Worker, heapGrowthPercent: number): string {
  const { maxCachedWorkflows, tuner } = worker.options;
  const heapGrowth = heapGrowthPercent > 0 ? `${heapGrowthPercent}%` : "V8's own";
  return `cache ${maxCachedWorkflows} workflows, heap growth ${heapGrowth}, tuner ${JSON.stringify(tuner)}`;
}

main().catch((error: unknown) => {
  if (error instanceof UnsafeDeploymentError || error instanceof WorkerTuningError) console.error(error.message);
  else console.error('kept worker failed:', error);
  process.exit(1);
});
