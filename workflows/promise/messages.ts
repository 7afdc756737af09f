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
/** The customer's journey reports what became of a message about this promise (sent, deferred, task...). */
export const promiseContactOutcomeSignal = defineSignal<[PromiseContactOutcome]>('promiseContactOutcome');
