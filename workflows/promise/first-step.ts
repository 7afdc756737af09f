import type { PromiseWorkflowArgs } from '../../common/promises/schema';
import { planSteps } from './plan';
import { initialState } from './promise-state';

/**
 * When a new promise first has something to do: the first step of its plan (a reminder, the
 * at-risk point, a customer notice, else its due time). Until then its workflow would only
 * start a timer and sleep, so the promise a journey makes starts with a start delay up to
 * this instant (client/promises.ts): no workflow task, no timer, no worker time at placement.
 */
export function firstStepAt(input: PromiseWorkflowArgs): number {
  const steps = planSteps(initialState(input), input.profile, input.lateFulfilmentWindow, { atRiskByRecipient: true });
  return Math.min(...steps.map((step) => step.at));
}
