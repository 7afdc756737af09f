import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { applyHeapGrowthFromEnv, workerTuningFromEnv } from '../workers/tuning';
import { createFloorActivities } from './floor-activities';
import { benchWorkerEnvSchema, installQuietRuntime, serveProbe } from './worker-probe';

/** The floor's worker process: bench/floor-workflows.ts on its own task queue. */
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
    activities: createFloorActivities(new Client({ connection, namespace: 'default' })),
    ...workerTuningFromEnv(),
    debugMode: env.BENCH_WORKFLOWS_IN_MAIN_THREAD,
  });
  serveProbe(worker);
  await worker.run();
  await connection.close();
}

main().catch((error: unknown) => {
  console.error('bench floor worker failed:', error);
  process.exit(1);
});
