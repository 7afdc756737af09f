import type { CaseState } from '../case/case-state';
import type { OrderState } from '../order/order-state';
import type { JourneyState } from './state';

/**
 * What a journey keeps of orders and cases that ended long ago: compact aggregates, so a
 * customer with hundreds of orders over a decade carries a bounded state across
 * continue-as-new. Pure and JSON-serialisable, like the rest of the journey state.
 *
 * What readers need from ended orders: predictions (purchase dates per sku, transit times),
 * the first order's date (loyalty anniversary) and the number of orders (playbook conditions).
 * From ended cases: how many, and their root causes (reports rank the causes of contact).
 */
export interface JourneyArchive {
  orders: number;
  firstOrderAt?: string;
  /** Per sku, the latest ARCHIVED_PURCHASES_PER_SKU purchases, oldest first. */
  purchases: Record<string, ArchivedPurchase[]>;
  /** Dispatch → delivery times (ms) of archived orders, the latest ARCHIVED_TRANSIT_SAMPLES. */
  transitMs: number[];
  cases: number;
  /** Resolved cases per root cause (at most ARCHIVED_ROOT_CAUSES causes; the rest as "other"). */
  rootCauses: Record<string, number>;
}

export interface ArchivedPurchase {
  orderId: string;
  at: string;
  quantity: number;
  name: string;
  expectedUseDays?: number;
  deliveredAt?: string;
}

/** The most recent orders and cases stay whole, ended or not: what operators and templates look at. */
export const RECENT_ORDERS_KEPT = 10;
export const RECENT_CASES_KEPT = 10;
/** An ended order or case is archived once nothing has happened to it for this long. */
export const ARCHIVE_AFTER_MS = 60 * 24 * 60 * 60 * 1000;
/** Enough purchases for the median cadence (predictions use the intervals between them). */
export const ARCHIVED_PURCHASES_PER_SKU = 12;
export const ARCHIVED_SKUS = 50;
export const ARCHIVED_TRANSIT_SAMPLES = 50;
export const ARCHIVED_ROOT_CAUSES = 50;

export function emptyArchive(): JourneyArchive {
  return { orders: 0, purchases: {}, transitMs: [], cases: 0, rootCauses: {} };
}

/** Every order the customer placed, archived or not. */
export function orderCount(state: JourneyState): number {
  return Object.keys(state.orders).length + (state.archive?.orders ?? 0);
}

/**
 * Folds ended orders and cases into the archive: those beyond the most recent few, idle for
 * ARCHIVE_AFTER_MS before the journey's latest event (the journey's own clock, so the state
 * stays a pure function of its events). An order whose warranty still runs stays whole.
 */
export function archiveEnded(state: JourneyState): void {
  if (!state.lastEventAt) return;
  const before = Date.parse(state.lastEventAt) - ARCHIVE_AFTER_MS;
  for (const order of archivableOrders(state, before)) {
    archiveOrder((state.archive ??= emptyArchive()), order);
    delete state.orders[order.orderId];
  }
  for (const item of archivableCases(state, before)) {
    archiveCase((state.archive ??= emptyArchive()), item);
    delete state.cases[item.caseId];
  }
}

function archivableOrders(state: JourneyState, before: number): OrderState[] {
  const byRecency = Object.values(state.orders).sort(
    (a, b) => (b.placedAt ?? '').localeCompare(a.placedAt ?? '') || b.orderId.localeCompare(a.orderId),
  );
  return byRecency
    .slice(RECENT_ORDERS_KEPT)
    .filter((order) => orderEnded(order) && !warrantyRunning(order, before) && lastOrderActivity(order) < before);
}

function orderEnded(order: OrderState): boolean {
  return order.stage === 'closed' || (order.stage === 'use' && order.deliveredAt !== undefined);
}

function warrantyRunning(order: OrderState, before: number): boolean {
  return order.items.some((item) => item.warrantyEndsAt !== undefined && Date.parse(item.warrantyEndsAt) > before);
}

function lastOrderActivity(order: OrderState): number {
  const times = [
    order.placedAt,
    order.deliveredAt,
    order.returnedAt,
    order.cancelledAt,
    order.events.at(-1)?.occurredAt,
  ];
  return Math.max(0, ...times.filter((at): at is string => at !== undefined).map((at) => Date.parse(at)));
}

function archiveOrder(archive: JourneyArchive, order: OrderState): void {
  archive.orders += 1;
  if (order.placedAt && (!archive.firstOrderAt || order.placedAt < archive.firstOrderAt))
    archive.firstOrderAt = order.placedAt;
  if (order.status === 'cancelled' || order.status === 'returned' || !order.placedAt) return;
  for (const item of order.items) {
    const purchase: ArchivedPurchase = {
      orderId: order.orderId,
      at: order.placedAt,
      quantity: item.quantity,
      name: item.name,
      ...(item.expectedUseDays !== undefined ? { expectedUseDays: item.expectedUseDays } : {}),
      ...(order.deliveredAt ? { deliveredAt: order.deliveredAt } : {}),
    };
    const purchases = [...(archive.purchases[item.sku] ?? []), purchase].sort((a, b) => a.at.localeCompare(b.at));
    archive.purchases[item.sku] = purchases.slice(-ARCHIVED_PURCHASES_PER_SKU);
  }
  dropStalestSkus(archive);
  if (order.dispatchedAt && order.deliveredAt) {
    const transit = Date.parse(order.deliveredAt) - Date.parse(order.dispatchedAt);
    if (transit > 0) archive.transitMs = [...archive.transitMs, transit].slice(-ARCHIVED_TRANSIT_SAMPLES);
  }
}

/** Skus not bought for the longest time go first: they no longer drive a replenishment. */
function dropStalestSkus(archive: JourneyArchive): void {
  const skus = Object.keys(archive.purchases);
  if (skus.length <= ARCHIVED_SKUS) return;
  const lastBought = (sku: string) => archive.purchases[sku]!.at(-1)!.at;
  const stalest = [...skus].sort((a, b) => lastBought(a).localeCompare(lastBought(b)) || a.localeCompare(b));
  for (const sku of stalest.slice(0, skus.length - ARCHIVED_SKUS)) delete archive.purchases[sku];
}

function archivableCases(state: JourneyState, before: number): CaseState[] {
  const byRecency = Object.values(state.cases).sort(
    (a, b) => (b.openedAt ?? '').localeCompare(a.openedAt ?? '') || b.caseId.localeCompare(a.caseId),
  );
  return byRecency
    .slice(RECENT_CASES_KEPT)
    .filter((item) => item.status === 'resolved' && lastCaseActivity(item) < before);
}

function lastCaseActivity(item: CaseState): number {
  const times = [item.openedAt, item.lastUpdateAt, item.resolution?.resolvedAt, item.events.at(-1)?.occurredAt];
  return Math.max(0, ...times.filter((at): at is string => at !== undefined).map((at) => Date.parse(at)));
}

function archiveCase(archive: JourneyArchive, item: CaseState): void {
  archive.cases += 1;
  const cause = item.resolution?.rootCause;
  if (!cause) return;
  const known = cause in archive.rootCauses || Object.keys(archive.rootCauses).length < ARCHIVED_ROOT_CAUSES;
  const key = known ? cause : 'other';
  archive.rootCauses[key] = (archive.rootCauses[key] ?? 0) + 1;
}
