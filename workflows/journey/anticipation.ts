import { log, patched, proxyLocalActivities } from '@temporalio/workflow';
import { isLeanRun, leanGeneration } from '../lean-patches';
import type { createAnticipationActivities } from '../../activities/anticipation/statistics-activities';
import {
  TRANSIT_METRIC,
  transitScopes,
  type CarriedOutlook,
  type StatisticsAnswer,
  type StatisticsExchange,
} from '../../common/anticipation/statistics-contract';
import { awaitsDelivery } from '../../common/anticipation/late-notice';
import { MIN_LEARNED_SAMPLES } from '../../common/anticipation/conditional-risk';
import {
  anticipationOf,
  hasAnticipationWork,
  noteBrandCadence,
  SKU_READ_PREFIX,
  staleReads,
} from './anticipation-state';
import type { JourneyState } from './state';

const { exchangeBrandStatistics } = proxyLocalActivities<ReturnType<typeof createAnticipationActivities>>({
  startToCloseTimeout: '10 seconds',
  // Bounded: statistics that cannot be reached leave the journey on its last outlook (or the default).
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 5 },
});

/**
 * One exchange with the brand's statistics: the deliveries this journey saw go in (the store
 * counts each order once), and each stale order that awaits delivery gets the brand's transit
 * sketch for its scope. A local activity: its answer is in history, so a replay plans the
 * same notice. Journeys recorded before anticipation learned nothing (patch
 * `anticipate-statistics-v1`); their queue is dropped.
 *
 * Answers whether it (re)read the outlook of any order awaiting delivery: the caller plans
 * the notice from it even when no live event asks for planning (imported history).
 */
export async function exchangeStatistics(state: JourneyState): Promise<boolean> {
  const exchange = takeStatisticsExchange(state);
  if (!exchange) return false;
  try {
    return learnFromAnswer(state, await exchangeBrandStatistics(exchange));
  } catch (error) {
    return learnNothing(state, exchange, error instanceof Error ? error.message : String(error));
  }
}

/**
 * The round's exchange, taken out of the state: the deliveries to record and the stale
 * outlooks to read. Undefined when there is nothing to exchange (journeys recorded before
 * anticipation drop their queue here, see exchangeStatistics).
 */
export function takeStatisticsExchange(state: JourneyState): StatisticsExchange | undefined {
  if (!hasAnticipationWork(state)) return undefined;
  const anticipation = anticipationOf(state);
  if (!(isLeanRun() || patched('anticipate-statistics-v1'))) {
    anticipation.toLearn = [];
    anticipation.stale = [];
    anticipation.staleSkus = [];
    return undefined;
  }
  const observations = anticipation.toLearn.splice(0);
  const reads = staleReads(state);
  anticipation.stale = [];
  anticipation.staleSkus = [];
  if (observations.length === 0 && reads.length === 0) return undefined;
  return { brand: state.brand, observations, reads, minSamples: MIN_LEARNED_SAMPLES };
}

/** The answer's sketches into the journey; true when an outlook of an order awaiting delivery was read. */
export function learnFromAnswer(state: JourneyState, answer: StatisticsAnswer): boolean {
  const anticipation = anticipationOf(state);
  let outlooksRead = false;
  for (const learned of answer.learned) {
    if (learned.id.startsWith(SKU_READ_PREFIX)) {
      noteBrandCadence(anticipation, learned.id.slice(SKU_READ_PREFIX.length), learned.sketch);
      continue;
    }
    const order = state.orders[learned.id];
    if (!order?.dispatchedAt || !order.promisedDeliveryAt) continue;
    anticipation.lateRisk[learned.id] = {
      ...(learned.scope ? { scope: learned.scope } : {}),
      ...(learned.sketch ? { sketch: learned.sketch } : {}),
      samples: learned.samples,
      // A brand's first deliveries count with the default as a prior instead of being ignored
      // until 20 (issue 12: cold start), and quiet hours move a notice earlier, never later.
      // Outlooks recorded before keep the old rules on replay.
      ...(leanGeneration() >= 2 || patched('antic2-late-notice-plan') ? { planning: 'antic2' as const } : {}),
      dispatchedAt: order.dispatchedAt,
      promisedAt: order.promisedDeliveryAt,
    };
    outlooksRead = true;
  }
  return outlooksRead;
}

/** Learning is best effort: the deliveries wait for the next exchange, the outlooks stay as they were. */
export function learnNothing(state: JourneyState, exchange: StatisticsExchange, error: string): false {
  const anticipation = anticipationOf(state);
  anticipation.toLearn = [...exchange.observations, ...anticipation.toLearn];
  const unread = exchange.reads.map((read) => read.id);
  anticipation.stale = [...new Set([...unread.filter((id) => !id.startsWith(SKU_READ_PREFIX)), ...anticipation.stale])];
  anticipation.staleSkus = unread
    .filter((id) => id.startsWith(SKU_READ_PREFIX))
    .map((id) => id.slice(SKU_READ_PREFIX.length));
  log.warn('brand statistics unavailable', { error });
  return false;
}

/**
 * Generation 8: outlooks the event's sender read for it (client/outlook-announcer.ts), taken
 * in place of the journey's own read when they answer exactly the read it would make now: the
 * same order awaiting delivery, the same scopes, the same threshold. The order then leaves the
 * stale list, so the round asks the statistics nothing for it; a dispatch's round, whose only
 * local activity was that read, has none. Anything else is left to the journey's exchange.
 * The outlooks are in the update's input, so a replay takes the same ones.
 *
 * Answers whether an outlook of an order awaiting delivery was taken (as exchangeStatistics).
 */
export function learnCarriedOutlooks(state: JourneyState, outlooks: readonly CarriedOutlook[]): boolean {
  const anticipation = anticipationOf(state);
  const taken = outlooks.filter((outlook) => answersOwnRead(state, outlook));
  if (taken.length === 0) return false;
  const ids = new Set(taken.map((outlook) => outlook.read.id));
  anticipation.stale = anticipation.stale.filter((orderId) => !ids.has(orderId));
  return learnFromAnswer(state, { recorded: 0, learned: taken.map((outlook) => outlook.learned) });
}

function answersOwnRead(state: JourneyState, { read, minSamples }: CarriedOutlook): boolean {
  const order = state.orders[read.id];
  if (!order || !awaitsDelivery(order) || !anticipationOf(state).stale.includes(read.id)) return false;
  if (read.metric !== TRANSIT_METRIC || minSamples !== MIN_LEARNED_SAMPLES) return false;
  const scopes = transitScopes(order.shipping);
  return scopes.length === read.scopes.length && scopes.every((scope, index) => scope === read.scopes[index]);
}
