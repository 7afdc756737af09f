import type { CaseOutcome, EventOfType, LifecycleEvent, Owner, Severity } from '../../common/events';

/** Events that belong to one service case (routed by `caseId`). */
export const caseEventTypes = ['issue.reported', 'case.updated', 'case.resolved', 'case.reopened'] as const;
export type CaseEventType = (typeof caseEventTypes)[number];
export type CaseEvent = EventOfType<CaseEventType> | (EventOfType<'survey.answered'> & { caseId: string });

export const isCaseEvent = (event: LifecycleEvent): event is CaseEvent =>
  (caseEventTypes as readonly string[]).includes(event.type) ||
  (event.type === 'survey.answered' && event.caseId !== undefined);

export type CaseStatus = 'open' | 'resolved';

export interface CaseResolution {
  outcome: CaseOutcome;
  rootCause: string;
  resolvedAt: string;
  note?: string;
}

export interface CaseState {
  caseId: string;
  status: CaseStatus;
  orderId?: string;
  sku?: string;
  severity: Severity;
  category?: string;
  channel?: string;
  summary?: string;
  owner?: Owner;
  openedAt?: string;
  firstResponseAt?: string;
  lastUpdateAt?: string;
  updates: number;
  reopenCount: number;
  /** The latest resolution; earlier ones stay in `resolutions`. */
  resolution?: CaseResolution;
  resolutions: CaseResolution[];
  /** The two measures above all others: was it resolved, and what was the experience. */
  resolved: boolean;
  satisfactionScore?: number;
  events: CaseEvent[];
}

const byOccurredAt = (a: LifecycleEvent, b: LifecycleEvent): number =>
  Date.parse(a.occurredAt) - Date.parse(b.occurredAt);

/** Folds a case's events in `occurredAt` order (late arrivals re-fold into the right place). */
export function foldCase(caseId: string, events: CaseEvent[]): CaseState {
  const state: CaseState = {
    caseId,
    status: 'open',
    severity: 'normal',
    updates: 0,
    reopenCount: 0,
    resolutions: [],
    resolved: false,
    events: [...events].sort(byOccurredAt),
  };
  for (const event of state.events) applyCaseEvent(state, event);
  state.resolved = state.status === 'resolved' && state.resolution?.outcome === 'resolved';
  return state;
}

export function addCaseEvent(state: CaseState | undefined, event: CaseEvent): CaseState {
  const events = state?.events ?? [];
  if (events.some((known) => known.eventId === event.eventId)) return state!;
  return foldCase(event.caseId, [...events, event]);
}

function applyCaseEvent(state: CaseState, event: CaseEvent): void {
  switch (event.type) {
    case 'issue.reported':
      Object.assign(state, {
        orderId: event.orderId,
        sku: event.sku,
        severity: event.severity,
        category: event.category,
        channel: event.channel,
        summary: event.summary,
        owner: event.owner ?? state.owner,
        openedAt: event.occurredAt,
      });
      break;
    case 'case.updated':
      state.updates += 1;
      state.lastUpdateAt = event.occurredAt;
      state.firstResponseAt ??= event.occurredAt;
      state.owner = event.owner ?? state.owner;
      state.severity = event.severity ?? state.severity;
      break;
    case 'case.resolved': {
      const resolution = {
        outcome: event.outcome,
        rootCause: event.rootCause,
        resolvedAt: event.occurredAt,
        note: event.note,
      };
      state.resolution = resolution;
      state.resolutions.push(resolution);
      state.firstResponseAt ??= event.occurredAt;
      state.status = 'resolved';
      break;
    }
    case 'case.reopened':
      state.reopenCount += 1;
      state.status = 'open';
      break;
    case 'survey.answered':
      state.satisfactionScore = event.score;
      break;
  }
}
