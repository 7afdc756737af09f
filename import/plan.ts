import {
  checkEventTimes,
  InvalidEventError,
  parseLifecycleEvent,
  type EventTimeBounds,
  type LifecycleEvent,
} from '../common/events';
import { journeyWorkflowId } from '../common/ids';
import { readImportRows } from './read-rows';

/** The journey's batch update takes at most this many events (eventBatchSchema). */
export const BATCH_SIZE = 500;

export interface RejectedRow {
  line: number;
  reason: string;
}

export interface CustomerPlan {
  journeyId: string;
  /** The customer's events in occurredAt order (file order for equal times), cut into batches. */
  batches: LifecycleEvent[][];
}

export interface ImportPlan {
  rows: number;
  validEvents: number;
  rejected: RejectedRow[];
  customers: CustomerPlan[];
}

/**
 * Reads and validates every row with the event vocabulary, and groups the valid events per
 * customer journey so each journey receives its history in order, one customer at a time.
 * With `timeBounds`, a row outside the window (e.g. in the future) is rejected with its line.
 */
export async function planImport(file: string, timeBounds?: EventTimeBounds): Promise<ImportPlan> {
  const rejected: RejectedRow[] = [];
  const byJourney = new Map<string, LifecycleEvent[]>();
  let rows = 0;
  let validEvents = 0;
  for await (const row of readImportRows(file)) {
    rows += 1;
    if ('error' in row) {
      rejected.push({ line: row.line, reason: row.error });
      continue;
    }
    try {
      const event = parseLifecycleEvent(row.value);
      if (timeBounds) checkEventTimes(event, timeBounds);
      const journeyId = journeyWorkflowId(event.brand, event.customerId);
      byJourney.set(journeyId, [...(byJourney.get(journeyId) ?? []), event]);
      validEvents += 1;
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      rejected.push({ line: row.line, reason: error.message });
    }
  }
  const customers = [...byJourney.entries()].map(([journeyId, events]) => ({
    journeyId,
    batches: cut(stableSortByTime(events)),
  }));
  return { rows, validEvents, rejected, customers };
}

function stableSortByTime(events: LifecycleEvent[]): LifecycleEvent[] {
  return events
    .map((event, index) => ({ event, index }))
    .sort((a, b) => a.event.occurredAt.localeCompare(b.event.occurredAt) || a.index - b.index)
    .map(({ event }) => event);
}

function cut(events: LifecycleEvent[]): LifecycleEvent[][] {
  const batches: LifecycleEvent[][] = [];
  for (let start = 0; start < events.length; start += BATCH_SIZE) batches.push(events.slice(start, start + BATCH_SIZE));
  return batches;
}
