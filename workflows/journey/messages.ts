import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { LifecycleEventInput } from '../../common/events';
import type { JourneyState, RecordEventResult } from './state';

/** Record one lifecycle event. Rejected by the validator (nothing in history) when malformed. */
export const recordEventUpdate = defineUpdate<RecordEventResult, [LifecycleEventInput]>('recordEvent');
/** Record a batch of events of one customer, applied in `occurredAt` order. */
export const recordEventsUpdate = defineUpdate<RecordEventResult[], [LifecycleEventInput[]]>('recordEvents');
/** The whole journey state, for operators and the API. */
export const journeyStateQuery = defineQuery<JourneyState>('journeyState');

/** A child journey (order or case) tells its customer journey that it has finished. */
export const childClosedSignal = defineSignal<[{ kind: 'order' | 'case'; id: string }]>('childClosed');
