// Preloaded (`--require`) into every thread of a bench worker process. The SDK runs workflows in
// a worker thread whose GC the main thread's observer cannot see, so each other thread reports
// its GC pauses on a channel the probe (worker-probe.ts) listens to. Plain JavaScript: tsx
// registers itself in the main thread only, and this runs in the others.
const { PerformanceObserver } = require('node:perf_hooks');
const { BroadcastChannel, isMainThread, threadId } = require('node:worker_threads');

/** The same name as in worker-probe.ts. */
const THREAD_GC_CHANNEL = 'kept-bench-thread-gc';

if (!isMainThread) {
  const channel = new BroadcastChannel(THREAD_GC_CHANNEL);
  // Reporting must never keep a thread alive.
  channel.unref();
  let pauseMs = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pauseMs += entry.duration;
    channel.postMessage({ threadId, pauseMs });
  }).observe({ entryTypes: ['gc'] });
}
