import type { OrderState } from '../workflows/order/order-state';
import { compareInstants } from './instants';
import type { JourneyState } from '../workflows/journey/state';

/**
 * Predicting what a customer will need, from what the journey knows. Pure and deterministic
 * (no clock, no Node modules): the journey workflow and the playbook engine call it, and
 * replay gives the same answer. Each prediction carries its basis in plain words, so the
 * message can say why we are writing.
 *
 * Replenishment. Per sku, from the customer's own orders: purchases on the same day are one
 * purchase; with at least MIN_INTERVALS intervals between purchases, the next need is the
 * last purchase + the MEDIAN days-per-unit of the past intervals × the last quantity (the
 * median, so one holiday gap does not move it). With fewer, it falls back to the item's
 * `expectedUseDays` × quantity from delivery.
 *   Tolerance (tested in test/prediction.test.ts): for a customer who re-orders every
 *   C ± j days (j ≤ 3), the prediction is within ±j days of last + C, and within ±2j days
 *   of the order the customer actually places next.
 *
 * Late delivery. For a dispatched order not yet delivered, with a promised date: a carrier
 * ETA after the promise is a certain delay (risk 1). Otherwise the transit times Kept has
 * observed (dispatch → delivery of this customer's delivered orders, plus any the caller
 * passes, e.g. the brand's) are replayed from this dispatch: the risk is the share that
 * would arrive after the promise, and the expected arrival is dispatch + the median. With
 * fewer than MIN_TRANSIT_SAMPLES observations a default distribution is used.
 */

export type PredictionKind = 'warranty-ending' | 'replenish' | 'renewal' | 'late-delivery';

export interface Prediction {
  kind: PredictionKind;
  sku?: string;
  orderId?: string;
  /** When the need arises: warranty end, running out, the expected (late) arrival. */
  at: string;
  /** How the prediction was made, in words for the customer's message. */
  basis: string;
  /** For late-delivery: the probability (0..1) that the order arrives after the promised date. */
  risk?: number;
  method?:
    | 'warranty'
    | 'own-intervals'
    | 'brand-cadence'
    | 'expected-use'
    | 'carrier-eta'
    | 'observed-transit'
    | 'default-transit';
}

export interface PredictionOptions {
  /** Transit times (dispatch → delivery, ms) observed beyond this customer, e.g. the brand's. */
  transitSamplesMs?: readonly number[];
}

export const MIN_INTERVALS = 2;
export const MIN_TRANSIT_SAMPLES = 3;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Used when Kept has seen too few deliveries: a typical 2–5 day parcel service. */
export const DEFAULT_TRANSIT_DAYS = [2, 3, 3, 4, 5] as const;

/** Every prediction for the journey, sorted by time (then kind and subject, for determinism). */
export function predictNeeds(state: JourneyState, options: PredictionOptions = {}): Prediction[] {
  const samples = [...observedTransitMs(state), ...(options.transitSamplesMs ?? [])];
  const late = liveOrders(state).flatMap((order) => predictDeliveryRisk(order, samples) ?? []);
  return [...predictWarrantyEnds(state), ...predictReplenishment(state), ...late].sort(byAtThenSubject);
}

function byAtThenSubject(a: Prediction, b: Prediction): number {
  return (
    compareInstants(a.at, b.at) ||
    a.kind.localeCompare(b.kind) ||
    (a.orderId ?? '').localeCompare(b.orderId ?? '') ||
    (a.sku ?? '').localeCompare(b.sku ?? '')
  );
}

function liveOrders(state: JourneyState): OrderState[] {
  return Object.values(state.orders)
    .filter((order) => order.status !== 'cancelled' && order.status !== 'returned')
    .sort((a, b) => a.orderId.localeCompare(b.orderId));
}

export function predictWarrantyEnds(state: JourneyState): Prediction[] {
  return liveOrders(state).flatMap((order) =>
    order.items.flatMap((item) =>
      item.warrantyEndsAt
        ? [
            {
              kind: 'warranty-ending' as const,
              sku: item.sku,
              orderId: order.orderId,
              at: item.warrantyEndsAt,
              basis: `the warranty of your ${item.name} ends on ${day(item.warrantyEndsAt)}`,
              method: 'warranty' as const,
            },
          ]
        : [],
    ),
  );
}

export interface Purchase {
  orderId: string;
  at: number;
  quantity: number;
  name: string;
  expectedUseDays?: number;
  deliveredAt?: string;
}

/** One replenishment prediction per sku the customer can run out of. */
export function predictReplenishment(state: JourneyState): Prediction[] {
  return [...purchasesBySku(state).entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([sku, purchases]) => predictSku(sku, purchases, state.anticipation?.cadence?.[sku]) ?? []);
}

export function purchasesBySku(state: JourneyState): Map<string, Purchase[]> {
  const bySku = new Map<string, Purchase[]>();
  // Orders that ended long ago live on as their purchase dates (workflows/journey/archive.ts).
  for (const [sku, archived] of Object.entries(state.archive?.purchases ?? {})) {
    bySku.set(
      sku,
      archived.map((purchase) => ({ ...purchase, at: Date.parse(purchase.at) })),
    );
  }
  for (const order of liveOrders(state)) {
    if (!order.placedAt) continue;
    for (const item of order.items) {
      const purchase: Purchase = {
        orderId: order.orderId,
        at: Date.parse(order.placedAt),
        quantity: item.quantity,
        name: item.name,
        expectedUseDays: item.expectedUseDays,
        deliveredAt: order.deliveredAt,
      };
      bySku.set(item.sku, [...(bySku.get(item.sku) ?? []), purchase]);
    }
  }
  for (const [sku, purchases] of bySku) bySku.set(sku, mergeSameDay(purchases));
  return bySku;
}

/** Two orders within a day are one purchase (a split basket), not a zero-day cadence. */
function mergeSameDay(purchases: Purchase[]): Purchase[] {
  const sorted = [...purchases].sort((a, b) => a.at - b.at || a.orderId.localeCompare(b.orderId));
  const merged: Purchase[] = [];
  for (const purchase of sorted) {
    const last = merged[merged.length - 1];
    if (last && purchase.at - last.at < DAY_MS) {
      merged[merged.length - 1] = { ...purchase, at: last.at, quantity: last.quantity + purchase.quantity };
    } else merged.push(purchase);
  }
  return merged;
}

/**
 * The customer's own cadence once it exists (MIN_INTERVALS intervals); before that the brand's
 * learned cadence for the sku (what its customers do, from the brand's statistics), then the
 * item's expected use.
 */
function predictSku(sku: string, purchases: Purchase[], brand?: BrandCadence): Prediction | undefined {
  const last = purchases[purchases.length - 1];
  if (!last) return undefined;
  if (purchases.length - 1 >= MIN_INTERVALS) return fromOwnIntervals(sku, purchases, last);
  if (brand) return fromBrandCadence(sku, last, brand);
  return fromExpectedUse(sku, last);
}

/** The brand's customers' median re-order interval for a sku, per unit (learned, see workflows/journey/anticipation.ts). */
export interface BrandCadence {
  perUnitDays: number;
  samples: number;
}

function fromBrandCadence(sku: string, last: Purchase, brand: BrandCadence): Prediction {
  const days = brand.perUnitDays * last.quantity;
  return {
    kind: 'replenish',
    sku,
    orderId: last.orderId,
    at: iso(last.at + days * DAY_MS),
    basis: `customers usually re-order ${last.name} about every ${Math.round(brand.perUnitDays)} days, and you ordered on ${day(iso(last.at))}`,
    method: 'brand-cadence',
  };
}

function fromOwnIntervals(sku: string, purchases: Purchase[], last: Purchase): Prediction {
  const daysPerUnit = purchases.slice(1).map((next, index) => {
    const previous = purchases[index]!;
    return (next.at - previous.at) / DAY_MS / previous.quantity;
  });
  const perUnit = median(daysPerUnit);
  const days = perUnit * last.quantity;
  return {
    kind: 'replenish',
    sku,
    orderId: last.orderId,
    at: iso(last.at + days * DAY_MS),
    basis: `you have ordered ${last.name} ${purchases.length} times, about every ${Math.round(perUnit)} days`,
    method: 'own-intervals',
  };
}

function fromExpectedUse(sku: string, last: Purchase): Prediction | undefined {
  if (!last.expectedUseDays || !last.deliveredAt) return undefined;
  const days = last.expectedUseDays * last.quantity;
  return {
    kind: 'replenish',
    sku,
    orderId: last.orderId,
    at: iso(Date.parse(last.deliveredAt) + days * DAY_MS),
    basis: `${last.quantity} × ${last.name} usually last about ${Math.round(days)} days, and yours arrived on ${day(last.deliveredAt)}`,
    method: 'expected-use',
  };
}

/** Dispatch → delivery times of the journey's delivered orders. */
export function observedTransitMs(state: JourneyState): number[] {
  const live = Object.values(state.orders)
    .sort((a, b) => a.orderId.localeCompare(b.orderId))
    .flatMap((order) => {
      if (!order.dispatchedAt || !order.deliveredAt) return [];
      const ms = Date.parse(order.deliveredAt) - Date.parse(order.dispatchedAt);
      return ms > 0 ? [ms] : [];
    });
  return [...(state.archive?.transitMs ?? []), ...live];
}

/** The risk that a dispatched, undelivered order arrives after its promised date. */
export function predictDeliveryRisk(order: OrderState, samplesMs: readonly number[]): Prediction | undefined {
  if (!order.dispatchedAt || order.deliveredAt || !order.promisedDeliveryAt) return undefined;
  if (order.status === 'cancelled' || order.status === 'returned') return undefined;
  const promised = Date.parse(order.promisedDeliveryAt);
  if (order.estimatedDeliveryAt && Date.parse(order.estimatedDeliveryAt) > promised) {
    return {
      kind: 'late-delivery',
      orderId: order.orderId,
      at: order.estimatedDeliveryAt,
      risk: 1,
      basis: `the carrier now expects it on ${day(order.estimatedDeliveryAt)}, after the ${day(order.promisedDeliveryAt)} we promised`,
      method: 'carrier-eta',
    };
  }
  return fromTransitSamples(order, promised, samplesMs);
}

function fromTransitSamples(order: OrderState, promised: number, samplesMs: readonly number[]): Prediction {
  const observed = samplesMs.length >= MIN_TRANSIT_SAMPLES;
  const samples = observed ? [...samplesMs] : DEFAULT_TRANSIT_DAYS.map((days) => days * DAY_MS);
  const dispatched = Date.parse(order.dispatchedAt!);
  const late = samples.filter((ms) => dispatched + ms > promised).length;
  const typicalDays = median(samples) / DAY_MS;
  const seen = observed ? `in the ${samples.length} deliveries we have seen` : 'usually';
  return {
    kind: 'late-delivery',
    orderId: order.orderId,
    at: iso(dispatched + median(samples)),
    risk: late / samples.length,
    basis: `it left our warehouse on ${day(order.dispatchedAt!)}, and ${seen} parcels take about ${round1(typicalDays)} days`,
    method: observed ? 'observed-transit' : 'default-transit',
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const iso = (ms: number): string => new Date(Math.round(ms)).toISOString();
/** A date as the customer reads it in a reason (YYYY-MM-DD: no locale, so deterministic). */
export const day = (instant: string): string => instant.slice(0, 10);
const round1 = (value: number): string => String(Math.round(value * 10) / 10);
