import type { LifecycleEvent } from '../../common/events';
import { isOrderEvent, type OrderState } from '../order/order-state';
import { deliveryPromiseId, hasDeliveryPromise } from './implicit-promises';
import type { ChildRoute, JourneyState } from './state';

/*
 * Generation 5: an order lives in its customer's journey until it needs a workflow of its own.
 *
 * A placed order with a promised date has nothing to do until something happens to it: its one
 * timer (is the date past, undelivered?) is the delivery promise's too, and the promise is what
 * tells the customer and the operator when it breaches. Its own workflow at placement cost five
 * history events and a workflow start per order, a third of what `order.placed` cost.
 *
 * So the journey holds it (it keeps every order's state anyway), and starts the order's
 * workflow, seeded with what the journey knows of it, with the first event after the placement
 * (dispatched, payment failed, cancelled, ...) or when its delivery promise breaches, whichever
 * comes first. From then on the order is as before: findable by `KeptKind = 'order'` and its
 * status, flagged late when its date passes undelivered. Until then the delivery promise
 * (`KeptOrderId`, its status) is where an operator finds it, and what says whose it is
 * (client/ownership.ts).
 *
 * An order without a delivery promise (no promised date, imported history) has its workflow
 * from its first event, as before: nothing else would say whose it is.
 */

/** The journey alone holds this order: only its placement so far, and a delivery promise for it. */
export function isHeldInJourney(state: JourneyState, order: OrderState | undefined): boolean {
  if (!order || order.folded || order.events.length === 0) return false;
  return order.events.every((event) => event.type === 'order.placed') && hasDeliveryPromise(state, order);
}

/** Whether the event's order is held by the journey, asked before the event is applied. */
export function wasHeld(state: JourneyState, event: LifecycleEvent): boolean {
  return isOrderEvent(event) && isHeldInJourney(state, state.orders[event.orderId]);
}

/**
 * Where an applied event goes in generation 5: nowhere while its order stays held; to a new
 * order workflow seeded from the journey when the order was held until this event; else as
 * before (a signal to the running order).
 */
export function routeForHeldOrders(
  state: JourneyState,
  route: ChildRoute | undefined,
  heldBefore: boolean,
): ChildRoute | undefined {
  if (route?.kind !== 'order') return route;
  if (isHeldInJourney(state, state.orders[route.id])) return undefined;
  return heldBefore ? { ...route, startFromJourney: true } : route;
}

/**
 * A held order whose delivery promise breached gets its workflow now, so the order is flagged
 * late where an operator looks for late orders. The placement goes with it; the order workflow
 * applies an event id once, so a second report (or a start that raced one) changes nothing.
 */
export function routeOnBreach(state: JourneyState, promiseId: string, status: string): ChildRoute | undefined {
  if (status !== 'breached') return undefined;
  const order = Object.values(state.orders).find((candidate) => deliveryPromiseId(candidate.orderId) === promiseId);
  if (!order || !isHeldInJourney(state, order)) return undefined;
  const placement = order.events.at(-1)!;
  return { kind: 'order', id: order.orderId, event: placement, startFromJourney: true };
}

/** What a new order workflow starts from: the journey's state of the order. */
export function orderSeed(order: OrderState | undefined): Pick<OrderState, 'events' | 'folded'> | undefined {
  if (!order) return undefined;
  return { events: order.events, ...(order.folded ? { folded: order.folded } : {}) };
}
