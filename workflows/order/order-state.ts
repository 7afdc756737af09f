import type { EventOfType, LifecycleEvent, OrderItem } from '../../common/events';

/** Events that belong to one order (routed by `orderId`). */
export const orderEventTypes = [
  'order.placed',
  'payment.failed',
  'order.cancelled',
  'shipment.dispatched',
  'shipment.delayed',
  'shipment.delivered',
  'delivery.failed',
  'return.requested',
  'return.completed',
] as const;
export type OrderEventType = (typeof orderEventTypes)[number];
export type OrderEvent = EventOfType<OrderEventType>;

export const isOrderEvent = (event: LifecycleEvent): event is OrderEvent =>
  (orderEventTypes as readonly string[]).includes(event.type);

export type OrderStatus =
  | 'placed'
  | 'payment-failed'
  | 'dispatched'
  | 'delayed'
  | 'delivery-failed'
  | 'delivered'
  | 'return-requested'
  | 'returned'
  | 'cancelled';

/** An order's own lifecycle: purchase → receive → use, with repair for returns. */
export type OrderStage = 'purchase' | 'receive' | 'use' | 'repair' | 'closed';

export interface OrderState {
  orderId: string;
  status: OrderStatus;
  stage: OrderStage;
  items: OrderItem[];
  currency?: string;
  total: number;
  placedAt?: string;
  promisedDeliveryAt?: string;
  estimatedDeliveryAt?: string;
  dispatchedAt?: string;
  deliveredAt?: string;
  deliveryFailures: number;
  lastDeliveryFailureAt?: string;
  paymentFailed: boolean;
  returnRequestedAt?: string;
  returnReason?: string;
  returnedAt?: string;
  cancelledAt?: string;
  /** How late the delivery is (delivered or expected) against the promise, in ms; 0 when on time. */
  lateByMs: number;
  /** Every event of the order, in `occurredAt` order, so late-arriving events re-fold cleanly. */
  events: OrderEvent[];
}

const byOccurredAt = (a: LifecycleEvent, b: LifecycleEvent): number =>
  Date.parse(a.occurredAt) - Date.parse(b.occurredAt);

/**
 * Folds an order's events in `occurredAt` order. The status is derived from which
 * milestones happened, not from arrival order, so "delivered" received before
 * "dispatched" still ends delivered, and a late "dispatched" never moves it back.
 */
export function foldOrder(orderId: string, events: OrderEvent[]): OrderState {
  const state: OrderState = {
    orderId,
    status: 'placed',
    stage: 'purchase',
    items: [],
    total: 0,
    deliveryFailures: 0,
    paymentFailed: false,
    lateByMs: 0,
    events: [...events].sort(byOccurredAt),
  };
  for (const event of state.events) applyMilestone(state, event);
  state.status = deriveStatus(state);
  state.stage = stageOfStatus(state.status);
  state.lateByMs = lateness(state);
  return state;
}

/** Adds one event (ignored if its id is already there) and re-folds. */
export function addOrderEvent(state: OrderState | undefined, event: OrderEvent): OrderState {
  const events = state?.events ?? [];
  if (events.some((known) => known.eventId === event.eventId)) return state!;
  return foldOrder(event.orderId, [...events, event]);
}

function applyMilestone(state: OrderState, event: OrderEvent): void {
  switch (event.type) {
    case 'order.placed':
      state.items = event.items;
      state.currency = event.currency;
      state.total = event.items.reduce((sum, item) => sum + item.price * item.quantity, 0);
      state.placedAt = event.occurredAt;
      state.promisedDeliveryAt = event.promisedDeliveryAt;
      break;
    case 'payment.failed':
      state.paymentFailed = true;
      break;
    case 'shipment.dispatched':
      state.dispatchedAt = event.occurredAt;
      state.paymentFailed = false;
      state.estimatedDeliveryAt = event.estimatedDeliveryAt ?? state.estimatedDeliveryAt;
      break;
    case 'shipment.delayed':
      state.estimatedDeliveryAt = event.newEstimatedDeliveryAt;
      break;
    case 'delivery.failed':
      state.deliveryFailures += 1;
      state.lastDeliveryFailureAt = event.occurredAt;
      break;
    case 'shipment.delivered':
      state.deliveredAt = event.occurredAt;
      break;
    case 'return.requested':
      state.returnRequestedAt = event.occurredAt;
      state.returnReason = event.reason;
      break;
    case 'return.completed':
      state.returnedAt = event.occurredAt;
      break;
    case 'order.cancelled':
      state.cancelledAt = event.occurredAt;
      break;
  }
}

function deriveStatus(state: OrderState): OrderStatus {
  if (state.returnedAt) return 'returned';
  if (state.returnRequestedAt) return 'return-requested';
  if (state.deliveredAt) return 'delivered';
  if (state.cancelledAt) return 'cancelled';
  if (failedSinceLastDispatch(state)) return 'delivery-failed';
  if (state.dispatchedAt) return isDelayed(state) ? 'delayed' : 'dispatched';
  if (state.paymentFailed) return 'payment-failed';
  return 'placed';
}

/** A failed attempt is the status until the parcel is dispatched again (or delivered, above). */
function failedSinceLastDispatch(state: OrderState): boolean {
  if (!state.lastDeliveryFailureAt) return false;
  return !state.dispatchedAt || Date.parse(state.lastDeliveryFailureAt) >= Date.parse(state.dispatchedAt);
}

function isDelayed(state: OrderState): boolean {
  return state.events.some((event) => event.type === 'shipment.delayed') || lateness(state) > 0;
}

export function stageOfStatus(status: OrderStatus): OrderStage {
  switch (status) {
    case 'placed':
    case 'payment-failed':
      return 'purchase';
    case 'dispatched':
    case 'delayed':
    case 'delivery-failed':
      return 'receive';
    case 'delivered':
      return 'use';
    case 'return-requested':
      return 'repair';
    case 'returned':
    case 'cancelled':
      return 'closed';
  }
}

function lateness(state: OrderState): number {
  if (!state.promisedDeliveryAt) return 0;
  const actual = state.deliveredAt ?? state.estimatedDeliveryAt;
  if (!actual) return 0;
  return Math.max(0, Date.parse(actual) - Date.parse(state.promisedDeliveryAt));
}

/** True once nothing more is expected of the order journey itself. */
export const isOrderClosed = (state: OrderState): boolean => state.stage === 'closed';
