import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/**
 * What an event costs in Temporal terms, read from the workflows' histories: workflow tasks
 * (each a round trip worker ↔ server), activities, local activities (markers), history
 * events; and how late timers woke the workflow.
 */
const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface HistoryCounts {
  workflows: number;
  workflowTasks: number;
  activities: number;
  localActivities: number;
  historyEvents: number;
}

export const noCounts: HistoryCounts = {
  workflows: 0,
  workflowTasks: 0,
  activities: 0,
  localActivities: 0,
  historyEvents: 0,
};

async function historyOf(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return history.events ?? [];
}

export async function countHistories(client: Client, workflowIds: string[]): Promise<HistoryCounts> {
  const counts = { ...noCounts };
  for (const workflowId of workflowIds) {
    const events = await historyOf(client, workflowId);
    counts.workflows += 1;
    counts.historyEvents += events.length;
    for (const event of events) {
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) counts.workflowTasks += 1;
      if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) counts.activities += 1;
      if (event.eventType === EventType.EVENT_TYPE_MARKER_RECORDED) counts.localActivities += 1;
    }
  }
  return counts;
}

export function addCounts(a: HistoryCounts, b: HistoryCounts, sign = 1): HistoryCounts {
  return {
    workflows: a.workflows + sign * b.workflows,
    workflowTasks: a.workflowTasks + sign * b.workflowTasks,
    activities: a.activities + sign * b.activities,
    localActivities: a.localActivities + sign * b.localActivities,
    historyEvents: a.historyEvents + sign * b.historyEvents,
  };
}

export function divideCounts(counts: HistoryCounts, by: number): HistoryCounts {
  const per = (value: number) => value / Math.max(by, 1);
  return {
    workflows: per(counts.workflows),
    workflowTasks: per(counts.workflowTasks),
    activities: per(counts.activities),
    localActivities: per(counts.localActivities),
    historyEvents: per(counts.historyEvents),
  };
}

/**
 * For every timer that fired: how long after its due instant the workflow's next task
 * started, i.e. when the workflow code could act on it (server time, from the history).
 */
export async function timerLatenessMs(client: Client, workflowIds: string[]): Promise<number[]> {
  const lateness: number[] = [];
  for (const workflowId of workflowIds) {
    const events = await historyOf(client, workflowId);
    const dueAtByTimerEvent = new Map<string, number>();
    for (const [index, event] of events.entries()) {
      if (event.eventType === EventType.EVENT_TYPE_TIMER_STARTED) {
        const timeout = event.timerStartedEventAttributes?.startToFireTimeout;
        dueAtByTimerEvent.set(String(event.eventId), millisOf(event.eventTime) + durationMs(timeout));
      }
      if (event.eventType === EventType.EVENT_TYPE_TIMER_FIRED) {
        const dueAt = dueAtByTimerEvent.get(String(event.timerFiredEventAttributes?.startedEventId));
        const taskStarted = events
          .slice(index + 1)
          .find((next) => next.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
        if (dueAt !== undefined && taskStarted) lateness.push(millisOf(taskStarted.eventTime) - dueAt);
      }
    }
  }
  return lateness;
}

function millisOf(timestamp: temporal.api.history.v1.IHistoryEvent['eventTime']): number {
  return Number(timestamp?.seconds ?? 0) * 1000 + Math.floor((timestamp?.nanos ?? 0) / 1e6);
}

function durationMs(duration: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return Number(duration?.seconds ?? 0) * 1000 + Math.floor((duration?.nanos ?? 0) / 1e6);
}
