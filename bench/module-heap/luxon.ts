import { condition } from '@temporalio/workflow';
import { DateTime } from 'luxon';

/** Probe: luxon imported and used once in a named zone (which fills its per-zone caches). */
export async function heapProbe(): Promise<void> {
  DateTime.fromMillis(0, { zone: 'Europe/Berlin' }).startOf('day').toISO();
  await condition(() => false);
}
