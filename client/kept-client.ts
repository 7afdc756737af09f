import {
  Client,
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  checkEventTimes,
  InvalidEventError,
  parseEventBatch,
  parseLifecycleEvent,
  type EventTimeBounds,
  type LifecycleEvent,
  type LifecycleEventInput,
} from '../common/events';
import { journeyWorkflowId } from '../common/ids';
import { KeptBrand, KeptCustomerId, KeptKind } from '../common/search-attributes';
import {
  journeyStateQuery,
  NOT_KNOWN_HERE,
  recordEventsUpdate,
  recordEventUpdate,
  recordFollowUpEventUpdate,
  type RecordEventContext,
  type RecordEventsOptions,
} from '../workflows/journey/messages';
import type { JourneyState, RecordEventResult } from '../workflows/journey/state';
import type { customerJourney } from '../workflows/journey/journey-workflow';
import { assertOwnsOrdersAndCases, journeyMayVouch, KnownOwners } from './ownership';
import { startedOnThisGeneration } from '../common/code-generation';
import type { ConfigHashOf } from './config-announcer';
import type { OutlooksOf } from './outlook-announcer';

export interface KeptClientOptions {
  client: Client;
  taskQueue: string;
  /**
   * The window around now that event times must fall in (see `liveEventTimeBounds` in
   * common/config.ts). Without it only Kept's fixed window applies: tests and backtests send
   * events in virtual time, which no real clock can judge.
   */
  timeBounds?: EventTimeBounds;
  /**
   * The brand config each event is sent with (client/config-announcer.ts), which spares the
   * journey a config read per round. Without it journeys read the config every round.
   */
  configHashOf?: ConfigHashOf;
  /**
   * The brand's transit outlook for each dispatch sent (client/outlook-announcer.ts), which
   * spares the journey its statistics read. Without it journeys read the statistics themselves.
   */
  outlooksOf?: OutlooksOf;
}

/**
 * The typed way in for backend systems. Every call validates its input with the same zod
 * schemas the workflows use, so a bad event fails here, naming its field, before any network.
 */
export class KeptClient {
  /** Owners of orders and cases found by earlier events (ownership.ts): later events skip the describe. */
  private readonly knownOwners = new KnownOwners();

  constructor(private readonly options: KeptClientOptions) {}

  /**
   * Records one event; starts the customer's journey if it is new (update-with-start). An event
   * of an order or case the journey already knows goes to it with no ownership describe.
   */
  async recordEvent(input: LifecycleEventInput): Promise<RecordEventResult> {
    const event = this.parse(input);
    const context = await this.contextFor([event]);
    if (journeyMayVouch(event, this.knownOwners)) {
      const result = await this.recordFollowUp(event, context);
      if (result) return result;
    }
    await assertOwnsOrdersAndCases(this.options.client, [event], this.knownOwners);
    return rethrowRejection(() =>
      this.options.client.workflow.executeUpdateWithStart(recordEventUpdate, {
        args: [event, context],
        startWorkflowOperation: this.startJourney(event),
      }),
    );
  }

  /**
   * Records one event on a journey that already exists, never starting one: for callers that
   * act for a customer Kept must already know (an unsubscribe link). WorkflowNotFoundError otherwise.
   */
  async recordEventOnExistingJourney(input: LifecycleEventInput): Promise<RecordEventResult> {
    const event = await this.admit(input);
    const handle = this.options.client.workflow.getHandle(journeyWorkflowId(event.brand, event.customerId));
    const context = await this.contextFor([event]);
    return rethrowRejection(() => handle.executeUpdate(recordEventUpdate, { args: [event, context] }));
  }

  /**
   * Records many events. They are grouped per customer and sent in `occurredAt` order,
   * one update per customer, so a journey sees its history in the order it happened.
   * The answer has one result per event sent, in the order sent.
   */
  async recordEvents(inputs: LifecycleEventInput[], options: RecordEventsOptions = {}): Promise<RecordEventResult[]> {
    const events = parseEventBatch(inputs);
    this.checkTimes(events);
    await assertOwnsOrdersAndCases(this.options.client, events, this.knownOwners);
    const resultOf = new Map<LifecycleEvent, RecordEventResult>();
    for (const group of groupByJourney(events).values()) {
      const context = await this.contextFor(group);
      const batchResults = await rethrowRejection(() =>
        this.options.client.workflow.executeUpdateWithStart(recordEventsUpdate, {
          args: [group, { ...options, ...context }],
          startWorkflowOperation: this.startJourney(group[0]!),
        }),
      );
      matchResults(group, batchResults).forEach((result, event) => resultOf.set(event, result));
    }
    return events.map((event) => resultOf.get(event)!);
  }

  /** Whether Kept knows this customer (a journey exists), without starting one. */
  async hasJourney(brand: string, customerId: string): Promise<boolean> {
    try {
      await this.options.client.workflow.getHandle(journeyWorkflowId(brand, customerId)).describe();
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }

  /** The whole state of a customer's journey. */
  async getJourney(brand: string, customerId: string): Promise<JourneyState> {
    return this.options.client.workflow.getHandle(journeyWorkflowId(brand, customerId)).query(journeyStateQuery);
  }

  /** Validates one event at the front door: vocabulary, time window, order and case ownership. */
  private async admit(input: LifecycleEventInput): Promise<LifecycleEvent> {
    const event = this.parse(input);
    await assertOwnsOrdersAndCases(this.options.client, [event], this.knownOwners);
    return event;
  }

  private parse(input: LifecycleEventInput): LifecycleEvent {
    const event = parseLifecycleEvent(input);
    this.checkTimes([event]);
    return event;
  }

  /**
   * Sends an event its journey vouches for, since it knows the event's order or case; undefined,
   * with nothing written, when it does not (or has no such handler, or there is no journey):
   * the caller then asks who owns it.
   */
  private async recordFollowUp(
    event: LifecycleEvent,
    context: RecordEventContext,
  ): Promise<RecordEventResult | undefined> {
    const handle = this.options.client.workflow.getHandle(journeyWorkflowId(event.brand, event.customerId));
    try {
      const result = await rethrowRejection(() =>
        handle.executeUpdate(recordFollowUpEventUpdate, { args: [event, context] }),
      );
      this.knownOwners.vouchedFor(event);
      return result;
    } catch (error) {
      if (isNotVouched(error)) return undefined;
      throw error;
    }
  }

  /**
   * What one customer's events are sent with besides themselves: the brand config's hash and
   * the transit outlooks of their dispatches, as far as this client knows them.
   */
  private async contextFor(events: readonly LifecycleEvent[]): Promise<RecordEventContext> {
    const configHash = await this.options.configHashOf?.(events[0]!.brand);
    const outlooks = (await this.options.outlooksOf?.(events)) ?? [];
    return { ...(configHash ? { configHash } : {}), ...(outlooks.length > 0 ? { outlooks } : {}) };
  }

  private checkTimes(events: readonly LifecycleEvent[]): void {
    const bounds = this.options.timeBounds;
    if (!bounds) return;
    const problems = events.flatMap((event, index) => {
      try {
        checkEventTimes(event, bounds);
        return [];
      } catch (error) {
        return [events.length > 1 ? `${index}.${(error as Error).message}` : (error as Error).message];
      }
    });
    if (problems.length > 0) throw new InvalidEventError(problems.join('; '));
  }

  private startJourney(event: LifecycleEvent) {
    return new WithStartWorkflowOperation<typeof customerJourney>('customerJourney', {
      workflowId: journeyWorkflowId(event.brand, event.customerId),
      taskQueue: this.options.taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [{ brand: event.brand, customerId: event.customerId, ...startedOnThisGeneration }],
      typedSearchAttributes: [
        { key: KeptBrand, value: event.brand },
        { key: KeptCustomerId, value: event.customerId },
        { key: KeptKind, value: 'journey' },
      ],
      staticSummary: `Customer journey of ${event.customerId} at ${event.brand}`,
    });
  }
}

/**
 * Pairs a journey's results with the events sent. Results come back in the journey's
 * (stable) occurredAt order, the order of `group`; an event id sent twice gets two results,
 * the first applied and the second a duplicate, so results are taken per id in turn,
 * never looked up by id alone.
 */
function matchResults(group: LifecycleEvent[], results: RecordEventResult[]): Map<LifecycleEvent, RecordEventResult> {
  const pending = new Map<string, RecordEventResult[]>();
  for (const result of results) pending.set(result.eventId, [...(pending.get(result.eventId) ?? []), result]);
  return new Map(group.map((event) => [event, pending.get(event.eventId)!.shift()!]));
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

/** The journey could not vouch for a follow-up event: no journey, no such order or case, or an older worker. */
function isNotVouched(error: unknown): boolean {
  if (error instanceof WorkflowNotFoundError) return true;
  const cause = error instanceof WorkflowUpdateFailedError ? error.cause : undefined;
  return (
    cause instanceof ApplicationFailure &&
    (cause.type === NOT_KNOWN_HERE || cause.message.startsWith('No registered handler for update'))
  );
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
