import type { LifecycleEvent, LifecycleStage } from '../../common/events';
import { stageOfEventType } from '../../common/events';

export interface StageChange {
  stage: LifecycleStage;
  enteredAt: string;
  leftAt?: string;
  /** The event that moved the journey here, in words an operator reads. */
  reason: string;
}

export interface JourneyState {
  brand: string;
  customerId: string;
  stage: LifecycleStage;
  stageHistory: StageChange[];
  eventsApplied: number;
  /** Recent event ids, to apply a redelivered event once. */
  recentEventIds: string[];
}

export interface RecordEventResult {
  eventId: string;
  applied: boolean;
  duplicate: boolean;
  stage: LifecycleStage;
}

export function initialJourneyState(brand: string, customerId: string, now: string): JourneyState {
  return {
    brand,
    customerId,
    stage: 'research',
    stageHistory: [{ stage: 'research', enteredAt: now, reason: 'journey started' }],
    eventsApplied: 0,
    recentEventIds: [],
  };
}

/** Applies one validated event; returns what happened. Pure: safe inside a workflow. */
export function applyEvent(state: JourneyState, event: LifecycleEvent): RecordEventResult {
  if (state.recentEventIds.includes(event.eventId)) {
    return { eventId: event.eventId, applied: false, duplicate: true, stage: state.stage };
  }
  state.recentEventIds.push(event.eventId);
  state.eventsApplied += 1;
  const next = stageOfEventType[event.type];
  if (next && next !== state.stage) moveStage(state, next, event.occurredAt, event.type);
  return { eventId: event.eventId, applied: true, duplicate: false, stage: state.stage };
}

function moveStage(state: JourneyState, stage: LifecycleStage, at: string, reason: string): void {
  const current = state.stageHistory[state.stageHistory.length - 1];
  if (current) current.leftAt = at;
  state.stageHistory.push({ stage, enteredAt: at, reason });
  state.stage = stage;
}
