import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { PromiseContactOutcome } from '../../common/promises/customer-contact';
import type {
  CancelPromise,
  FulfilPromise,
  PromiseOutcome,
  PromiseState,
  ReassignPromise,
  RenegotiatePromise,
} from '../../common/promises/schema';

/** The promise workflow's messages; importable by the client without pulling in workflow code. */
export const promiseStateQuery = defineQuery<PromiseState>('promiseState');
export const fulfilPromiseUpdate = defineUpdate<PromiseOutcome, [FulfilPromise]>('fulfilPromise');
export const renegotiatePromiseUpdate = defineUpdate<PromiseState, [RenegotiatePromise]>('renegotiatePromise');
export const reassignPromiseUpdate = defineUpdate<PromiseState, [ReassignPromise]>('reassignPromise');
export const cancelPromiseUpdate = defineUpdate<PromiseOutcome, [CancelPromise]>('cancelPromise');
/**
 * Runs the promise's first workflow task now. A promise that a journey makes waits for its first
 * step before that task (a start delay, client/promises.ts), and a query is answered only after
 * it; an update is taken at once. So the client sends this before it reads such a promise.
 */
export const wakePromiseUpdate = defineUpdate<void>('wakePromise');
/** The customer's journey reports what became of a message about this promise (sent, deferred, task...). */
export const promiseContactOutcomeSignal = defineSignal<[PromiseContactOutcome]>('promiseContactOutcome');
