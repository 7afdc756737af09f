import {
  condition,
  proxyLocalActivities,
  setHandler,
  sleep,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { KeptStage } from '../common/search-attributes';
import { bareEventUpdate, type BareEvent } from './bare-messages';
import type { FloorActivities } from './floor-activities';
import { floorPromiseId } from './floor-ids';

/**
 * The floor: what Kept's shape costs on Temporal with none of Kept's logic, so the bench can
 * tell the cost of that shape (floor ÷ bare) from the cost of Kept's own code (Kept ÷ floor).
 * Per event, like a Kept journey: the update (once per event id), one local activity (Kept's
 * round: forwarding, promise changes, config and statistics reads), the stage as a search
 * attribute and a one-line memo (what operators search and read). A promised date starts a
 * second workflow from that activity, as Kept's delivery promise is, and it keeps the timer.
 */
const { floorRound } = proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '30 seconds' });

// The update handler below is bare's, copied rather than shared: a module of its own in the
// bare bundle would change the baseline's heap per workflow, which Kept's is measured against.
/** Remembered event ids, like Kept's (a journey remembers its latest 2,000). */
const REMEMBERED_EVENT_IDS = 2_000;

/** Which parts of Kept's shape the floor does (`--floor-shape`): all of them unless told. */
export interface FloorShape {
  /** A local activity per event. */
  round: boolean;
  /** A search attribute per event (what operators search). */
  attributes: boolean;
  /** A memo per event (the summary operators read). */
  memo: boolean;
  /** A second workflow per promised date (started from the round, or from the workflow without one). */
  promise: boolean;
}

export async function floorCustomer(customerId: string, shape?: FloorShape): Promise<void> {
  const { round, attributes, memo, promise } = shape ?? { round: true, attributes: true, memo: true, promise: true };
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
    const startsPromise = promise && event.type === 'order.placed' && event.dueAt !== undefined;
    if (round) await floorRound({ customerId, event: startsPromise ? event : { ...event, dueAt: undefined } });
    else if (startsPromise)
      await startChild(floorPromise, { args: [event.dueAt!], workflowId: floorPromiseId(customerId) });
    // Without a promise workflow the customer's workflow keeps the timer, as bare's does.
    if (!startsPromise && event.dueAt) void sleep(Math.max(1, Date.parse(event.dueAt) - Date.now()));
    if (attributes) upsertSearchAttributes([{ key: KeptStage, value: event.type }]);
    if (memo) upsertMemo({ summary: `Customer ${customerId}: last event ${event.type}` });
  }
}

/** The promise a promised date makes: it waits for its due time. */
export async function floorPromise(dueAt: string): Promise<void> {
  await sleep(Math.max(1, Date.parse(dueAt) - Date.now()));
}
