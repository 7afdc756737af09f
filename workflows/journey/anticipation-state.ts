import {
  awaitsDelivery,
  lateNoticeSettings,
  scheduleLateNotice,
  type LateRiskOutlook,
  type QuietHours,
} from '../../common/anticipation/late-notice';
import { parseSketch, quantile, sampleCount } from '../../common/anticipation/transit-sketch';
import { median, MIN_INTERVALS, purchasesBySku, type BrandCadence } from '../../common/predictions';
import {
  REORDER_METRIC,
  skuScope,
  TRANSIT_METRIC,
  transitScopes,
  type StatisticsObservationInput,
  type StatisticsRead,
} from '../../common/anticipation/statistics-contract';
import type { EventOfType, LifecycleEvent } from '../../common/events';
import type { PlanningPlaybook } from '../../common/playbooks/schema';
import { isOrderEvent, type OrderState } from '../order/order-state';
import type { JourneyState } from './state';

/**
 * What the journey keeps for anticipation (pure, JSON, carried across continue-as-new):
 * - `toLearn`: deliveries (dispatch → delivery) seen but not yet written to the brand's
 *   statistics, imported history included; bounded, oldest dropped first;
 * - `lateRisk`: per dispatched, undelivered order, the brand's transit sketch as read at the
 *   order's latest event, and the notice instant planned from it;
 * - `stale`: orders whose outlook must be read again (an event of theirs arrived).
 */
export interface AnticipationState {
  toLearn: StatisticsObservationInput[];
  lateRisk: Record<string, LateRiskOutlook>;
  stale: string[];
  /** Skus whose brand cadence must be read (the customer bought one, without a cadence of their own). */
  staleSkus?: string[];
  /** Per sku, the brand's customers' re-order cadence, for customers without one of their own. */
  cadence?: Record<string, BrandCadence>;
  /** Per product (sku, or `*` for reports without one): the latest usage levels, and a drop found in them. */
  usage?: Record<string, UsageSeries>;
}

export interface UsageSeries {
  /** The latest USAGE_BASELINE_REPORTS levels, in arrival order. */
  levels: number[];
  /** A drop against the customer's own baseline, until usage recovers. */
  drop?: { at: string; level: number; baseline: number };
}

/**
 * Usage drop, against the customer's own baseline: a report below USAGE_DROP_SHARE of the
 * MEDIAN of the USAGE_BASELINE_REPORTS reports before it (the median, so one odd week does not
 * move the baseline). The drop stands until a report is back at or above that share of the
 * baseline it fell from; then a later drop is a new one.
 */
export const USAGE_BASELINE_REPORTS = 4;
export const USAGE_DROP_SHARE = 0.5;
export const USAGE_SERIES_KEPT = 50;

/** Fewer re-orders than this across the brand: its cadence for the sku is not used. */
export const MIN_CADENCE_SAMPLES = 5;

export const TO_LEARN_KEPT = 200;

export function anticipationOf(state: JourneyState): AnticipationState {
  return (state.anticipation ??= { toLearn: [], lateRisk: {}, stale: [] });
}

/**
 * After an event was applied: a completed delivery is something to learn, and an order event
 * makes the order's outlook stale. Pure; the journey exchanges with the statistics later.
 */
export function noteForAnticipation(state: JourneyState, event: LifecycleEvent): void {
  if (event.type === 'usage.reported') return noteUsage(anticipationOf(state), event);
  if (!isOrderEvent(event)) return;
  const order = state.orders[event.orderId];
  if (!order) return;
  const anticipation = anticipationOf(state);
  const delivery = deliveryObservation(order);
  if (delivery && (event.type === 'shipment.delivered' || event.type === 'shipment.dispatched')) {
    anticipation.toLearn = [...anticipation.toLearn, delivery].slice(-TO_LEARN_KEPT);
  }
  if (!anticipation.stale.includes(order.orderId)) anticipation.stale.push(order.orderId);
  if (event.type === 'order.placed') noteReorders(state, anticipation, event.orderId);
}

/**
 * A purchase of a sku the customer bought before is a re-order interval for the brand to learn
 * (days per unit of the previous purchase); a sku without the customer's own cadence needs the brand's.
 */
function noteReorders(state: JourneyState, anticipation: AnticipationState, orderId: string): void {
  const bySku = purchasesBySku(state);
  for (const [sku, purchases] of [...bySku.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const index = purchases.findIndex((purchase) => purchase.orderId === orderId);
    if (index < 0) continue;
    const previous = purchases[index - 1];
    if (previous) {
      const durationMs = (purchases[index]!.at - previous.at) / previous.quantity;
      const observation: StatisticsObservationInput = {
        metric: REORDER_METRIC,
        key: `${orderId}:${sku}`,
        scopes: [skuScope(sku)],
        durationMs,
      };
      anticipation.toLearn = [...anticipation.toLearn, observation].slice(-TO_LEARN_KEPT);
    }
    if (purchases.length - 1 < MIN_INTERVALS) {
      const staleSkus = (anticipation.staleSkus ??= []);
      if (!staleSkus.includes(sku)) staleSkus.push(sku);
    }
  }
}

function deliveryObservation(order: OrderState): StatisticsObservationInput | undefined {
  if (!order.dispatchedAt || !order.deliveredAt) return undefined;
  const durationMs = Date.parse(order.deliveredAt) - Date.parse(order.dispatchedAt);
  if (!(durationMs > 0)) return undefined;
  return { metric: TRANSIT_METRIC, key: order.orderId, scopes: transitScopes(order.shipping), durationMs };
}

/** Whether the journey has something to exchange with the brand's statistics. */
export function hasAnticipationWork(state: JourneyState): boolean {
  const anticipation = state.anticipation;
  return (
    anticipation !== undefined &&
    (anticipation.toLearn.length > 0 || anticipation.stale.length > 0 || (anticipation.staleSkus?.length ?? 0) > 0)
  );
}

/** The sketches to read: one per stale order that awaits delivery. Outlooks of the others are dropped. */
export function staleReads(state: JourneyState): StatisticsRead[] {
  const anticipation = anticipationOf(state);
  const reads: StatisticsRead[] = [];
  for (const orderId of [...anticipation.stale].sort()) {
    const order = state.orders[orderId];
    if (order && awaitsDelivery(order)) {
      reads.push({ id: orderId, metric: TRANSIT_METRIC, scopes: transitScopes(order.shipping) });
    } else delete anticipation.lateRisk[orderId];
  }
  for (const sku of [...(anticipation.staleSkus ?? [])].sort()) {
    reads.push({ id: `${SKU_READ_PREFIX}${sku}`, metric: REORDER_METRIC, scopes: [skuScope(sku)] });
  }
  return reads;
}

export const SKU_READ_PREFIX = 'sku:';

function noteUsage(anticipation: AnticipationState, event: EventOfType<'usage.reported'>): void {
  const key = event.sku ?? '*';
  const usage = (anticipation.usage ??= {});
  // Bounded: a customer reports on a few products; beyond USAGE_SERIES_KEPT new ones are not followed.
  if (!usage[key] && Object.keys(usage).length >= USAGE_SERIES_KEPT) return;
  const series = (usage[key] ??= { levels: [] });
  if (series.drop) {
    if (event.level >= USAGE_DROP_SHARE * series.drop.baseline) delete series.drop;
  } else if (series.levels.length >= USAGE_BASELINE_REPORTS) {
    const baseline = median(series.levels);
    if (baseline > 0 && event.level < USAGE_DROP_SHARE * baseline) {
      series.drop = { at: event.occurredAt, level: event.level, baseline };
    }
  }
  series.levels = [...series.levels, event.level].slice(-USAGE_BASELINE_REPORTS);
}

/** The brand's cadence for a sku, from the sketch read: the median interval, once enough customers re-ordered. */
export function noteBrandCadence(anticipation: AnticipationState, sku: string, sketch: string | undefined): void {
  const cadence = (anticipation.cadence ??= {});
  const learned = sketch ? parseSketch(sketch) : undefined;
  const samples = learned ? sampleCount(learned) : 0;
  const median = learned ? quantile(learned, 0.5) : undefined;
  if (samples < MIN_CADENCE_SAMPLES || median === undefined) delete cadence[sku];
  else cadence[sku] = { perUnitDays: median / DAY_MS, samples };
}

const DAY_MS = 86_400_000;

/** Outlooks of orders that no longer await delivery (delivered, cancelled, archived) are dropped. */
export function pruneOutlooks(state: JourneyState): void {
  const lateRisk = state.anticipation?.lateRisk;
  if (!lateRisk) return;
  for (const orderId of Object.keys(lateRisk)) {
    const order = state.orders[orderId];
    if (!order || !awaitsDelivery(order)) delete lateRisk[orderId];
  }
}

/** Plans each outlook's notice instant with the brand's current settings and the customer's quiet hours. */
export function scheduleLateNotices(
  state: JourneyState,
  playbooks: readonly PlanningPlaybook[],
  quiet?: QuietHours,
): void {
  pruneOutlooks(state);
  const lateRisk = state.anticipation?.lateRisk;
  if (!lateRisk) return;
  const settings = lateNoticeSettings(playbooks);
  for (const orderId of Object.keys(lateRisk)) {
    lateRisk[orderId] = scheduleLateNotice(lateRisk[orderId]!, settings, quiet);
  }
}
