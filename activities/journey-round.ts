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
      const changes = request.reconcile?.changes ?? [];
      const reconciled = changes.length > 0 ? await promises.reconcileImplicitPromises(request.reconcile!) : [];
      return { forwarded, reconciled };
    },
  };
}
