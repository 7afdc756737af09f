import { PerformanceObserver } from 'node:perf_hooks';
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';

/**
 * Preloaded (`--import`) into every thread of a bench worker process. The SDK runs workflows in
 * a worker thread whose GC the main thread's observer cannot see, so each other thread reports
 * its GC pauses on a channel the probe (worker-probe.ts) listens to.
 */
export const THREAD_GC_CHANNEL = 'kept-bench-thread-gc';

export interface ThreadGcReport {
  threadId: number;
  pauseMs: number;
}

if (!isMainThread) {
  const channel = new BroadcastChannel(THREAD_GC_CHANNEL);
  // Reporting must never keep a thread alive.
  channel.unref();
  let pauseMs = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pauseMs += entry.duration;
    channel.postMessage({ threadId, pauseMs } satisfies ThreadGcReport);
  }).observe({ entryTypes: ['gc'] });
}
