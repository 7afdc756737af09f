import type { LifecycleEventInput } from '../../common/events';
import { normalCdf, seededRandom, type Random } from './random';
import type { HistoryTruth, TruthCase, TruthCustomer, TruthOrder, TruthParameters } from './truth';

/**
 * A synthetic lifecycle history with a known ground truth, for backtests whose scores are
 * checked against what the generator decided rather than against Kept's own code.
 *
 * The model (every parameter is written to truth.json):
 * - Customers of the two shipped brands (config/profiles: nordhem 70 %, maison-laurent 30 %),
 *   each introduced by a profile.updated (name, email, locale, timezone).
 * - Orders: 1–3 pieces of furniture per customer at uniform times; a third of customers also
 *   re-order a consumable on their own cadence (28–56 days, ± up to 3 days).
 * - Every order is promised for placed + PROMISED_DAYS; it is dispatched after a uniform
 *   delay and travels for a log-normal time (right-skewed: a heavy tail of slow parcels).
 *   It is late when it arrives after the promise. The carrier reports most late parcels
 *   (shipment.delayed before the promise) and a few false alarms.
 * - Some delivered furniture is activated; some leads to a case, resolved, sometimes reopened.
 * Events after the history's end are cut off, as a real export would be: an order may be
 * dispatched but never delivered in the history (its truth still says when it arrived).
 */
export interface GenerateOptions {
  customers: number;
  seed: string;
  /** ISO instant the history starts at; fixed by default so the output never depends on today. */
  start?: string;
  days?: number;
  /** Order placed → promised date, whole days drawn uniformly in [min, max] (default: always PROMISED_DAYS). */
  promisedDays?: { min: number; max: number };
  /** Transit time (default: TRANSIT_DAYS); a `tail` makes it a mixture with a share of held-up parcels. */
  transitDays?: TransitDays;
  /** Share of late orders whose delay the carrier reports (default DELAY_REPORTED_SHARE). */
  delayReportedShare?: number;
  /** Share of on-time orders with a false delay report (default FALSE_ALARM_SHARE). */
  falseAlarmShare?: number;
}

export type TransitDays = TruthParameters['transitDays'];

export interface GeneratedHistory {
  events: LifecycleEventInput[];
  truth: HistoryTruth;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
export const DEFAULT_START = '2025-09-01T00:00:00.000Z';
export const DEFAULT_DAYS = 180;
const PROMISED_DAYS = 5;
const DISPATCH_DELAY_DAYS = { min: 0.3, max: 1.5 } as const;
const TRANSIT_DAYS: TransitDays = { distribution: 'log-normal', median: 2.2, sigma: 0.45 };
const DELAY_REPORTED_SHARE = 0.6;
const FALSE_ALARM_SHARE = 0.02;
const REORDERING_SHARE = 0.33;
const ACTIVATION_SHARE = 0.5;
const CASE_SHARE = 0.15;
const REOPEN_SHARE = 0.3;

interface Product {
  sku: string;
  name: string;
  category: string;
  price: number;
  expectedUseDays?: number;
}

interface Brand {
  brand: 'nordhem' | 'maison-laurent';
  prefix: string;
  furniture: Product[];
  consumable: Product;
  places: { locale: string; timezone: string }[];
}

const BRANDS: Brand[] = [
  {
    brand: 'nordhem',
    prefix: 'nh',
    furniture: [
      { sku: 'shelf-oak-80', name: 'Oak shelf 80 cm', category: 'storage', price: 129 },
      { sku: 'sofa-linen-3', name: 'Linen sofa, 3 seats', category: 'sofas', price: 899 },
      { sku: 'lamp-brass', name: 'Brass floor lamp', category: 'lighting', price: 149 },
      { sku: 'table-ash-180', name: 'Ash dining table', category: 'tables', price: 649 },
    ],
    consumable: { sku: 'oil-wood-250', name: 'Wood care oil 250 ml', category: 'care', price: 14, expectedUseDays: 42 },
    places: [
      { locale: 'en-GB', timezone: 'Europe/London' },
      { locale: 'sv-SE', timezone: 'Europe/Stockholm' },
      { locale: 'de-DE', timezone: 'Europe/Berlin' },
    ],
  },
  {
    brand: 'maison-laurent',
    prefix: 'ml',
    furniture: [
      { sku: 'armchair-velvet', name: 'Velvet armchair', category: 'furniture', price: 2400 },
      { sku: 'console-marble', name: 'Marble console', category: 'furniture', price: 3800 },
      { sku: 'mirror-gilt', name: 'Gilt mirror', category: 'decor', price: 1900 },
    ],
    consumable: {
      sku: 'candle-refill-amber',
      name: 'Amber candle refill',
      category: 'home-fragrance',
      price: 45,
      expectedUseDays: 30,
    },
    places: [
      { locale: 'fr', timezone: 'Europe/Paris' },
      { locale: 'en', timezone: 'America/New_York' },
      { locale: 'en-GB', timezone: 'Europe/London' },
    ],
  },
];

const FIRST_NAMES = ['Alex', 'Maja', 'Jonas', 'Claire', 'Olle', 'Ines', 'Hugo', 'Priya', 'Sam', 'Léa', 'Mei', 'Noah'];
const LAST_NAMES = ['Berg', 'Martin', 'Okafor', 'Dubois', 'Lind', 'Kowalski', 'Rossi', 'Tanaka', 'Moreau', 'Shah'];
const ROOT_CAUSES = ['assembly-instructions', 'transit-damage', 'missing-part', 'finish-defect'];

export function generateHistory(options: GenerateOptions): GeneratedHistory {
  const random = seededRandom(options.seed);
  const startMs = Date.parse(options.start ?? DEFAULT_START);
  const endMs = startMs + (options.days ?? DEFAULT_DAYS) * DAY_MS;
  const promised = options.promisedDays ?? { min: PROMISED_DAYS, max: PROMISED_DAYS };
  const transit = options.transitDays ?? TRANSIT_DAYS;
  const parameters: TruthParameters = {
    seed: options.seed,
    customers: options.customers,
    historyStart: iso(startMs),
    historyEnd: iso(endMs),
    promisedDays: promised.min,
    ...(promised.max !== promised.min ? { promisedDaysMax: promised.max } : {}),
    dispatchDelayDays: { ...DISPATCH_DELAY_DAYS },
    transitDays: { ...transit },
    expectedLateShare: expectedLateShare(promised, transit),
    delayReportedShare: options.delayReportedShare ?? DELAY_REPORTED_SHARE,
    falseAlarmShare: options.falseAlarmShare ?? FALSE_ALARM_SHARE,
  };
  const world = new World(random, startMs, endMs, parameters);
  for (let index = 1; index <= options.customers; index++) world.addCustomer(index);
  const events = world.events
    .filter((event) => Date.parse(event.occurredAt) < endMs)
    .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.eventId.localeCompare(b.eventId));
  return { events, truth: { parameters, orders: world.orders, customers: world.customers, cases: world.cases } };
}

/**
 * P(dispatch delay + transit > promised days), integrating the transit survival over the
 * uniform dispatch delay (midpoint rule, 2,000 steps) and the promised days (each whole day
 * equally likely): the share the realised one is tested against.
 */
export function expectedLateShare(
  promised: { min: number; max: number } = { min: PROMISED_DAYS, max: PROMISED_DAYS },
  transit: TransitDays = TRANSIT_DAYS,
): number {
  const steps = 2000;
  const { min, max } = DISPATCH_DELAY_DAYS;
  let sum = 0;
  for (let days = promised.min; days <= promised.max; days++) {
    for (let step = 0; step < steps; step++) {
      const delay = min + ((step + 0.5) / steps) * (max - min);
      sum += transitSurvival(transit, days - delay);
    }
  }
  return sum / (steps * (promised.max - promised.min + 1));
}

/** P(transit > days) under the (mixture of) log-normal(s). */
function transitSurvival(transit: TransitDays, days: number): number {
  const logNormalSurvival = (median: number, sigma: number) => 1 - normalCdf(Math.log(days / median) / sigma);
  const body = logNormalSurvival(transit.median, transit.sigma);
  if (!transit.tail) return body;
  const { share, median, sigma } = transit.tail;
  return (1 - share) * body + share * logNormalSurvival(median, sigma);
}

class World {
  readonly events: LifecycleEventInput[] = [];
  readonly orders: TruthOrder[] = [];
  readonly customers: TruthCustomer[] = [];
  readonly cases: TruthCase[] = [];
  private eventCounts = new Map<string, number>();
  private orderCounts = new Map<string, number>();

  constructor(
    private readonly random: Random,
    private readonly startMs: number,
    private readonly endMs: number,
    private readonly parameters: TruthParameters,
  ) {}

  addCustomer(index: number): void {
    const random = this.random;
    const brand = random.chance(0.7) ? BRANDS[0]! : BRANDS[1]!;
    const customerId = `${brand.prefix}-${String(index).padStart(5, '0')}`;
    const first = random.pick(FIRST_NAMES);
    const last = random.pick(LAST_NAMES);
    const place = random.pick(brand.places);
    const email = `${ascii(first)}.${ascii(last)}.${index}@example.com`.toLowerCase();
    const joinedMs = this.startMs + random.uniform(0, 0.6) * (this.endMs - this.startMs);
    const customer: TruthCustomer = { brand: brand.brand, customerId, name: `${first} ${last}`, email, ...place };
    this.customers.push(customer);
    this.emit(brand, customerId, joinedMs, { type: 'profile.updated', name: customer.name, email, ...place });

    const furnitureOrders = random.integer(1, 3);
    for (let n = 0; n < furnitureOrders; n++) {
      const placedMs = random.uniform(joinedMs + HOUR_MS, this.endMs);
      this.addFurnitureOrder(brand, customerId, random.pick(brand.furniture), placedMs);
    }
    if (random.chance(REORDERING_SHARE)) customer.reorders = this.addReorders(brand, customerId, joinedMs);
  }

  private addReorders(brand: Brand, customerId: string, joinedMs: number): TruthCustomer['reorders'] {
    const cadenceDays = this.random.pick([28, 35, 42, 56]);
    const jitterDays = this.random.integer(0, 3);
    const orderDates: string[] = [];
    let placedMs = joinedMs + this.random.uniform(0.1, 20) * DAY_MS;
    while (placedMs < this.endMs) {
      orderDates.push(iso(placedMs));
      this.addOrder(brand, customerId, brand.consumable, placedMs, true);
      placedMs += (cadenceDays + this.random.uniform(-jitterDays, jitterDays)) * DAY_MS;
    }
    return { sku: brand.consumable.sku, cadenceDays, jitterDays, orderDates };
  }

  private addFurnitureOrder(brand: Brand, customerId: string, product: Product, placedMs: number): void {
    const order = this.addOrder(brand, customerId, product, placedMs, false);
    const deliveredMs = Date.parse(order.deliveredAt);
    if (this.random.chance(ACTIVATION_SHARE)) {
      const activatedMs = deliveredMs + this.random.uniform(2 * HOUR_MS, 3 * DAY_MS);
      this.emit(brand, customerId, activatedMs, {
        type: 'product.activated',
        orderId: order.orderId,
        sku: product.sku,
      });
    }
    if (this.random.chance(CASE_SHARE)) this.addCase(brand, customerId, order, deliveredMs);
  }

  private addOrder(brand: Brand, customerId: string, product: Product, placedMs: number, consumable: boolean) {
    const random = this.random;
    const orderNumber = (this.orderCounts.get(customerId) ?? 0) + 1;
    this.orderCounts.set(customerId, orderNumber);
    const orderId = `${customerId}-o${orderNumber}`;
    const { promisedDays, promisedDaysMax, delayReportedShare, falseAlarmShare } = this.parameters;
    // Draws only what the options vary, so the default history stays the same for a seed.
    const days = promisedDaysMax === undefined ? promisedDays : random.integer(promisedDays, promisedDaysMax);
    const promisedMs = placedMs + days * DAY_MS;
    const dispatchedMs = placedMs + random.uniform(DISPATCH_DELAY_DAYS.min, DISPATCH_DELAY_DAYS.max) * DAY_MS;
    const deliveredMs = dispatchedMs + this.transitDays() * DAY_MS;
    // Compared as written (to the second), so the truth agrees with what the history shows.
    const late = iso(deliveredMs) > iso(promisedMs);
    const delayReported = late ? random.chance(delayReportedShare) : random.chance(falseAlarmShare);
    const order: TruthOrder = {
      brand: brand.brand,
      customerId,
      orderId,
      sku: product.sku,
      consumable,
      placedAt: iso(placedMs),
      promisedAt: iso(promisedMs),
      dispatchedAt: iso(dispatchedMs),
      deliveredAt: iso(deliveredMs),
      late,
      delayReported,
      falseAlarm: delayReported && !late,
      deliveredInHistory: deliveredMs < this.endMs,
    };
    this.orders.push(order);
    this.emit(brand, customerId, placedMs, {
      type: 'order.placed',
      orderId,
      items: [{ ...product, quantity: 1 }],
      currency: 'EUR',
      promisedDeliveryAt: order.promisedAt,
    });
    this.emit(brand, customerId, dispatchedMs, {
      type: 'shipment.dispatched',
      orderId,
      carrier: 'Parcelway',
      trackingId: `PW${orderId.replace(/[^A-Za-z0-9]/g, '').toUpperCase()}`,
    });
    if (delayReported) this.emitDelay(brand, order, dispatchedMs, promisedMs, deliveredMs);
    this.emit(brand, customerId, deliveredMs, { type: 'shipment.delivered', orderId });
    return order;
  }

  private transitDays(): number {
    const { median, sigma, tail } = this.parameters.transitDays;
    if (tail && this.random.chance(tail.share)) return this.random.logNormal(tail.median, tail.sigma);
    return this.random.logNormal(median, sigma);
  }

  /** The carrier's delay report: before the promise (and the arrival), with a new ETA after the promise. */
  private emitDelay(brand: Brand, order: TruthOrder, dispatchedMs: number, promisedMs: number, deliveredMs: number) {
    const random = this.random;
    const latestReport = Math.min(promisedMs, deliveredMs) - HOUR_MS;
    const reportedMs = Math.max(dispatchedMs + HOUR_MS, latestReport - random.uniform(0.2, 1.5) * DAY_MS);
    const etaMs = order.late
      ? Math.max(deliveredMs + random.uniform(-0.5, 0.5) * DAY_MS, promisedMs + 6 * HOUR_MS)
      : promisedMs + random.uniform(0.5, 2) * DAY_MS;
    this.emit(brand, order.customerId, reportedMs, {
      type: 'shipment.delayed',
      orderId: order.orderId,
      newEstimatedDeliveryAt: iso(etaMs),
      reason: 'carrier backlog',
    });
  }

  private addCase(brand: Brand, customerId: string, order: TruthOrder, deliveredMs: number): void {
    const random = this.random;
    const caseId = `${order.orderId}-c1`;
    const reportedMs = deliveredMs + random.uniform(1, 20) * DAY_MS;
    const entry: TruthCase = {
      brand: brand.brand,
      customerId,
      caseId,
      orderId: order.orderId,
      reportedAt: iso(reportedMs),
      resolvedAt: [],
      reopenedAt: [],
    };
    this.cases.push(entry);
    this.emit(brand, customerId, reportedMs, {
      type: 'issue.reported',
      caseId,
      orderId: order.orderId,
      sku: order.sku,
      category: 'product',
      channel: 'email',
      summary: 'Something is not right with the piece we received.',
    });
    let resolvedMs = reportedMs + random.uniform(0.5, 6) * DAY_MS;
    this.resolve(brand, entry, resolvedMs);
    if (!random.chance(REOPEN_SHARE)) return;
    const reopenedMs = resolvedMs + random.uniform(1, 25) * DAY_MS;
    entry.reopenedAt.push(iso(reopenedMs));
    this.emit(brand, customerId, reopenedMs, { type: 'case.reopened', caseId, reason: 'the problem came back' });
    resolvedMs = reopenedMs + random.uniform(1, 4) * DAY_MS;
    this.resolve(brand, entry, resolvedMs);
  }

  private resolve(brand: Brand, entry: TruthCase, resolvedMs: number): void {
    entry.resolvedAt.push(iso(resolvedMs));
    this.emit(brand, entry.customerId, resolvedMs, {
      type: 'case.resolved',
      caseId: entry.caseId,
      outcome: 'resolved',
      rootCause: this.random.pick(ROOT_CAUSES),
    });
  }

  private emit(brand: Brand, customerId: string, atMs: number, body: DistributiveOmit<LifecycleEventInput>): void {
    const count = (this.eventCounts.get(customerId) ?? 0) + 1;
    this.eventCounts.set(customerId, count);
    const envelope = { eventId: `${customerId}-e${count}`, brand: brand.brand, customerId, occurredAt: iso(atMs) };
    this.events.push({ ...envelope, ...body } as LifecycleEventInput);
  }
}

type DistributiveOmit<T> = T extends unknown ? Omit<T, 'eventId' | 'brand' | 'customerId' | 'occurredAt'> : never;

/** Milliseconds rounded to the second, so instants read cleanly in the history. */
function iso(ms: number): string {
  return new Date(Math.round(ms / 1000) * 1000).toISOString();
}

function ascii(text: string): string {
  return text.normalize('NFD').replace(/[^A-Za-z]/g, '');
}
