import { Client, WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  InvalidEventError,
  parseEventBatch,
  parseLifecycleEvent,
  type LifecycleEvent,
  type LifecycleEventInput,
} from '../common/events';
import { journeyWorkflowId } from '../common/ids';
import { KeptBrand, KeptCustomerId, KeptKind } from '../common/search-attributes';
import {
  journeyStateQuery,
  recordEventsUpdate,
  recordEventUpdate,
  type RecordEventsOptions,
} from '../workflows/journey/messages';
import type { JourneyState, RecordEventResult } from '../workflows/journey/state';
import type { customerJourney } from '../workflows/journey/journey-workflow';

export interface KeptClientOptions {
  client: Client;
  taskQueue: string;
}

/**
 * The typed way in for backend systems. Every call validates its input with the same zod
 * schemas the workflows use, so a bad event fails here, naming its field, before any network.
 */
export class KeptClient {
  constructor(private readonly options: KeptClientOptions) {}

  /** Records one event; starts the customer's journey if it is new (update-with-start). */
  async recordEvent(input: LifecycleEventInput): Promise<RecordEventResult> {
    const event = parseLifecycleEvent(input);
    return rethrowRejection(() =>
      this.options.client.workflow.executeUpdateWithStart(recordEventUpdate, {
        args: [event],
        startWorkflowOperation: this.startJourney(event),
      }),
    );
  }

  /**
   * Records many events. They are grouped per customer and sent in `occurredAt` order,
   * one update per customer, so a journey sees its history in the order it happened.
   */
  async recordEvents(inputs: LifecycleEventInput[], options: RecordEventsOptions = {}): Promise<RecordEventResult[]> {
    const events = parseEventBatch(inputs);
    const results = new Map<string, RecordEventResult>();
    for (const group of groupByJourney(events).values()) {
      const batchResults = await rethrowRejection(() =>
        this.options.client.workflow.executeUpdateWithStart(recordEventsUpdate, {
          args: [group, options],
          startWorkflowOperation: this.startJourney(group[0]!),
        }),
      );
      for (const result of batchResults) results.set(result.eventId, result);
    }
    return events.map((event) => results.get(event.eventId)!);
  }

  /** The whole state of a customer's journey. */
  async getJourney(brand: string, customerId: string): Promise<JourneyState> {
    return this.options.client.workflow.getHandle(journeyWorkflowId(brand, customerId)).query(journeyStateQuery);
  }

  private startJourney(event: LifecycleEvent) {
    return new WithStartWorkflowOperation<typeof customerJourney>('customerJourney', {
      workflowId: journeyWorkflowId(event.brand, event.customerId),
      taskQueue: this.options.taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [{ brand: event.brand, customerId: event.customerId }],
      typedSearchAttributes: [
        { key: KeptBrand, value: event.brand },
        { key: KeptCustomerId, value: event.customerId },
        { key: KeptKind, value: 'journey' },
      ],
      staticSummary: `Customer journey of ${event.customerId} at ${event.brand}`,
    });
  }
}

function groupByJourney(events: LifecycleEvent[]): Map<string, LifecycleEvent[]> {
  const groups = new Map<string, LifecycleEvent[]>();
  const sorted = [...events].sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
  for (const event of sorted) {
    const id = journeyWorkflowId(event.brand, event.customerId);
    groups.set(id, [...(groups.get(id) ?? []), event]);
  }
  return groups;
}

/**
 * A journey's validator rejected the event: surface its message as an InvalidEventError.
 * An update that reached the journey just as it continued as new is rejected unprocessed
 * (nothing was written); it is sent again, to the new run. Event ids make that safe.
 */
const RESOURCE_EXHAUSTED = 8;

async function rethrowRejection<T>(call: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const cause = error instanceof WorkflowUpdateFailedError ? error.cause : undefined;
      if (cause instanceof ApplicationFailure && cause.type === 'InvalidEventError') {
        throw new InvalidEventError(cause.message, { cause: error });
      }
      if (attempt < attempts && cause && /wasn't processed by worker/.test(cause.message)) continue;
      // The server limits updates in flight per workflow: a burst for one customer waits its turn.
      if (attempt < attempts && (error as { code?: number }).code === RESOURCE_EXHAUSTED) {
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
        continue;
      }
      throw error;
    }
  }
}
