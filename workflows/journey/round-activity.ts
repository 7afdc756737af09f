import { log, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import { leanGeneration } from '../lean-patches';
import type { ForwardRequest } from '../../activities/journey-forwarding';
import type {
  JourneyRoundRequest,
  JourneyRoundResult,
  createJourneyRoundActivities,
} from '../../activities/journey-round';
import type { CaseEvent } from '../case/case-state';
import type { OrderEvent } from '../order/order-state';
import { forwardSummary, promiseChangesSummary } from './activity-summaries';
import {
  implicitPromiseChanges,
  initialImplicitPromiseSync,
  pruneImplicitPromises,
  recordSyncRound,
  type ImplicitPromiseSync,
} from './implicit-promises';
import { orderSeed } from './held-orders';
import type { ChildRoute, JourneyState } from './state';

// Forwarding's options: the activity heartbeats after every event and a retry resumes where
// the last attempt stopped, so the start-to-close timeout only has to fit one chunk, and a dead
// worker is noticed fast. Retried for ever: the reconciliation in it never fails as a whole.
const { runJourneyRound } = proxyActivities<ReturnType<typeof createJourneyRoundActivities>>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** At most this many events per forwarding activity: each completed chunk leaves the outbox. */
export const FORWARD_CHUNK = 100;

// Generation 4: a round this small (a live event: one forward, a promise or two) runs as a local
// activity, inside the workflow task that accepted the event: one marker, where an activity cost
// three history events, a second workflow task and two more round trips to the server. Larger
// rounds (imports) keep the activity, whose heartbeats let a retry resume mid-batch; a local
// activity's retry starts over, which forwarding and the promise changes allow (both apply an
// event or a change once), and for a few requests costs little.
export const LOCAL_ROUND_MAX_REQUESTS = 10;
const { runJourneyRound: runJourneyRoundInTask } = proxyLocalActivities<
  ReturnType<typeof createJourneyRoundActivities>
>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * A round's work outside the journey in one activity (generation-2 runs, see lean-patches.ts;
 * a local one for a small round since generation 4):
 * the outbox's events to their order and case journeys, a chunk at a time, and, with the last
 * chunk, the changes that bring the implicit promises in step (`reconcile`). Events accepted
 * meanwhile wait for the next round; the outbox is carried across continue-as-new.
 */
export async function runRoundActivity(
  outbox: ChildRoute[],
  state: JourneyState,
  reconcile: boolean,
  reads: RoundReadRequests = {},
): Promise<RoundReadAnswers> {
  const sync = reconcile ? (state.implicitPromises ??= initialImplicitPromiseSync()) : undefined;
  const changes = sync ? changesToMake(state, sync) : [];
  const promises = changes.length > 0 ? { reconcile: reconcileRequest(state, changes) } : {};
  const inTask = leanGeneration() >= 4 && outbox.length + changes.length <= LOCAL_ROUND_MAX_REQUESTS;
  const run = inTask ? runJourneyRoundInTask : runJourneyRound;
  let last: JourneyRoundResult | undefined;
  for (let left = outbox.length; ;) {
    const forward = outbox.slice(0, Math.min(FORWARD_CHUNK, left)).map((route) => forwardRequest(route, state));
    const isLast = forward.length === left;
    const request: JourneyRoundRequest = { forward, ...(isLast ? { ...promises, ...reads } : {}) };
    if (forward.length === 0 && !request.reconcile && !request.config && !request.statistics) break;
    const result = await run.executeWithOptions({ summary: roundSummary(request) }, [request]);
    outbox.splice(0, forward.length);
    left -= forward.length;
    if (isLast) {
      last = result;
      break;
    }
  }
  if (sync) noteFailing(sync, recordSyncRound(sync, last?.reconciled ?? [], Date.now()));
  return {
    ...(last?.config ? { config: last.config } : {}),
    ...(last?.statistics ? { statistics: last.statistics } : {}),
  };
}

/** What the round reads for its planning (generation 3): see activities/journey-round.ts. */
export type RoundReadRequests = Pick<JourneyRoundRequest, 'config' | 'statistics'>;
export type RoundReadAnswers = Pick<JourneyRoundResult, 'config' | 'statistics'>;

function changesToMake(state: JourneyState, sync: ImplicitPromiseSync) {
  pruneImplicitPromises(state, sync);
  return implicitPromiseChanges(state, sync.confirmed);
}

function reconcileRequest(state: JourneyState, changes: ReturnType<typeof implicitPromiseChanges>) {
  return { brand: state.brand, customerId: state.customerId, contact: contactOf(state), changes };
}

function noteFailing(sync: ImplicitPromiseSync, failing: string[]): void {
  if (failing.length === 0) return;
  log.warn('implicit promises out of step; retrying', {
    promiseIds: failing,
    retryAt: sync.retryAt,
    error: sync.lastError,
  });
}

/** "forward 1 event to order o-1; promises: make delivery-o-1" on the Temporal UI's Timeline. */
function roundSummary(request: JourneyRoundRequest): string {
  return [
    ...(request.forward.length > 0 ? [forwardSummary(request.forward)] : []),
    ...(request.reconcile ? [promiseChangesSummary(request.reconcile.changes)] : []),
    ...(request.config ? ['read brand config'] : []),
    ...(request.statistics ? ['exchange brand statistics'] : []),
  ].join('; ');
}

/** How the promises reach the customer: the journey's profile, as the promise workflows need it. */
export function contactOf(state: JourneyState) {
  const { name, email, phone, locale, timezone } = state.profile;
  return { name, email, phone, locale, timezone };
}

/** Only the new event travels: the order or case journey keeps its own state (bounded history). */
export function forwardRequest(route: ChildRoute, state: JourneyState): ForwardRequest {
  const common = {
    brand: state.brand,
    customerId: state.customerId,
    journeyWorkflowId: workflowInfo().workflowId,
    id: route.id,
  };
  if (route.kind === 'order') {
    const seed = route.startFromJourney ? orderSeed(state.orders[route.id]) : undefined;
    const zone = state.brandProfile?.timezone;
    return {
      ...common,
      kind: 'order',
      event: route.event as OrderEvent,
      ...(seed ? { seed } : {}),
      ...(zone ? { operatorZone: zone } : {}),
    };
  }
  return { ...common, kind: 'case', event: route.event as CaseEvent };
}
