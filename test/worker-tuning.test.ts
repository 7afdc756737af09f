import { spawn } from 'node:child_process';
import path from 'node:path';
import v8 from 'node:v8';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  applyHeapGrowthFromEnv,
  DEFAULT_HEAP_GROWTH_PERCENT,
  defaultMaxCachedWorkflows,
  workerTuningFromEnv,
  WorkerTuningError,
} from '../workers/tuning';
import { connectDevServer, startKeptWorker, stopWorker } from './helpers/temporal';

/**
 * Operators size the worker from the environment: the KEPT_* sizing variables reach the real
 * worker's options, and a bad value stops the worker process naming the variable.
 */
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await connectDevServer();
});

afterAll(async () => {
  await env.teardown();
});

it('the sizing variables reach the worker: cache size, workflow task, activity and local activity slots', async () => {
  const tuning = workerTuningFromEnv({
    KEPT_MAX_CACHED_WORKFLOWS: '123',
    KEPT_MAX_CONCURRENT_WORKFLOW_TASKS: '7',
    KEPT_MAX_CONCURRENT_ACTIVITIES: '11',
    KEPT_MAX_CONCURRENT_LOCAL_ACTIVITIES: '13',
    KEPT_WORKFLOW_TASK_POLLERS: '3',
  });
  const handle = await startKeptWorker(env, { workerOptions: tuning });
  try {
    const { maxCachedWorkflows, tuner, maxConcurrentWorkflowTaskPolls } = handle.worker.options;
    expect(maxCachedWorkflows).toBe(123);
    expect(maxConcurrentWorkflowTaskPolls).toBe(3);
    expect(tuner).toMatchObject({
      workflowTaskSlotSupplier: { type: 'fixed-size', numSlots: 7 },
      activityTaskSlotSupplier: { type: 'fixed-size', numSlots: 11 },
      localActivityTaskSlotSupplier: { type: 'fixed-size', numSlots: 13 },
    });
  } finally {
    await stopWorker(handle);
  }
});

it('KEPT_WORKER_TUNER=resource-based hands the slots to the resource-based tuner with its targets', async () => {
  const tuning = workerTuningFromEnv({ KEPT_WORKER_TUNER: 'resource-based', KEPT_TUNER_TARGET_MEMORY: '0.6' });
  const handle = await startKeptWorker(env, { workerOptions: tuning });
  try {
    expect(handle.worker.options.tuner).toMatchObject({
      workflowTaskSlotSupplier: { type: 'resource-based' },
      activityTaskSlotSupplier: { type: 'resource-based' },
      resourceBasedTunerConfig: { targetMemoryUsage: 0.6, targetCpuUsage: 0.9 },
    });
  } finally {
    await stopWorker(handle);
  }
});

it("without KEPT_MAX_CACHED_WORKFLOWS the cache is sized by Kept's heap per workflow, not the SDK's guess", async () => {
  const GiB = 1024 ** 3;
  // The SDK's default is ~600 per GiB of heap above 200 MiB: 2,282 on a 4 GiB heap, full at
  // ~760 customers of three workflows. Kept's holds 1,000 customers on the same heap.
  expect(defaultMaxCachedWorkflows(4 * GiB)).toBe(3276);
  expect(defaultMaxCachedWorkflows(1 * GiB)).toBe(819);
  expect(defaultMaxCachedWorkflows(8 * 1024 ** 2)).toBe(10);
  const handle = await startKeptWorker(env, { workerOptions: workerTuningFromEnv({}) });
  try {
    expect(handle.worker.options.maxCachedWorkflows).toBe(defaultMaxCachedWorkflows());
    // More than the SDK would cache on this machine's heap (worker-options.js in SDK 1.24).
    const heapMiB = v8.getHeapStatistics().heap_size_limit / 1024 ** 2;
    const sdkDefault = Math.max(Math.floor(((heapMiB - 200) * 600) / 1024), 10);
    expect(handle.worker.options.maxCachedWorkflows).toBeGreaterThan(sdkDefault);
  } finally {
    await stopWorker(handle);
  }
});

it('rejects bad values naming each variable, and fixed slots combined with the resource-based tuner', () => {
  expect(() => workerTuningFromEnv({ KEPT_MAX_CACHED_WORKFLOWS: 'lots', KEPT_MAX_CONCURRENT_ACTIVITIES: '0' })).toThrow(
    /KEPT_MAX_CACHED_WORKFLOWS: .*\n.*KEPT_MAX_CONCURRENT_ACTIVITIES: /,
  );
  expect(() => workerTuningFromEnv({ KEPT_MAX_CONCURRENT_WORKFLOW_TASKS: '1' })).toThrow(
    /KEPT_MAX_CONCURRENT_WORKFLOW_TASKS: /,
  );
  expect(() =>
    workerTuningFromEnv({ KEPT_WORKER_TUNER: 'resource-based', KEPT_MAX_CONCURRENT_ACTIVITIES: '10' }),
  ).toThrow(/KEPT_MAX_CONCURRENT_ACTIVITIES: cannot be combined with KEPT_WORKER_TUNER=resource-based/);
  expect(() => workerTuningFromEnv({ KEPT_TUNER_TARGET_CPU: '1.5' })).toThrow(/KEPT_TUNER_TARGET_CPU: /);
  expect(() => workerTuningFromEnv({ KEPT_HEAP_GROWTH_PERCENT: 'less' })).toThrow(/KEPT_HEAP_GROWTH_PERCENT: /);
  expect(() => applyHeapGrowthFromEnv({ KEPT_HEAP_GROWTH_PERCENT: '-10' })).toThrow(/KEPT_HEAP_GROWTH_PERCENT: /);
});

it("by default a worker thread's heap grows only half past its live size before V8 collects it", async () => {
  // V8's own heuristic let this thread reach 5x its live heap (576 MiB for 114 live); the
  // workflow thread of a worker with 10,000 sleeping customers went from 0.4 to 1.4 GiB.
  const { stdout, code } = await runNode([
    '--expose-gc',
    '--import',
    'tsx',
    path.resolve(__dirname, 'helpers/heap-growth-probe.ts'),
  ]);
  expect(code).toBe(0);
  const measured = JSON.parse(stdout) as { peakMiB: number; liveMiB: number };
  expect(measured.liveMiB).toBeGreaterThan(100);
  // Growth, plus room for the young generation and what is allocated while V8 marks (measured:
  // 220-266 MiB peak for 114 live, on a loaded machine too; 576-610 with V8's own heuristic).
  const youngAndMarkingMiB = 160;
  expect(measured.peakMiB).toBeLessThanOrEqual(
    measured.liveMiB * (1 + DEFAULT_HEAP_GROWTH_PERCENT / 100) + youngAndMarkingMiB,
  );
}, 60_000);

it('the worker process stops at a bad sizing variable, naming it, before it connects', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../workers/main.ts')], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      KEPT_MAX_CACHED_WORKFLOWS: '-5',
      KEPT_HEAP_GROWTH_PERCENT: 'half',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).toBe(1);
  expect(stderr).toMatch(/^ {2}KEPT_MAX_CACHED_WORKFLOWS: /m);
  expect(stderr).toMatch(/^ {2}KEPT_HEAP_GROWTH_PERCENT: /m);
});

it('refuses a worker without a workflow cache, from the environment or in code, saying why', async () => {
  expect(() => workerTuningFromEnv({ KEPT_MAX_CACHED_WORKFLOWS: '0' })).toThrow(
    /KEPT_MAX_CACHED_WORKFLOWS: must be at least 1: journeys run local activities/,
  );
  await expect(startKeptWorker(env, { maxCachedWorkflows: 0 })).rejects.toThrow(
    /maxCachedWorkflows: must be at least 1: journeys run local activities/,
  );
  await expect(startKeptWorker(env, { workerOptions: { maxCachedWorkflows: 0 } })).rejects.toThrow(WorkerTuningError);
});

async function runNode(args: string[]): Promise<{ stdout: string; code: number | null }> {
  const environment = { ...process.env };
  delete environment.KEPT_HEAP_GROWTH_PERCENT;
  const child = spawn(process.execPath, args, { env: environment, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { stdout, code };
}
