import { NativeConnection } from '@temporalio/worker';
import { openBrandStatistics } from '../activities/anticipation/brand-statistics';
import { buildOutreachDependencies, ledgerConfigOf } from '../activities/outreach/dependencies';
import { loadKeptEnv } from '../common/config';
import { applyHeapGrowthFromEnv, workerTuningFromEnv } from '../workers/tuning';
import { createKeptWorker } from '../workers/worker';
import { benchWorkerEnvSchema, installQuietRuntime, serveProbe } from './worker-probe';

/**
 * Kept's worker as `npm run worker` builds it (outreach from the environment, sizing from
 * KEPT_* variables), plus the bench probe, on the bench's server and task queue.
 */
async function main(): Promise<void> {
  const env = benchWorkerEnvSchema.parse(process.env);
  installQuietRuntime();
  // The same heap growth as every worker the bench runs (KEPT_HEAP_GROWTH_PERCENT), before the workflow thread starts.
  applyHeapGrowthFromEnv();
  const keptEnv = loadKeptEnv({ ...process.env, KEPT_SMTP_PORT: String(env.BENCH_SMTP_PORT) });
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const outreach = await buildOutreachDependencies(keptEnv);
  // As workers/main.ts: the statistics in the ledger database, which the bench's client reads too.
  const statistics = await openBrandStatistics(ledgerConfigOf(keptEnv));
  const worker = await createKeptWorker({
    connection,
    namespace: 'default',
    taskQueue: env.BENCH_TASK_QUEUE,
    workflowBundle: { codePath: env.BENCH_WORKFLOW_BUNDLE },
    activityDependencies: { outreach, statistics },
    workerOptions: { ...workerTuningFromEnv(), debugMode: env.BENCH_WORKFLOWS_IN_MAIN_THREAD },
  });
  serveProbe(worker);
  await worker.run();
  await outreach.ledger.close();
  await statistics.close();
  await connection.close();
}

main().catch((error: unknown) => {
  console.error('bench Kept worker failed:', error);
  process.exit(1);
});
