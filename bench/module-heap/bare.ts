import { condition } from '@temporalio/workflow';

/** Probe: @temporalio/workflow alone, the floor every workflow pays. */
export async function heapProbe(): Promise<void> {
  await condition(() => false);
}
