import {
  awaitsDelivery,
  lateNoticeSettings,
  scheduleLateNotice,
  type LateRiskOutlook,
  type QuietHours,
} from '../../common/anticipation/late-notice';
import {
  TRANSIT_METRIC,
  transitScopes,
  type StatisticsObservationInput,
  type StatisticsRead,
} from '../../common/anticipation/statistics-contract';
import type { LifecycleEvent } from '../../common/events';
import type { Playbook } from '../../common/playbooks/schema';
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
}

export const TO_LEARN_KEPT = 500;

export function anticipationOf(state: JourneyState): AnticipationState {
  return (state.anticipation ??= { toLearn: [], lateRisk: {}, stale: [] });
}

/**
 * After an event was applied: a completed delivery is something to learn, and an order event
 * makes the order's outlook stale. Pure; the journey exchanges with the statistics later.
 */
export function noteForAnticipation(state: JourneyState, event: LifecycleEvent): void {
  if (!isOrderEvent(event)) return;
  const order = state.orders[event.orderId];
  if (!order) return;
  const anticipation = anticipationOf(state);
  const delivery = deliveryObservation(order);
  if (delivery && (event.type === 'shipment.delivered' || event.type === 'shipment.dispatched')) {
    anticipation.toLearn = [...anticipation.toLearn, delivery].slice(-TO_LEARN_KEPT);
  }
  if (!anticipation.stale.includes(order.orderId)) anticipation.stale.push(order.orderId);
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
  return anticipation !== undefined && (anticipation.toLearn.length > 0 || anticipation.stale.length > 0);
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
  return reads;
}

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
export function scheduleLateNotices(state: JourneyState, playbooks: readonly Playbook[], quiet?: QuietHours): void {
  pruneOutlooks(state);
  const lateRisk = state.anticipation?.lateRisk;
  if (!lateRisk) return;
  const settings = lateNoticeSettings(playbooks);
  for (const orderId of Object.keys(lateRisk)) {
    lateRisk[orderId] = scheduleLateNotice(lateRisk[orderId]!, settings, quiet);
  }
}
