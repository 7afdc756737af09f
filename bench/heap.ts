import { inParallel } from './stats';
import type { BenchEvent, BenchSystem } from './systems';
import type { WorkerProcess } from './worker-process';

/**
 * Heap held by one cached workflow: a worker that runs its workflows in the main thread
 * (SDK debug mode; otherwise they live in a worker thread whose heap this process cannot
 * read) caches `customers` sleeping customers; the live heap after a full GC, before and
 * after, divided by the workflows it added to the cache. One customer first, so the
 * workflow code's own modules are loaded before the baseline is taken.
 */
export interface HeapResult {
  customers: number;
  cachedWorkflows: number;
  bytesPerCachedWorkflow: number;
}

export async function measureHeapPerCachedWorkflow(
  system: BenchSystem,
  worker: WorkerProcess,
  customers: number,
): Promise<HeapResult> {
  const sendFor = async (ids: string[]) => {
    const promisedAt = new Date(Date.now() + 3 * 86_400_000);
    await inParallel(ids, 16, (customerId) =>
      system.send({ kind: 'order.placed', customerId, promisedAt }).then(() => undefined),
    );
    await worker.settled();
    await inParallel(ids, 16, (customerId) =>
      system.send({ kind: 'shipment.dispatched', customerId } satisfies BenchEvent).then(() => undefined),
    );
    await worker.settled();
  };
  await sendFor(['heap-warm-up']);
  const before = await worker.probe('heap');
  await sendFor(Array.from({ length: customers }, (_, index) => `heap-${index}`));
  const after = await worker.probe('heap');
  const added = after.cachedWorkflows - before.cachedWorkflows;
  return {
    customers,
    cachedWorkflows: added,
    bytesPerCachedWorkflow: (after.heapUsedBytes - before.heapUsedBytes) / Math.max(added, 1),
  };
}
