import { chooseSketch } from '../activities/anticipation/statistics-activities';
import type { BrandStatisticsStore } from '../activities/anticipation/brand-statistics';
import { MIN_LEARNED_SAMPLES } from '../common/anticipation/conditional-risk';
import {
  MAX_CARRIED_OUTLOOKS,
  TRANSIT_METRIC,
  transitScopes,
  type CarriedOutlook,
  type StatisticsRead,
} from '../common/anticipation/statistics-contract';
import type { LifecycleEvent } from '../common/events';

/** The outlooks to send with these events (at most MAX_CARRIED_OUTLOOKS); none when there is nothing to read. */
export type OutlooksOf = (events: readonly LifecycleEvent[]) => Promise<CarriedOutlook[]>;

/**
 * Reads, for each `shipment.dispatched` sent, the brand's transit outlook the journey would
 * otherwise read itself through a local activity (issue 13: the dispatch's round had nothing
 * else to do outside the workflow). The same store, the same scopes and the same choice of
 * scope as the worker's exchange (activities/anticipation), so the journey gets the answer
 * its own read would have got, a moment earlier; it takes it only when the read matches the
 * one it would make (workflows/journey/anticipation.ts `learnCarriedOutlooks`).
 *
 * The store must be the workers' (the ledger database: `ledgerConfigOf`), as the API's is by
 * default. A read that fails sends no outlook: the journey reads, as before.
 */
export function outlookAnnouncer(store: BrandStatisticsStore): OutlooksOf {
  return async (events) => {
    const dispatches = events.filter((event) => event.type === 'shipment.dispatched').slice(0, MAX_CARRIED_OUTLOOKS);
    const outlooks: CarriedOutlook[] = [];
    for (const event of dispatches) {
      const read: StatisticsRead = {
        id: event.orderId,
        metric: TRANSIT_METRIC,
        scopes: transitScopes(shippingOf(event)),
      };
      try {
        const stored = await store.read(event.brand, read.metric, read.scopes);
        outlooks.push({
          read,
          minSamples: MIN_LEARNED_SAMPLES,
          learned: chooseSketch(read, stored, MIN_LEARNED_SAMPLES),
        });
      } catch {
        return outlooks;
      }
    }
    return outlooks;
  };
}

/** The shipping fields as the order keeps them (workflows/order/order-state.ts `shippingOf`). */
function shippingOf(event: Extract<LifecycleEvent, { type: 'shipment.dispatched' }>) {
  const { carrier, region, serviceLevel } = event;
  return { carrier, region, serviceLevel };
}
