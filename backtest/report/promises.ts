import type { CapturedPromise } from '../capture';
import { promiseOutcomes, type Example, type PromiseFigures } from './schema';
import { counted, groupBy, ratio } from './stats';

export const KEPT_RATE_COUNTS =
  'kept-rate = kept on time / decided promises. Decided = kept + kept late + renegotiated + breached + ' +
  'open past their due time at the end of the run (a breach the run did not see settled counts against it). ' +
  'Cancelled promises and open ones not yet due are left out.';

/** Promises made during the run and how they ended, with a kept-rate that cannot hide an overdue promise. */
export function promiseFigures(promises: readonly CapturedPromise[], runEnd: string): PromiseFigures {
  const example = (promise: CapturedPromise): Example => ({
    customerId: promise.customerId,
    brand: promise.brand,
    ...(promise.orderId ? { orderId: promise.orderId } : {}),
    ...(promise.caseId ? { caseId: promise.caseId } : {}),
    note: `${promise.kind} ${promise.promiseId}`,
  });
  const withOutcome = (outcome: CapturedPromise['outcome']) => promises.filter((p) => p.outcome === outcome);
  const openOverdue = withOutcome('open').filter((promise) => Date.parse(promise.dueAt) < Date.parse(runEnd));
  const kept = withOutcome('kept').length;
  const undecided = withOutcome('cancelled').length + withOutcome('open').length - openOverdue.length;
  return {
    made: promises.length,
    outcomes: Object.fromEntries(
      promiseOutcomes.map((outcome) => [outcome, counted(withOutcome(outcome).map(example))]),
    ) as PromiseFigures['outcomes'],
    openOverdue: counted(openOverdue.map(example)),
    keptRate: ratio(kept, promises.length - undecided),
    keptRateCounts: KEPT_RATE_COUNTS,
    byKind: groupBy(promises, (promise) => promise.kind).map(([kind, group]) => ({
      kind,
      made: group.length,
      kept: group.filter((promise) => promise.outcome === 'kept').length,
    })),
  };
}
