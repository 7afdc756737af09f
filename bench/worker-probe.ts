import { PerformanceObserver } from 'node:perf_hooks';
import { BroadcastChannel } from 'node:worker_threads';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { z } from 'zod';

/**
 * Runs inside a bench worker process and answers the bench over the IPC channel: whether the
 * worker is busy (and when it last was, which is when a burst of work settled), how many
 * workflows it caches, its heap after a full GC, and the time spent in GC pauses (the main
 * thread's, and the workflow thread's as bench/thread-gc.cjs reports them).
 */
export const probeRequestSchema = z.object({ id: z.number(), kind: z.enum(['status', 'heap']) });
export type ProbeRequest = z.infer<typeof probeRequestSchema>;

export const probeAnswerSchema = z.object({
  id: z.number(),
  inFlight: z.number(),
  lastBusyAt: z.number(),
  cachedWorkflows: z.number(),
  heapUsedBytes: z.number(),
  gcPauseMs: z.number(),
  /** GC pauses of the other threads (the SDK's workflow thread), summed. */
  threadGcPauseMs: z.number(),
  uptimeMs: z.number(),
});
export type ProbeAnswer = z.infer<typeof probeAnswerSchema>;

/** What bench/thread-gc.cjs posts from each thread other than the main one. */
const THREAD_GC_CHANNEL = 'kept-bench-thread-gc';
const threadGcReportSchema = z.object({ threadId: z.number(), pauseMs: z.number() });

/** Bench workers log warnings only: the bench's own output is the table. */
export function installQuietRuntime(): void {
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

export function serveProbe(worker: Worker): void {
  let lastBusyAt = Date.now();
  let gcPauseMs = 0;
  const markBusy = () => (lastBusyAt = Date.now());
  // Both the moment work arrives and the moment it ends count: settled = idle since lastBusyAt.
  worker.numInFlightActivations$.subscribe(markBusy);
  worker.numInFlightActivities$.subscribe(markBusy);
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcPauseMs += entry.duration;
  }).observe({ entryTypes: ['gc'] });
  const threadGcPauses = new Map<number, number>();
  const threadGc = new BroadcastChannel(THREAD_GC_CHANNEL);
  threadGc.unref();
  threadGc.onmessage = (message) => {
    const report = threadGcReportSchema.parse((message as { data: unknown }).data);
    threadGcPauses.set(report.threadId, report.pauseMs);
  };

  // The channel must not keep the process alive once the worker has stopped.
  process.channel?.unref();
  process.on('message', (message) => {
    const request = probeRequestSchema.parse(message);
    if (request.kind === 'heap') collectGarbage();
    const status = worker.getStatus();
    const answer: ProbeAnswer = {
      id: request.id,
      inFlight: status.numInFlightWorkflowActivations + status.numInFlightActivities,
      lastBusyAt,
      cachedWorkflows: status.numCachedWorkflows,
      heapUsedBytes: process.memoryUsage().heapUsed,
      gcPauseMs,
      threadGcPauseMs: [...threadGcPauses.values()].reduce((total, pauseMs) => total + pauseMs, 0),
      uptimeMs: process.uptime() * 1000,
    };
    process.send?.(answer);
  });
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('bench workers run with --expose-gc');
  gc();
  gc();
}

/** Options the bench hands every worker process through its environment. */
export const benchWorkerEnvSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1),
  BENCH_TASK_QUEUE: z.string().min(1),
  BENCH_WORKFLOW_BUNDLE: z.string().min(1),
  BENCH_SMTP_PORT: z.coerce.number().int().min(1),
  /** Workflows in the main thread (SDK debug mode), so the heap of cached workflows is measurable. */
  BENCH_WORKFLOWS_IN_MAIN_THREAD: z.stringbool().default(false),
});
export type BenchWorkerEnv = z.infer<typeof benchWorkerEnvSchema>;
