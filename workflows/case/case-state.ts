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
  /** The case's most recent events (at most CASE_EVENT_WINDOW when bounded), in `occurredAt` order. */
  events: CaseEvent[];
  /** What the older events that left the window had set: the base the window folds onto. */
  folded?: CaseMilestones;
}

/** The fields a case's events set, without the events. */
export type CaseMilestones = Omit<CaseState, 'caseId' | 'events' | 'folded'>;

/** A long case (weekly updates for a year) keeps its latest events; older ones live on as milestones. */
export const CASE_EVENT_WINDOW = 20;
/** Every resolution is kept up to this many (a case reopened again and again keeps its latest). */
export const CASE_RESOLUTIONS_KEPT = 10;

export interface CaseFoldOptions {
  /** Keep at most this many events; older ones are folded into `folded`. Unbounded when absent. */
  window?: number;
}

const byOccurredAt = (a: LifecycleEvent, b: LifecycleEvent): number =>
  Date.parse(a.occurredAt) - Date.parse(b.occurredAt);

/** Folds a case's events in `occurredAt` order (late arrivals re-fold into the right place). */
export function foldCase(
  caseId: string,
  events: CaseEvent[],
  folded?: CaseMilestones,
  options: CaseFoldOptions = {},
): CaseState {
  const sorted = [...events].sort(byOccurredAt);
  const overflow = options.window === undefined ? 0 : Math.max(0, sorted.length - options.window);
  const base = overflow > 0 ? milestonesOf(foldOnto(caseId, sorted.slice(0, overflow), folded)) : folded;
  const state = foldOnto(caseId, sorted.slice(overflow), base);
  if (base) state.folded = base;
  if (options.window !== undefined) state.resolutions = state.resolutions.slice(-CASE_RESOLUTIONS_KEPT);
  state.resolved = state.status === 'resolved' && state.resolution?.outcome === 'resolved';
  return state;
}

function foldOnto(caseId: string, sorted: CaseEvent[], base: CaseMilestones | undefined): CaseState {
  const state: CaseState = {
    caseId,
    status: 'open',
    severity: 'normal',
    updates: 0,
    reopenCount: 0,
    resolutions: [],
    resolved: false,
    ...jsonCopy(base),
    events: sorted,
  };
  for (const event of sorted) applyCaseEvent(state, event);
  return state;
}

function milestonesOf(state: CaseState): CaseMilestones {
  const { caseId: _id, events: _events, folded: _folded, ...rest } = state;
  return jsonCopy({ ...rest, resolutions: rest.resolutions.slice(-CASE_RESOLUTIONS_KEPT) });
}

/** JSON copy: milestones are plain data, and a base must never share arrays with a state. */
const jsonCopy = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));

export function addCaseEvent(state: CaseState | undefined, event: CaseEvent, options: CaseFoldOptions = {}): CaseState {
  const events = state?.events ?? [];
  if (events.some((known) => known.eventId === event.eventId)) return state!;
  return foldCase(event.caseId, [...events, event], state?.folded, options);
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
