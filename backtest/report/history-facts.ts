import type { LifecycleEvent } from '../../common/events';
import { customerKey } from './stats';

/**
 * What the history itself shows happened, the yardstick for Kept's predictions. Built from
 * the replayed events only, never from Kept's state, so a bug in Kept cannot grade itself.
 */
export interface OrderFacts {
  brand: string;
  customerId: string;
  orderId: string;
  /** When the order was placed (order.placed), for the warm-up of late-delivery scoring. */
  placedAt?: string;
  /** The date promised at purchase (see PROMISE_RULE). */
  promisedAt?: string;
  /** The first shipment.dispatched (for the dispatch-based baseline). */
  dispatchedAt?: string;
  deliveredAt?: string;
  cancelled: boolean;
}

export interface CaseOpening {
  caseId: string;
  at: string;
  kind: 'issue.reported' | 'case.reopened';
}

export interface HistoryFacts {
  orders: Map<string, OrderFacts>;
  /** Order instants per customer and sku (sorted). */
  purchases: Map<string, string[]>;
  /** issue.reported and case.reopened per customer (sorted by time). */
  caseOpenings: Map<string, CaseOpening[]>;
  customers: Set<string>;
}

export const PROMISE_RULE =
  'An order is late when its first shipment.delivered is after the date promised at purchase: ' +
  "order.placed's promisedDeliveryAt, else the first estimatedDeliveryAt the carrier gave at dispatch. " +
  'A shipment.delayed ETA revises the estimate, never the promise. Cancelled orders, orders without a promise ' +
  'and orders never delivered in the history are "unknown": not scored, so never counted as false positives.';

export const orderKey = (brand: string, orderId: string): string => `${brand}\u0000${orderId}`;
export const purchaseKey = (brand: string, customerId: string, sku: string): string =>
  `${brand}\u0000${customerId}\u0000${sku}`;

export function historyFacts(events: readonly LifecycleEvent[]): HistoryFacts {
  const facts: HistoryFacts = {
    orders: new Map(),
    purchases: new Map(),
    caseOpenings: new Map(),
    customers: new Set(),
  };
  const sorted = [...events].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  for (const event of sorted) record(facts, event);
  return facts;
}

function record(facts: HistoryFacts, event: LifecycleEvent): void {
  facts.customers.add(customerKey(event.brand, event.customerId));
  switch (event.type) {
    case 'order.placed': {
      const order = orderOf(facts, event.brand, event.customerId, event.orderId);
      order.promisedAt ??= event.promisedDeliveryAt;
      order.placedAt ??= event.occurredAt;
      for (const item of event.items)
        push(facts.purchases, purchaseKey(event.brand, event.customerId, item.sku), event.occurredAt);
      return;
    }
    case 'shipment.dispatched': {
      const order = orderOf(facts, event.brand, event.customerId, event.orderId);
      order.promisedAt ??= event.estimatedDeliveryAt;
      order.dispatchedAt ??= event.occurredAt;
      return;
    }
    case 'shipment.delivered': {
      const order = orderOf(facts, event.brand, event.customerId, event.orderId);
      order.deliveredAt ??= event.occurredAt;
      return;
    }
    case 'order.cancelled':
      orderOf(facts, event.brand, event.customerId, event.orderId).cancelled = true;
      return;
    case 'issue.reported':
    case 'case.reopened':
      push(facts.caseOpenings, customerKey(event.brand, event.customerId), {
        caseId: event.caseId,
        at: event.occurredAt,
        kind: event.type,
      });
      return;
    default:
      return;
  }
}

function orderOf(facts: HistoryFacts, brand: string, customerId: string, orderId: string): OrderFacts {
  const key = orderKey(brand, orderId);
  let order = facts.orders.get(key);
  if (!order) {
    order = { brand, customerId, orderId, cancelled: false };
    facts.orders.set(key, order);
  }
  return order;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export type OrderVerdict = 'late' | 'on-time' | 'unknown';

export function orderVerdict(order: OrderFacts): OrderVerdict {
  if (order.cancelled || !order.promisedAt || !order.deliveredAt) return 'unknown';
  return order.deliveredAt > order.promisedAt ? 'late' : 'on-time';
}
