import { condition } from '@temporalio/workflow';

/** Probe: every Kept workflow module evaluated (the whole Kept bundle), the workflow itself idle. */
export * from '../../workflows';

export async function heapProbe(): Promise<void> {
  await condition(() => false);
}
