import { NativeConnection, Worker } from '@temporalio/worker';
import { applyHeapGrowthFromEnv, workerTuningFromEnv } from '../workers/tuning';
import { createBareActivities } from './bare-activities';
import { benchWorkerEnvSchema, installQuietRuntime, serveProbe } from './worker-probe';

/** The baseline's worker process: bench/bare-workflows.ts on its own task queue. */
async function main(): Promise<void> {
  const env = benchWorkerEnvSchema.parse(process.env);
  installQuietRuntime();
  // The same heap growth as every worker the bench runs (KEPT_HEAP_GROWTH_PERCENT), before the workflow thread starts.
  applyHeapGrowthFromEnv();
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue: env.BENCH_TASK_QUEUE,
    workflowBundle: { codePath: env.BENCH_WORKFLOW_BUNDLE },
    activities: createBareActivities(env.BENCH_SMTP_PORT),
    ...workerTuningFromEnv(),
    debugMode: env.BENCH_WORKFLOWS_IN_MAIN_THREAD,
  });
  serveProbe(worker);
  await worker.run();
  await connection.close();
}

main().catch((error: unknown) => {
  console.error('bench bare worker failed:', error);
  process.exit(1);
});
