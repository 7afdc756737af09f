import { condition, defineQuery, setHandler } from '@temporalio/workflow';
import { recordEventUpdate } from '../../workflows/journey/messages';
import type { RecordEventResult } from '../../workflows/journey/state';

/**
 * Test-only: a journey as a worker built before `recordFollowUpEvent` runs it. It takes events
 * through `recordEvent` only, as that worker did, and says which it took; it has no handler for
 * the follow-up update, so a newer client's follow-up is refused unread.
 */
export const takenEventsQuery = defineQuery<string[]>('takenEvents');

export async function customerJourney(): Promise<void> {
  const taken: string[] = [];
  setHandler(takenEventsQuery, () => taken);
  setHandler(recordEventUpdate, (event): RecordEventResult => {
    const { eventId, type } = event as { eventId: string; type: string };
    taken.push(type);
    return { eventId, applied: true, duplicate: false, stage: 'purchase' };
  });
  await condition(() => false);
}
