import { Context } from '@temporalio/activity';
import type { ImplicitPromiseResult } from '../workflows/journey/implicit-promises';
import type { ImplicitPromiseActivities, ImplicitPromiseReconcileRequest } from './implicit-promises';
import type { ForwardRequest, createJourneyForwardingActivities } from './journey-forwarding';

/** What one round of a customer journey hands to the world: its new events, its promise changes. */
export interface JourneyRoundRequest {
  forward: ForwardRequest[];
  /** Absent: the implicit promises are in step, or another chunk of the round carries them. */
  reconcile?: ImplicitPromiseReconcileRequest;
}

export interface JourneyRoundResult {
  forwarded: number;
  /** One answer per promise change, as reconcileImplicitPromises gives them. */
  reconciled: ImplicitPromiseResult[];
}

/**
 * A journey's round in one activity (issue 13): forwarding the round's events to their order
 * and case journeys, then bringing the implicit promises in step. As two activities they cost
 * the journey a second workflow task and six history events on every order event.
 *
 * Forwarding first, as the two activities ran: a retry resumes the forwarding where its last
 * heartbeat said (forwardToJourneys) and repeats the reconciliation, which is idempotent and
 * answers every failure per promise instead of throwing, so it never holds the forwarding back.
 */
export function createJourneyRoundActivities(
  forwarding: ReturnType<typeof createJourneyForwardingActivities>,
  promises: Pick<ImplicitPromiseActivities, 'reconcileImplicitPromises'>,
) {
  return {
    async runJourneyRound(request: JourneyRoundRequest): Promise<JourneyRoundResult> {
      const forwarded = request.forward.length > 0 ? await forwarding.forwardToJourneys(request.forward) : 0;
      const reconciled: ImplicitPromiseResult[] = [];
      for (const change of request.reconcile?.changes ?? []) {
        reconciled.push(...(await promises.reconcileImplicitPromises({ ...request.reconcile!, changes: [change] })));
        // One change at a time, with a heartbeat after each: the round's heartbeat timeout
        // (10 s) must not end an attempt that is making progress on many promises. The detail
        // stays forwarding's progress (all forwarded), so a retry does not forward again.
        Context.current().heartbeat(request.forward.length);
      }
      return { forwarded, reconciled };
    },
  };
}
