import { DateTime } from 'luxon';
import { LATE_RISK_ANCHOR, lateRiskAt } from '../anticipation/late-notice';
import { isAfter } from '../instants';
import { observedTransitMs, predictDeliveryRisk } from '../predictions';
import type { JourneyState } from '../../workflows/journey/state';
import type { OrderState } from '../../workflows/order/order-state';
import { knownEvents } from './anchors';
import type { CheckContext } from './checks';
import type { Anchor } from './schema';

/**
 * When a late-delivery message says the parcel will now arrive: the carrier's new estimate,
 * or our own when the brand's transit times predict it later. One answer for the message's
 * data (data.ts) and for the `expectedAfterPromisedDay` condition (checks.ts), so a message
 * is never sent whose date contradicts it.
 */

/** What a message about a late delivery needs: how likely, when we expect it now, and why. */
export interface LateRiskEstimate {
  risk?: number;
  at: string;
  basis: string;
}

export function lateRisk(state: JourneyState, anchor: Anchor, context: CheckContext): LateRiskEstimate | undefined {
  const order = anchor.orderId ? state.orders[anchor.orderId] : undefined;
  if (!order) return undefined;
  if (anchor.source === LATE_RISK_ANCHOR) return conditionalEstimate(state, order.orderId, anchor, context);
  return predictDeliveryRisk(order, [...observedTransitMs(state), ...(context.transitSamplesMs ?? [])]);
}

/** From the brand's learned transit times, given the parcel has not arrived by now (late-notice.ts). */
function conditionalEstimate(
  state: JourneyState,
  orderId: string,
  anchor: Anchor,
  context: CheckContext,
): LateRiskEstimate | undefined {
  const outlook = state.anticipation?.lateRisk[orderId];
  if (!outlook) return undefined;
  const estimate = lateRiskAt(outlook, context.now ?? anchor.at);
  return { risk: estimate.risk, at: estimate.expectedAt, basis: estimate.basis };
}

/** With a predicted risk: our own estimate stands in for a carrier ETA that is missing or still claims "on time". */
export function arrivalWithRisk(order: OrderState, risk: LateRiskEstimate): string | undefined {
  const predictedLate = order.promisedDeliveryAt !== undefined && risk.at > order.promisedDeliveryAt;
  return predictedLate ? latest(order.estimatedDeliveryAt, risk.at) : order.estimatedDeliveryAt;
}

/** The arrival a late-delivery message about the anchor's order announces (undefined: none known). */
export function announcedArrival(state: JourneyState, anchor: Anchor, context: CheckContext): string | undefined {
  const order = anchor.orderId ? state.orders[anchor.orderId] : undefined;
  if (!order) return undefined;
  const risk = lateRisk(state, anchor, context);
  if (risk?.risk) return arrivalWithRisk(order, risk);
  const event = anchor.eventId
    ? knownEvents(state, context.event).find((known) => known.eventId === anchor.eventId)
    : undefined;
  if (event?.type === 'shipment.delayed') return event.newEstimatedDeliveryAt;
  return order.estimatedDeliveryAt;
}

function latest(a: string | undefined, b: string): string {
  return a && isAfter(a, b) ? a : b;
}

/** The zone the customer reads their dates in (compose.ts renders them there too): theirs, else the brand's. */
export function customerZone(state: JourneyState, context: CheckContext): string {
  return state.profile.timezone ?? context.profile?.businessHours.timezone ?? 'UTC';
}

/** The customer was given a day: an arrival later that same day (in their zone) is not late to them. */
export function isAfterPromisedDay(expected: string, promised: string, timeZone: string): boolean {
  return dayIn(expected, timeZone) > dayIn(promised, timeZone);
}

/**
 * The calendar day (YYYY-MM-DD) of an instant in a zone. Through luxon, which keeps one Intl
 * formatter per zone: a new Intl.DateTimeFormat per date was 2% of the workflow thread's time.
 */
export function dayIn(instant: string, timeZone: string): string {
  const key = `${timeZone} ${instant}`;
  let day = daysInZone.get(key);
  if (day === undefined) {
    day = DateTime.fromISO(instant, { zone: timeZone }).toISODate() ?? undefined;
    if (day === undefined) throw new RangeError(`cannot tell the day of ${instant} in ${timeZone}`);
    if (daysInZone.size >= DAYS_KEPT) daysInZone.clear();
    daysInZone.set(key, day);
  }
  return day;
}

/**
 * Days already worked out. A journey's planning asks the day of the same few instants (the
 * promised date, the expected arrival) for every contact it builds, round after round, each
 * parsed by luxon: 3% of the workflow thread at a dispatch (issue 13). Workflows of a worker
 * share this memo (workflows/shared-logic.ts): the day depends on the instant and the zone
 * alone, so which workflow asked first makes no difference; cleared when full, so it stays small.
 */
const daysInZone = new Map<string, string>();
const DAYS_KEPT = 5_000;
