import { condition } from '@temporalio/workflow';
import { z } from 'zod';

/** Probe: zod imported, and one small object schema built, as a workflow module would. */
export const probeSchema = z.object({ id: z.string(), at: z.iso.datetime() });

export async function heapProbe(): Promise<void> {
  probeSchema.parse({ id: 'probe', at: '2026-01-01T00:00:00Z' });
  await condition(() => false);
}
