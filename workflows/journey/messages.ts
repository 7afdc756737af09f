import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { LifecycleEventInput } from '../../common/events';
import type { RecordEventContextInput } from '../../common/event-context';
import type { PromiseContactRequestInput } from '../../common/promises/customer-contact';
import type { ContactRequestInput } from './outreach-state';
import type { JourneyState, RecordEventResult } from './state';

/**
 * What the sender of an event knows besides the event (common/event-context.ts): the hash of
 * the brand's config as it reads it (generation 7) and the transit outlooks of its dispatches
 * (generation 8), each of which spares the journey a read.
 */
export type RecordEventContext = NonNullable<RecordEventContextInput>;

/** Record one lifecycle event. Rejected by the validator (nothing in history) when malformed. */
export const recordEventUpdate = defineUpdate<RecordEventResult, [LifecycleEventInput, RecordEventContext?]>(
  'recordEvent',
);
/**
 * Record one event of an order or case this journey already knows: the sender asked nobody
 * who owns it (client/ownership.ts), so the validator refuses it, nothing written, when the
 * journey does not know the order or case (`NOT_KNOWN_HERE`); the sender then asks and sends
 * it with `recordEvent`. Every order or case a journey knows came to it through that check.
 * A new update name rather than a flag: a worker without this handler refuses it unread
 * ("No registered handler"), where an unknown flag would be dropped and the check skipped.
 */
export const recordFollowUpEventUpdate = defineUpdate<RecordEventResult, [LifecycleEventInput, RecordEventContext?]>(
  'recordFollowUpEvent',
);
/** The error type `recordFollowUpEvent`'s validator refuses with. */
export const NOT_KNOWN_HERE = 'NotKnownHereError';

export interface RecordEventsOptions extends RecordEventContext {
  /**
   * 'none' for history imported after the fact: the events shape the journey but Kept
   * sends nothing about them (no "your parcel is late" for a parcel delivered in 2023).
   */
  outreach?: 'normal' | 'none';
}

/** Record a batch of events of one customer, applied in `occurredAt` order. */
export const recordEventsUpdate = defineUpdate<
  RecordEventResult[],
  [LifecycleEventInput[], RecordEventsOptions | undefined]
>('recordEvents');

/** Ask the journey to contact the customer (a promise's notice, an operator's note, ...). */
export const requestContactUpdate = defineUpdate<{ key: string; added: boolean }, [ContactRequestInput]>(
  'requestContact',
);
/** Hold all pending outreach for the customer, or for one order, until resumed or `until`. */
export const pauseOutreachUpdate = defineUpdate<
  { paused: number },
  [{ orderId?: string; until?: string; reason: string }]
>('pauseOutreach');
export const resumeOutreachUpdate = defineUpdate<{ resumed: number }, [{ orderId?: string }]>('resumeOutreach');
/** Cancel all pending outreach for the customer, or for one order (`sending`: one already on its way). */
export const cancelOutreachUpdate = defineUpdate<
  { cancelled: number; sending?: string },
  [{ orderId?: string; reason: string }]
>('cancelOutreach');

/**
 * A promise workflow reports its state, so the journey counts open and at-risk promises and
 * shows them, with their due time, to operators (`dueAt`: absent from promises made before it was sent).
 */
export const promiseStatusSignal =
  defineSignal<[{ promiseId: string; status: string; dueAt?: string }]>('promiseStatus');
/**
 * A promise workflow asks the journey to tell the customer something (notice, apology, ...):
 * it goes through the contact policy like every other contact. Validated in the handler;
 * an invalid request is logged and dropped (a signal cannot be rejected).
 */
export const promiseContactSignal = defineSignal<[PromiseContactRequestInput]>('promiseContact');
/** The whole journey state, for operators and the API. */
export const journeyStateQuery = defineQuery<JourneyState>('journeyState');
