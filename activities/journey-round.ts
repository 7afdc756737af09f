import type { StatisticsAnswer, StatisticsExchange } from '../common/anticipation/statistics-contract';
import type { ImplicitPromiseResult } from '../workflows/journey/implicit-promises';
import type { createAnticipationActivities } from './anticipation/statistics-activities';
import type { ImplicitPromiseActivities, ImplicitPromiseReconcileRequest } from './implicit-promises';
import type { BrandConfig, createJourneyConfigActivities } from './journey-config';
import type { ForwardRequest, createJourneyForwardingActivities } from './journey-forwarding';
import { heartbeat } from './heartbeat';

/** What one round of a customer journey hands to the world: its new events, its promise changes. */
export interface JourneyRoundRequest {
  forward: ForwardRequest[];
  /** Absent: the implicit promises are in step, or another chunk of the round carries them. */
  reconcile?: ImplicitPromiseReconcileRequest;
  /** Generation 3: the brand config the round's planning will read (with the hash the journey holds). */
  config?: { brand: string; knownHash?: string };
  /** Generation 3: the round's exchange with the brand statistics. */
  statistics?: StatisticsExchange;
}

/** A read that failed says why: the journey then reads the config itself, or learns next round. */
export type RoundRead<T> = { answer: T } | { error: string };

export interface JourneyRoundResult {
  forwarded: number;
  /** One answer per promise change, as reconcileImplicitPromises gives them. */
  reconciled: ImplicitPromiseResult[];
  config?: RoundRead<BrandConfig>;
  statistics?: RoundRead<StatisticsAnswer>;
}

type RoundReads = ReturnType<typeof createJourneyConfigActivities> & ReturnType<typeof createAnticipationActivities>;

/**
 * A journey's round in one activity (issue 13): forwarding the round's events to their order
 * and case journeys, then bringing the implicit promises in step. As two activities they cost
 * the journey a second workflow task and six history events on every order event.
 *
 * Forwarding first, as the two activities ran: a retry resumes the forwarding where its last
 * heartbeat said (forwardToJourneys) and repeats the reconciliation, which is idempotent and
 * answers every failure per promise instead of throwing, so it never holds the forwarding back.
 *
 * From generation 3 the round also reads what its planning needs, the brand config and the
 * brand statistics, after the forwarding as the journey read them: as local activities they
 * cost the journey a marker each, and a workflow activation each. A read that fails never
 * fails the round: it answers its error, and the journey falls back to its local activity
 * (config) or learns next round (statistics), as before.
 */
export function createJourneyRoundActivities(
  forwarding: ReturnType<typeof createJourneyForwardingActivities>,
  promises: Pick<ImplicitPromiseActivities, 'reconcileImplicitPromises'>,
  reads: RoundReads,
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
        heartbeat(request.forward.length);
      }
      const { config, statistics } = request;
      return {
        forwarded,
        reconciled,
        ...(config ? { config: await read(() => reads.loadBrandConfig(config.brand, config.knownHash)) } : {}),
        ...(statistics ? { statistics: await read(() => reads.exchangeBrandStatistics(statistics)) } : {}),
      };
    },
  };
}

async function read<T>(load: () => Promise<T>): Promise<RoundRead<T>> {
  try {
    return { answer: await load() };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
