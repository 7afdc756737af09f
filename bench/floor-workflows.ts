import {
  condition,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { KeptStage } from '../common/search-attributes';
import { bareEventUpdate, type BareEvent } from './bare-messages';
import type { FloorActivities } from './floor-activities';

/**
 * The floor: what Kept's shape costs on Temporal with none of Kept's logic, so the bench can
 * tell the cost of that shape (floor ÷ bare) from the cost of Kept's own code (Kept ÷ floor).
 * Per event, like a Kept journey: the update (once per event id), one local activity (Kept's
 * round: forwarding, promise changes, config and statistics reads), the stage as a search
 * attribute and a one-line memo (what operators search and read). A promised date starts a
 * second workflow from that activity, as Kept's delivery promise is, and it keeps the timer.
 */
const { floorRound } = proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '30 seconds' });

/** Remembered event ids, like Kept's (a journey remembers its latest 2,000). */
const REMEMBERED_EVENT_IDS = 2_000;

export async function floorCustomer(customerId: string): Promise<void> {
  const seen: string[] = [];
  const outbox: BareEvent[] = [];
  setHandler(bareEventUpdate, (event) => {
    if (seen.includes(event.eventId)) return { applied: false, duplicate: true };
    seen.push(event.eventId);
    if (seen.length > REMEMBERED_EVENT_IDS) seen.shift();
    outbox.push(event);
    return { applied: true, duplicate: false };
  });
  for (;;) {
    await condition(() => outbox.length > 0);
    const event = outbox.shift()!;
    await floorRound({ customerId, event });
    upsertSearchAttributes([{ key: KeptStage, value: event.type }]);
    upsertMemo({ summary: `Customer ${customerId}: last event ${event.type}` });
  }
}

/** The promise a promised date makes: it waits for its due time. */
export async function floorPromise(dueAt: string): Promise<void> {
  await sleep(Math.max(1, Date.parse(dueAt) - Date.now()));
}
