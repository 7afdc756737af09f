import { defineUpdate } from '@temporalio/workflow';

/** The baseline workflow's one message, shared by the bench's client and the workflow. */
export interface BareEvent {
  eventId: string;
  type: string;
  email?: string;
  /** An instant the customer was promised something: the workflow wakes then. */
  dueAt?: string;
}

export interface BareEventResult {
  applied: boolean;
  duplicate: boolean;
}

export const bareEventUpdate = defineUpdate<BareEventResult, [BareEvent]>('bareEvent');
