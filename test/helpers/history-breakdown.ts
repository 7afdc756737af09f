import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/**
 * What one workflow's history is made of, event by event, named by cause (the activity, the
 * patch marker, the local activity) so a test can say where an event's cost goes.
 */
const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface HistoryCost {
  historyEvents: number;
  workflowTasks: number;
  activities: number;
  markers: number;
  /** Every event by kind and, where the history says it, cause: e.g. `ActivityTaskScheduled forwardToJourneys`. */
  kinds: Record<string, number>;
  /** The same labels in history order, for reading a round step by step. */
  sequence: string[];
}

export async function historyCost(client: Client, workflowId: string): Promise<HistoryCost> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return costOf(history.events ?? []);
}

export function costOf(events: HistoryEvent[]): HistoryCost {
  const cost: HistoryCost = {
    historyEvents: events.length,
    workflowTasks: 0,
    activities: 0,
    markers: 0,
    kinds: {},
    sequence: [],
  };
  const activityTypeByScheduledId = new Map<string, string>();
  for (const event of events) {
    if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) cost.workflowTasks += 1;
    if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      cost.activities += 1;
      activityTypeByScheduledId.set(
        String(event.eventId),
        event.activityTaskScheduledEventAttributes?.activityType?.name ?? '?',
      );
    }
    if (event.eventType === EventType.EVENT_TYPE_MARKER_RECORDED) cost.markers += 1;
    const label = `${kindOf(event)}${causeOf(event, activityTypeByScheduledId)}`;
    cost.kinds[label] = (cost.kinds[label] ?? 0) + 1;
    cost.sequence.push(`${label}${upsertDetail(event)}`);
  }
  return cost;
}

function kindOf(event: HistoryEvent): string {
  const name = EventType[event.eventType ?? 0] ?? String(event.eventType);
  return name
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_match, _sep: string, letter: string) => letter.toUpperCase());
}

function causeOf(event: HistoryEvent, activityTypes: Map<string, string>): string {
  const scheduled = event.activityTaskScheduledEventAttributes?.activityType?.name;
  if (scheduled) return ` ${scheduled}`;
  const scheduledId =
    event.activityTaskStartedEventAttributes?.scheduledEventId ??
    event.activityTaskCompletedEventAttributes?.scheduledEventId;
  if (scheduledId !== undefined && scheduledId !== null) return ` ${activityTypes.get(String(scheduledId)) ?? '?'}`;
  const marker = event.markerRecordedEventAttributes;
  if (marker) return ` ${marker.markerName ?? '?'}${markerDetail(marker)}`;
  const update = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name;
  if (update) return ` ${update}`;
  const signal = event.workflowExecutionSignaledEventAttributes?.signalName;
  if (signal) return ` ${signal}`;
  return '';
}

/** A patch marker names its patch id; a local activity its type. */
function markerDetail(marker: temporal.api.history.v1.IMarkerRecordedEventAttributes): string {
  const details = marker.details ?? {};
  for (const key of ['patch_id', 'data', 'type']) {
    const payload = details[key]?.payloads?.[0]?.data;
    if (!payload) continue;
    try {
      const value: unknown = JSON.parse(Buffer.from(payload).toString('utf8'));
      if (typeof value === 'string') return ` ${value}`;
      if (value && typeof value === 'object' && 'activityType' in value) return ` ${String(value.activityType)}`;
      // Core writes a local activity's marker data in snake case.
      if (value && typeof value === 'object' && 'activity_type' in value) return ` ${String(value.activity_type)}`;
    } catch {
      // Not JSON: no detail to show.
    }
  }
  return '';
}

/** Which search attributes an upsert wrote (the SDK writes some of its own). */
function upsertDetail(event: HistoryEvent): string {
  const fields = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
  return fields ? ` [${Object.keys(fields).join(',')}]` : '';
}

/**
 * A workflow's timers in history order: what it started (with the timer's summary), cancelled,
 * or saw fire. Says whether an event left a pending timer alone.
 */
export async function timerEvents(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    if (event.timerStartedEventAttributes) {
      const summary = event.userMetadata?.summary?.data;
      return [`started ${summary ? (JSON.parse(Buffer.from(summary).toString('utf8')) as string) : ''}`];
    }
    if (event.timerCanceledEventAttributes) return ['canceled'];
    if (event.timerFiredEventAttributes) return ['fired'];
    return [];
  });
}
