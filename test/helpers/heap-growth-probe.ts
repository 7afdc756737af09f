import { Worker } from 'node:worker_threads';
import { applyHeapGrowthFromEnv } from '../../workers/tuning';

/**
 * Run as a process of its own (test/worker-tuning.test.ts): applies KEPT_HEAP_GROWTH_PERCENT as
 * the worker's entry point does, then, in a worker thread as the SDK runs workflows, holds about
 * 100 MiB of live objects while it churns garbage, and prints the thread's peak used heap and
 * its live heap after a full GC, in MiB.
 */
applyHeapGrowthFromEnv();

const threadCode = `
const v8 = require('node:v8');
const live = [];
for (let i = 0; i < 300000; i += 1) live.push({ text: 'x'.repeat(200) + i, pair: [i, i + 1] });
let peak = 0;
for (let round = 0; round < 200; round += 1) {
  const garbage = [];
  for (let i = 0; i < 20000; i += 1) garbage.push({ text: 'y'.repeat(300) + i });
  peak = Math.max(peak, v8.getHeapStatistics().used_heap_size);
}
globalThis.gc();
const MiB = 1024 * 1024;
require('node:worker_threads').parentPort.postMessage({
  peakMiB: peak / MiB,
  liveMiB: v8.getHeapStatistics().used_heap_size / MiB,
  held: live.length,
});
`;

const thread = new Worker(threadCode, { eval: true });
thread.once('message', (measured: unknown) => console.log(JSON.stringify(measured)));
thread.once('error', (error) => {
  console.error(error);
  process.exitCode = 1;
});
