import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { LifecycleEventInput } from '../../common/events';
import type { JourneyState, RecordEventResult } from './state';

/** Record one lifecycle event. Rejected by the validator (nothing in history) when malformed. */
export const recordEventUpdate = defineUpdate<RecordEventResult, [LifecycleEventInput]>('recordEvent');
/** Record a batch of events of one customer, applied in `occurredAt` order. */
export const recordEventsUpdate = defineUpdate<RecordEventResult[], [LifecycleEventInput[]]>('recordEvents');
/** The whole journey state, for operators and the API. */
export const journeyStateQuery = defineQuery<JourneyState>('journeyState');
