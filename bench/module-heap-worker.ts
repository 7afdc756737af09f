import { NativeConnection, Worker } from '@temporalio/worker';
import { z } from 'zod';
import { installQuietRuntime, serveProbe } from './worker-probe';

/**
 * A worker for one probe bundle of bench/module-heap.ts: workflows in the main thread (SDK
 * debug mode) so the probe can read their heap, a cache large enough for every probe workflow.
 */
const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1),
  BENCH_TASK_QUEUE: z.string().min(1),
  BENCH_WORKFLOW_BUNDLE: z.string().min(1),
  BENCH_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(1),
});

async function main(): Promise<void> {
  const env = envSchema.parse(process.env);
  installQuietRuntime();
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue: env.BENCH_TASK_QUEUE,
    workflowBundle: { codePath: env.BENCH_WORKFLOW_BUNDLE },
    maxCachedWorkflows: env.BENCH_MAX_CACHED_WORKFLOWS,
    debugMode: true,
  });
  serveProbe(worker);
  await worker.run();
  await connection.close();
}

main().catch((error: unknown) => {
  console.error('bench module-heap worker failed:', error);
  process.exit(1);
});
