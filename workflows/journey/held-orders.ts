import type { LifecycleEvent } from '../../common/events';
import { isOrderEvent, type OrderState, type OrderStatus } from '../order/order-state';
import { deliveryPromiseId, hasDeliveryPromise } from './implicit-promises';
import type { ChildRoute, JourneyState } from './state';

/*
 * Generation 5: an order with a delivery promise lives in its customer's journey, without a
 * workflow of its own, for as long as nothing goes wrong with it.
 *
 * On its routine path (placed, dispatched, delivered) an order workflow has nothing to do that
 * is not done elsewhere: its one timer (is the promised date past, undelivered?) is the delivery
 * promise's too, and the promise is what tells the customer and the operator when it breaches;
 * the journey keeps every order's state anyway, for its stage, its outreach and its summary.
 * The order workflow cost a workflow start and 5 history events at placement, and a signal and
 * 5 more at each later event: a third of what `order.placed` cost, and most of a dispatch.
 *
 * So the journey holds such an order, and starts its workflow (seeded with everything the
 * journey knows of the order) when something goes wrong with it: a payment failure, a delay or
 * an estimate past the promised date, a failed delivery, a cancellation, a return; or when its
 * delivery promise breaches. From then on it is as before: findable by `KeptKind = 'order'`
 * and its status, flagged late when its date passes undelivered, signalled every event. While
 * held, its delivery promise (`KeptOrderId`, open or kept) is where an operator finds it, and
 * what says whose it is (client/ownership.ts).
 *
 * An order without a delivery promise (no promised date, imported history) has its workflow
 * from its first event, as before: nothing else would say whose it is. So does one whose
 * promise the round could not make (a brand without a service profile, a date past the
 * horizon), as soon as the round says so.
 */

/** The statuses of an order on its routine path. */
const ROUTINE: readonly OrderStatus[] = ['placed', 'dispatched', 'delivered'];

/**
 * Where an applied order event goes in generation 5: nowhere while its order stays held; to a
 * new order workflow seeded from the journey when the order leaves its routine path; else as
 * before (a signal to the order's workflow). `newOrder`: the journey had no state of the order
 * before the event.
 */
export function routeForHeldOrders(
  state: JourneyState,
  event: LifecycleEvent,
  route: ChildRoute | undefined,
  newOrder: boolean,
): ChildRoute | undefined {
  if (route?.kind !== 'order') return route;
  const order = state.orders[route.id];
  if (newOrder && event.type === 'order.placed' && order && mayStayHeld(state, order)) {
    state.heldOrders = [...(state.heldOrders ?? []), route.id];
    return undefined;
  }
  if (!isHeld(state, route.id)) return route;
  if (order && mayStayHeld(state, order)) return undefined;
  return release(state, route.id, route.event);
}

/** Whether the journey had no state of this event's order (asked before the event is applied). */
export const isNewOrder = (state: JourneyState, event: LifecycleEvent): boolean =>
  isOrderEvent(event) && state.orders[event.orderId] === undefined;

/**
 * A held order whose delivery promise breached gets its workflow now, so the order is flagged
 * late where an operator looks for late orders.
 */
export function routeOnBreach(state: JourneyState, promiseId: string, status: string): ChildRoute | undefined {
  if (status !== 'breached') return undefined;
  const orderId = state.heldOrders?.find((id) => deliveryPromiseId(id) === promiseId);
  const latest = orderId ? state.orders[orderId]?.events.at(-1) : undefined;
  return orderId && latest ? release(state, orderId, latest) : undefined;
}

/**
 * After a round: held orders whose delivery promise it could not make get their workflow, as
 * they would have had without a promise; and orders archived meanwhile are no longer held.
 */
export function releasedOrders(state: JourneyState): ChildRoute[] {
  if (!state.heldOrders?.length) return [];
  state.heldOrders = state.heldOrders.filter((orderId) => state.orders[orderId] !== undefined);
  return state.heldOrders.flatMap((orderId): ChildRoute[] => {
    const order = state.orders[orderId]!;
    return promiseNotMade(state, order) ? [release(state, orderId, order.events.at(-1)!)] : [];
  });
}

/** What a new order workflow starts from: the journey's state of the order. */
export function orderSeed(order: OrderState | undefined): Pick<OrderState, 'events' | 'folded'> | undefined {
  if (!order) return undefined;
  return { events: order.events, ...(order.folded ? { folded: order.folded } : {}) };
}

const isHeld = (state: JourneyState, orderId: string): boolean => state.heldOrders?.includes(orderId) ?? false;

function mayStayHeld(state: JourneyState, order: OrderState): boolean {
  return ROUTINE.includes(order.status) && hasDeliveryPromise(state, order) && !promiseNotMade(state, order);
}

/**
 * The round answered that the delivery promise was not made (no service profile, a date past
 * the horizon) or has ended: nothing else watches the date or says whose the order is.
 */
function promiseNotMade(state: JourneyState, order: OrderState): boolean {
  const status = state.implicitPromises?.confirmed[deliveryPromiseId(order.orderId)]?.status;
  return status === 'none' || status === 'ended';
}

/** The order leaves the journey's hold: its workflow starts from the journey's state, with this event. */
function release(state: JourneyState, orderId: string, event: LifecycleEvent): ChildRoute {
  state.heldOrders = (state.heldOrders ?? []).filter((id) => id !== orderId);
  return { kind: 'order', id: orderId, event, startFromJourney: true };
}
