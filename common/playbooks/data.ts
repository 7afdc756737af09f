import { addBusinessDuration } from '../business-time';
import type { LifecycleEvent, Severity } from '../events';
import type { JourneyState } from '../../workflows/journey/state';
import { addSigned, knownEvents } from './anchors';
import { arrivalWithRisk, customerZone, dayIn, isAfterPromisedDay, lateRisk } from './arrival';
import { LATE_RISK_ANCHOR } from '../anticipation/late-notice';
import type { CheckContext } from './checks';
import type { Anchor, PlannedContact, PlaybookAction } from './schema';

/**
 * The values a contact carries for its template and reason: order, product, new ETA,
 * warranty end, the prediction's explanation, ... Pure, from the state and the anchor.
 */
export type ContactData = PlannedContact['data'];

export function contactData(
  state: JourneyState,
  anchor: Anchor,
  context: CheckContext,
  events?: readonly LifecycleEvent[],
): ContactData {
  const data: ContactData = {};
  for (const key of ['orderId', 'caseId', 'sku', 'questionId'] as const) {
    if (anchor[key]) data[key] = anchor[key];
  }
  Object.assign(
    data,
    orderData(state, anchor),
    caseData(state, anchor),
    anchorEventData(state, anchor, context, events),
  );
  Object.assign(data, predictionData(state, anchor, context));
  if (anchor.source === LATE_RISK_ANCHOR) sayAsPrediction(data, state, context);
  return data;
}

/**
 * A notice from our own prediction says the parcel MAY be late (the templates' wording under
 * `predictedLate`), and gives a new date only when that date is after the promised day: "may
 * not arrive on the 20th; we now expect it around the 20th" would contradict itself.
 */
function sayAsPrediction(data: ContactData, state: JourneyState, context: CheckContext): void {
  data.predictedLate = true;
  const { newEstimatedDeliveryAt: expected, promisedDeliveryAt: promised } = data;
  if (typeof expected !== 'string' || typeof promised !== 'string') return;
  // null, not absent: at fire time the planner lays fresh data over what was planned (planner.ts),
  // and a date planned earlier must not come back.
  if (!isAfterPromisedDay(expected, promised, customerZone(state, context))) data.newEstimatedDeliveryAt = null;
}

function orderData(state: JourneyState, anchor: Anchor): ContactData {
  const order = anchor.orderId ? state.orders[anchor.orderId] : undefined;
  if (!order) return {};
  const item = order.items.find((candidate) => candidate.sku === anchor.sku) ?? order.items[0];
  return withoutUndefined({
    productName: item?.name,
    promisedDeliveryAt: order.promisedDeliveryAt,
    newEstimatedDeliveryAt: order.estimatedDeliveryAt,
    endsAt: anchor.source === 'order.warrantyEndsAt' ? anchor.at : undefined,
  });
}

/** The case.update's answer when the team left no note (customer templates word it in their own language). */
export const CASE_UPDATE_WITHOUT_NOTE = 'it is still open and in hand, and nothing is needed from you for now';

function caseData(state: JourneyState, anchor: Anchor): ContactData {
  const item = anchor.caseId ? state.cases[anchor.caseId] : undefined;
  if (!item) return {};
  const lastNote = [...item.events].reverse().find((event) => event.type === 'case.updated' && event.note);
  return withoutUndefined({
    caseSummary: item.summary,
    // The case.update template says where things stand; without a note from the team, the honest answer.
    update: lastNote && 'note' in lastNote ? lastNote.note : CASE_UPDATE_WITHOUT_NOTE,
  });
}

/** Details only the triggering event has: the carrier's new ETA and why, why a delivery failed. */
function anchorEventData(
  state: JourneyState,
  anchor: Anchor,
  context: CheckContext,
  events: readonly LifecycleEvent[] = knownEvents(state, context.event),
): ContactData {
  if (!anchor.eventId) return {};
  const event = events.find((known) => known.eventId === anchor.eventId);
  if (event?.type === 'shipment.delayed') {
    return withoutUndefined({ newEstimatedDeliveryAt: event.newEstimatedDeliveryAt, delayReason: event.reason });
  }
  if (event?.type === 'delivery.failed') return withoutUndefined({ failureReason: event.reason });
  if (event?.type === 'usage.dropped' && event.sku) {
    return withoutUndefined({ sku: event.sku, productName: productName(state, event.sku) });
  }
  return {};
}

function predictionData(state: JourneyState, anchor: Anchor, context: CheckContext): ContactData {
  if (anchor.source === 'predicted.replenishAt') {
    return withoutUndefined({ runsOutAt: anchor.at, basis: anchor.basis });
  }
  if (anchor.source === 'predicted.usageDropAt') return withoutUndefined({ basis: anchor.basis });
  const risk = lateRisk(state, anchor, context);
  if (!risk?.risk) return {};
  return withoutUndefined({
    basis: risk.basis,
    lateRiskPercent: Math.round(risk.risk * 100),
    newEstimatedDeliveryAt: arrivalWithRisk(state.orders[anchor.orderId!]!, risk),
  });
}

function productName(state: JourneyState, sku: string): string | undefined {
  for (const order of Object.values(state.orders)) {
    const item = order.items.find((candidate) => candidate.sku === sku);
    if (item) return item.name;
  }
  return undefined;
}

/**
 * The playbook's reason with `{name}` filled from the data; at most 300 characters. Dates are
 * YYYY-MM-DD as the day falls in `timeZone` (the customer's): the reason stands next to the
 * message's own rendering of the date, which is in the customer's zone too.
 */
export function fillReason(
  template: string,
  data: Readonly<Record<string, unknown>>,
  timeZone = 'UTC',
  // The customer's message formats dates for its reader (activity side); the journey's record keeps the day.
  formatDate: (instant: string) => string = (instant) => dayIn(instant, timeZone),
): string {
  const filled = template.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = data[name];
    if (value === undefined || value === null || typeof value === 'object') return '';
    return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? formatDate(value) : String(value);
  });
  const tidy = filled
    .replace(/\s+/g, ' ')
    .replace(/\s([,.;:)])/g, '$1')
    .replace(/\(\)/g, '')
    .trim();
  return tidy.length <= 300 ? tidy : `${tidy.slice(0, 299)}…`;
}

/** By when a task must be done: the brand's response target (business time) after the anchor. */
export function taskDeadline(
  action: Extract<PlaybookAction, { kind: 'create-task' }>,
  state: JourneyState,
  anchor: Anchor,
  context: CheckContext,
): string {
  const severity: Severity = (anchor.caseId && state.cases[anchor.caseId]?.severity) || 'normal';
  const profile = context.profile;
  const within = action.within === 'response-target' ? (profile?.targets.response[severity] ?? 'P1D') : action.within;
  if (!profile) return addSigned(anchor.at, within);
  return new Date(addBusinessDuration(Date.parse(anchor.at), within, profile.businessHours)).toISOString();
}

function withoutUndefined(record: Record<string, string | number | undefined>): ContactData {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as ContactData;
}
