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
  /** Carrier, destination region and service level from the dispatch, when it said (transit is learned by them). */
  shipping?: { carrier?: string; region?: string; serviceLevel?: string };
  /** A carrier reported a delay (kept as a milestone: the delay event may have left the window). */
  delayReported?: boolean;
  /**
   * The order's most recent events (at most ORDER_EVENT_WINDOW when bounded), in `occurredAt`
   * order, so late-arriving events re-fold cleanly on top of `folded`.
   */
  events: OrderEvent[];
  /** Milestones of the older events that left the window: the base the window folds onto. */
  folded?: OrderMilestones;
}

/** The fields an order's events set, without what is derived from them. */
export type OrderMilestones = Omit<OrderState, 'orderId' | 'status' | 'stage' | 'lateByMs' | 'events' | 'folded'>;

/**
 * How many events an order keeps itself. An order rarely has more than ten (placed, dispatched,
 * a few delays or failed attempts, delivered, a return); a misbehaving carrier feed can send
 * hundreds, and a journey carries every order's state across continue-as-new.
 */
export const ORDER_EVENT_WINDOW = 20;

export interface FoldOptions {
  /** Keep at most this many events; older ones are folded into `folded`. Unbounded when absent. */
  window?: number;
}

const byOccurredAt = (a: LifecycleEvent, b: LifecycleEvent): number =>
  Date.parse(a.occurredAt) - Date.parse(b.occurredAt);

/**
 * Folds an order's events in `occurredAt` order. The status is derived from which
 * milestones happened, not from arrival order, so "delivered" received before
 * "dispatched" still ends delivered, and a late "dispatched" never moves it back.
 */
export function foldOrder(
  orderId: string,
  events: OrderEvent[],
  folded?: OrderMilestones,
  options: FoldOptions = {},
): OrderState {
  const sorted = [...events].sort(byOccurredAt);
  const overflow = options.window === undefined ? 0 : Math.max(0, sorted.length - options.window);
  const base = overflow > 0 ? milestonesOf(foldOnto(orderId, sorted.slice(0, overflow), folded)) : folded;
  const state = foldOnto(orderId, sorted.slice(overflow), base);
  if (base) state.folded = base;
  state.status = deriveStatus(state);
  state.stage = stageOfStatus(state.status);
  state.lateByMs = lateness(state);
  return state;
}

function foldOnto(orderId: string, sorted: OrderEvent[], base: OrderMilestones | undefined): OrderState {
  const state: OrderState = {
    orderId,
    status: 'placed',
    stage: 'purchase',
    items: [],
    total: 0,
    deliveryFailures: 0,
    paymentFailed: false,
    lateByMs: 0,
    ...structuredCopy(base),
    events: sorted,
  };
  for (const event of sorted) applyMilestone(state, event);
  return state;
}

function milestonesOf(state: OrderState): OrderMilestones {
  const {
    orderId: _id,
    status: _status,
    stage: _stage,
    lateByMs: _late,
    events: _events,
    folded: _folded,
    ...rest
  } = state;
  return structuredCopy(rest);
}

/** JSON copy: milestones are plain data, and a base must never share arrays with a state. */
const structuredCopy = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));

/** Adds one event (ignored if its id is already there) and re-folds. */
export function addOrderEvent(state: OrderState | undefined, event: OrderEvent, options: FoldOptions = {}): OrderState {
  const events = state?.events ?? [];
  if (events.some((known) => known.eventId === event.eventId)) return state!;
  return foldOrder(event.orderId, [...events, event], state?.folded, options);
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
      if (event.carrier || event.region || event.serviceLevel) state.shipping = shippingOf(event);
      break;
    case 'shipment.delayed':
      state.estimatedDeliveryAt = event.newEstimatedDeliveryAt;
      state.delayReported = true;
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

function shippingOf(event: EventOfType<'shipment.dispatched'>): NonNullable<OrderState['shipping']> {
  const { carrier, region, serviceLevel } = event;
  return JSON.parse(JSON.stringify({ carrier, region, serviceLevel })) as NonNullable<OrderState['shipping']>;
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
  return state.delayReported === true || lateness(state) > 0;
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
