import { allHandlersFinished, condition, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { parseEventBatch, parseLifecycleEvent, type LifecycleEvent } from '../../common/events';
import { KeptBrand, KeptCustomerId, KeptKind, KeptStage } from '../../common/search-attributes';
import { journeyStateQuery, recordEventsUpdate, recordEventUpdate } from './messages';
import { applyEvent, initialJourneyState, type JourneyState } from './state';

export interface CustomerJourneyInput {
  brand: string;
  customerId: string;
}

/** One durable journey per (brand, customer): the entity every lifecycle event lands on. */
export async function customerJourney(input: CustomerJourneyInput): Promise<void> {
  const state: JourneyState = initialJourneyState(input.brand, input.customerId, new Date().toISOString());

  setHandler(journeyStateQuery, () => state);
  setHandler(
    recordEventUpdate,
    (raw) => {
      const result = applyEvent(state, parseLifecycleEvent(raw));
      publish(state);
      return result;
    },
    { validator: (raw) => void validateEvent(raw, input) },
  );
  setHandler(
    recordEventsUpdate,
    (raw) => {
      const results = parseEventBatch(raw)
        .sort(byOccurredAt)
        .map((event) => applyEvent(state, event));
      publish(state);
      return results;
    },
    { validator: (raw) => parseEventBatch(raw).forEach((event) => validateEvent(event, input)) },
  );

  publish(state);
  await condition(() => false);
  await condition(allHandlersFinished);
}

/** Synchronous, so a throw rejects the update before anything is written to history. */
function validateEvent(raw: unknown, input: CustomerJourneyInput): LifecycleEvent {
  const event = parseLifecycleEvent(raw);
  if (event.brand !== input.brand || event.customerId !== input.customerId) {
    throw new Error(`event ${event.eventId} belongs to ${event.brand}/${event.customerId}, not this journey`);
  }
  return event;
}

const byOccurredAt = (a: LifecycleEvent, b: LifecycleEvent): number =>
  Date.parse(a.occurredAt) - Date.parse(b.occurredAt);

function publish(state: JourneyState): void {
  upsertSearchAttributes([
    { key: KeptBrand, value: state.brand },
    { key: KeptCustomerId, value: state.customerId },
    { key: KeptKind, value: 'journey' },
    { key: KeptStage, value: state.stage },
  ]);
  void workflowInfo;
}
