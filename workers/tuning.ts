import v8 from 'node:v8';
import type { WorkerOptions } from '@temporalio/worker';
import { z } from 'zod';

/**
 * Worker sizing for operators, from the environment (`npm run worker`, `npm start`).
 * Unset variables keep the SDK's defaults. A worker can either cap its slots with fixed numbers
 * (`KEPT_MAX_CONCURRENT_*`) or let the SDK's resource-based tuner hand them out to hold memory
 * and CPU near a target (`KEPT_WORKER_TUNER=resource-based`); the SDK refuses both at once, so
 * this schema does too, naming the variables.
 */
const positiveInt = z.coerce.number().int().min(1);
const ratio = z.coerce.number().gt(0).max(1);

/**
 * V8 sizes the next full GC by how fast it collects, up to 4x the live heap. The workflow thread
 * of a worker with 10,000 sleeping customers holds ~400 MiB of cached workflows, and V8 let it
 * grow to 1.4 GiB before collecting: 1.9 to 2.6 GiB of resident memory, depending on when the
 * bench looked. At 50% the heap stays within 1.5x its live size (the worker at 1.6 GiB), and the
 * workflow thread spends 1-4% of its time in GC (README "Sizing a worker", `npm run bench`).
 */
export const DEFAULT_HEAP_GROWTH_PERCENT = 50;

/**
 * Why a cache of 0 is refused: journeys run local activities (their round, the ledger copy),
 * and the SDK drops a local activity still running when its workflow leaves the cache, which
 * without a cache is after every task: the journey would retry its round for ever.
 */
export const NO_CACHE_MESSAGE =
  'must be at least 1: journeys run local activities, which a worker without a workflow cache drops';

export const workerTuningEnvSchema = z
  .object({
    /** Workflows kept in memory between tasks (sticky cache); at least 1 (see NO_CACHE_MESSAGE). */
    KEPT_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(1, NO_CACHE_MESSAGE).optional(),
    KEPT_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).optional(),
    KEPT_MAX_CONCURRENT_ACTIVITIES: positiveInt.optional(),
    KEPT_MAX_CONCURRENT_LOCAL_ACTIVITIES: positiveInt.optional(),
    KEPT_WORKFLOW_TASK_POLLERS: positiveInt.optional(),
    KEPT_ACTIVITY_TASK_POLLERS: positiveInt.optional(),
    KEPT_WORKER_TUNER: z.enum(['fixed', 'resource-based']).default('fixed'),
    /** Fractions of the machine the resource-based tuner aims for. */
    KEPT_TUNER_TARGET_MEMORY: ratio.default(0.8),
    KEPT_TUNER_TARGET_CPU: ratio.default(0.9),
    /** How far V8 lets each heap grow past its live size before a full GC; 0: V8's own heuristic. */
    KEPT_HEAP_GROWTH_PERCENT: z.coerce.number().int().min(0).max(300).default(DEFAULT_HEAP_GROWTH_PERCENT),
  })
  .superRefine((env, context) => {
    if (env.KEPT_WORKER_TUNER !== 'resource-based') return;
    for (const name of fixedSlotVariables) {
      if (env[name] !== undefined) {
        context.addIssue({
          code: 'custom',
          path: [name],
          message: 'cannot be combined with KEPT_WORKER_TUNER=resource-based (the tuner sizes the slots)',
        });
      }
    }
  });
export type WorkerTuningEnv = z.infer<typeof workerTuningEnvSchema>;

const fixedSlotVariables = [
  'KEPT_MAX_CONCURRENT_WORKFLOW_TASKS',
  'KEPT_MAX_CONCURRENT_ACTIVITIES',
  'KEPT_MAX_CONCURRENT_LOCAL_ACTIVITIES',
] as const;

/** The worker options that sizing controls; everything else stays Kept's to decide. */
export type WorkerTuning = Pick<
  WorkerOptions,
  | 'maxCachedWorkflows'
  | 'maxConcurrentWorkflowTaskExecutions'
  | 'maxConcurrentActivityTaskExecutions'
  | 'maxConcurrentLocalActivityExecutions'
  | 'maxConcurrentWorkflowTaskPolls'
  | 'maxConcurrentActivityTaskPolls'
  | 'tuner'
>;

export class WorkerTuningError extends Error {
  override name = 'WorkerTuningError';
}

/** A cache size given in code (createKeptWorker's options), held to the rule the variable is. */
export function checkedCacheSize(maxCachedWorkflows: number | undefined): number | undefined {
  if (maxCachedWorkflows === undefined || maxCachedWorkflows >= 1) return maxCachedWorkflows;
  throw new WorkerTuningError(`invalid worker tuning:\n  maxCachedWorkflows: ${NO_CACHE_MESSAGE}`);
}

/** Parses the sizing variables; a bad value stops the worker naming the variable. */
export function workerTuningFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerTuning {
  return toWorkerTuning(parseTuningEnv(env));
}

/**
 * Sets KEPT_HEAP_GROWTH_PERCENT as V8's `--heap-growing-percent`. V8 reads the flag whenever it
 * sizes the next GC, so it holds for every heap of the process, the SDK's workflow thread's
 * included: that is where cached workflows live, and no option of the SDK sizes it. A flag for
 * the whole process, so the worker's entry point calls this, not createKeptWorker. Returns the
 * percent applied.
 */
export function applyHeapGrowthFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const percent = parseTuningEnv(env).KEPT_HEAP_GROWTH_PERCENT;
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  return percent;
}

function parseTuningEnv(env: NodeJS.ProcessEnv): WorkerTuningEnv {
  const parsed = workerTuningEnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new WorkerTuningError(`invalid worker tuning:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

function toWorkerTuning(env: WorkerTuningEnv): WorkerTuning {
  const tuning: WorkerTuning = {
    ...defined('maxCachedWorkflows', env.KEPT_MAX_CACHED_WORKFLOWS),
    ...defined('maxConcurrentWorkflowTaskPolls', env.KEPT_WORKFLOW_TASK_POLLERS),
    ...defined('maxConcurrentActivityTaskPolls', env.KEPT_ACTIVITY_TASK_POLLERS),
  };
  if (env.KEPT_WORKER_TUNER === 'resource-based') {
    return {
      ...tuning,
      tuner: {
        tunerOptions: { targetMemoryUsage: env.KEPT_TUNER_TARGET_MEMORY, targetCpuUsage: env.KEPT_TUNER_TARGET_CPU },
      },
    };
  }
  return {
    ...tuning,
    ...defined('maxConcurrentWorkflowTaskExecutions', env.KEPT_MAX_CONCURRENT_WORKFLOW_TASKS),
    ...defined('maxConcurrentActivityTaskExecutions', env.KEPT_MAX_CONCURRENT_ACTIVITIES),
    ...defined('maxConcurrentLocalActivityExecutions', env.KEPT_MAX_CONCURRENT_LOCAL_ACTIVITIES),
  };
}

/** `{ [key]: value }` when the variable was set, `{}` otherwise (the SDK's default stands). */
function defined<K extends keyof WorkerTuning>(key: K, value: WorkerTuning[K] | undefined): Partial<WorkerTuning> {
  return value === undefined ? {} : ({ [key]: value } as Partial<WorkerTuning>);
}

const MiB = 1024 * 1024;
/** Cached workflows per MiB of heap limit: a fifth of the heap at 0.25 MiB each. */
const CACHED_WORKFLOWS_PER_HEAP_MIB = 0.2 / 0.25;

/**
 * Kept's sticky cache size when KEPT_MAX_CACHED_WORKFLOWS is unset. The SDK's default (about
 * 600 per GiB of heap) budgets ~1.7 MiB per workflow; `npm run bench` measures 0.15 MiB of heap
 * per cached Kept workflow, and a customer has about three (journey, order, delivery promise),
 * so the SDK's 2,310 on a 4.1 GiB heap were full at 770 customers and every event after that
 * replayed an evicted workflow first (existing-journey ingest 12x bare at 1,000 customers,
 * 5.5x with room for them all). Kept gives the cache a fifth of the heap limit at 0.25 MiB per
 * workflow: 3,276 workflows (820 MiB) on a 4 GiB heap, where the SDK caches 2,282, and little
 * enough that a worker with 10,000 sleeping customers stays within 2 GiB of resident memory.
 */
export function defaultMaxCachedWorkflows(heapLimitBytes = v8.getHeapStatistics().heap_size_limit): number {
  return Math.max(10, Math.floor((heapLimitBytes / MiB) * CACHED_WORKFLOWS_PER_HEAP_MIB));
}
