import { LATE_RISK_ANCHOR } from '../anticipation/late-notice';
import type { LifecycleEvent } from '../events';
import type { ServiceProfile } from '../profiles/schema';
import { orderCount } from '../../workflows/journey/archive';
import type { JourneyState } from '../../workflows/journey/state';
import { isAfter } from '../instants';
import { eventTypesSince } from './anchors';
import { announcedArrival, customerZone, dayIn, isAfterPromisedDay, lateRisk } from './arrival';
import type { Anchor, Conditions, ExitGoal } from './schema';

/**
 * Conditions and exit goals, evaluated against the journey as it is now. Each check answers
 * `undefined` (fine) or the reason in words, so a skipped contact says why.
 */

/** What the engine needs of a brand's service profile. */
export type PlaybookProfile = Pick<
  ServiceProfile,
  'style' | 'touchpoints' | 'escalation' | 'targets' | 'businessHours'
>;

export interface CheckContext {
  profile?: PlaybookProfile;
  /** The event being applied now (customer events are not kept in the state). */
  event?: LifecycleEvent;
  /** Transit times observed beyond this customer (e.g. the brand's), for late-delivery risk. */
  transitSamplesMs?: readonly number[];
  /** The instant of the decision (the engine sets it): conditional risks depend on it. */
  now?: string;
}

type Check = (state: JourneyState, conditions: Conditions, anchor: Anchor, context: CheckContext) => string | undefined;

const checks: readonly Check[] = [
  (state, { stage }) => (stage && !stage.includes(state.stage) ? `the journey is in ${state.stage}` : undefined),
  (_state, { style }, _anchor, { profile }) => {
    if (!style) return undefined;
    if (!profile) return 'the brand’s service style is unknown';
    return style.includes(profile.style) ? undefined : `the brand is ${profile.style}`;
  },
  (state, { orderStatus }, anchor) => {
    if (!orderStatus) return undefined;
    const order = anchor.orderId ? state.orders[anchor.orderId] : undefined;
    if (!order) return 'no order to check';
    return orderStatus.includes(order.status) ? undefined : `order ${order.orderId} is ${order.status}`;
  },
  (state, { caseStatus }, anchor) => {
    if (!caseStatus) return undefined;
    const item = anchor.caseId ? state.cases[anchor.caseId] : undefined;
    if (!item) return 'no case to check';
    return caseStatus.includes(item.status) ? undefined : `case ${item.caseId} is ${item.status}`;
  },
  (state, { nothingSince }, anchor, { event }) => {
    if (!nothingSince) return undefined;
    const since = eventTypesSince(state, anchor.at, event);
    const happened = nothingSince.find((type) => since.has(type));
    return happened ? `${happened} happened since ${anchor.at}` : undefined;
  },
  (state, { minOrders }) =>
    minOrders && orderCount(state) < minOrders ? `fewer than ${minOrders} orders so far` : undefined,
  (state, { minLateRisk }, anchor, context) => {
    // The crossing anchor IS where the brand's threshold is reached (or its minimum lead): met by construction.
    if (minLateRisk === undefined || anchor.source === LATE_RISK_ANCHOR) return undefined;
    const risk = lateRisk(state, anchor, context)?.risk ?? 0;
    return risk >= minLateRisk
      ? undefined
      : `late-delivery risk ${Math.round(risk * 100)}% is below ${minLateRisk * 100}%`;
  },
  (state, { expectedAfterPromisedDay }, anchor, context) => {
    if (!expectedAfterPromisedDay) return undefined;
    const promised = anchor.orderId ? state.orders[anchor.orderId]?.promisedDeliveryAt : undefined;
    // As of when the message would go: a late-risk notice planned now is sent at its crossing.
    const sendsAt = context.now && isAfter(context.now, anchor.at) ? context.now : anchor.at;
    const expected = announcedArrival(state, anchor, { ...context, now: sendsAt });
    // Without a promised date or an estimate there is nothing to compare: the message goes as before.
    if (!promised || !expected) return undefined;
    const zone = customerZone(state, context);
    return isAfterPromisedDay(expected, promised, zone)
      ? undefined
      : `expected on ${dayIn(expected, zone)}, not after the promised ${dayIn(promised, zone)} (${zone})`;
  },
];

export function unmetCondition(
  state: JourneyState,
  conditions: Conditions,
  anchor: Anchor,
  context: CheckContext,
): string | undefined {
  for (const check of checks) {
    const why = check(state, conditions, anchor, context);
    if (why) return `condition not met: ${why}`;
  }
  return undefined;
}

/** The exit goal, if met: the contact is no longer needed. */
export function goalMet(state: JourneyState, goal: ExitGoal | undefined, anchor: Anchor): string | undefined {
  switch (goal) {
    case undefined:
      return undefined;
    case 'reordered':
      return reordered(state, anchor);
    case 'delivered': {
      const order = anchor.orderId ? state.orders[anchor.orderId] : undefined;
      return order?.deliveredAt ? `goal met: order ${order.orderId} was delivered` : undefined;
    }
    case 'case-closed': {
      const item = anchor.caseId ? state.cases[anchor.caseId] : undefined;
      return item?.status === 'resolved' ? `goal met: case ${item.caseId} is resolved` : undefined;
    }
    case 'question-answered':
      return anchor.questionId && !state.openQuestions.includes(anchor.questionId)
        ? `goal met: question ${anchor.questionId} was answered`
        : undefined;
    case 'survey-answered': {
      const item = anchor.caseId ? state.cases[anchor.caseId] : undefined;
      return item?.satisfactionScore !== undefined ? `goal met: the customer rated case ${item.caseId}` : undefined;
    }
  }
}

/** An order with the anchor's sku placed after the anchor's own order (or after the anchor's time). */
function reordered(state: JourneyState, anchor: Anchor): string | undefined {
  if (!anchor.sku) return undefined;
  const since = (anchor.orderId && state.orders[anchor.orderId]?.placedAt) || anchor.at;
  const again = Object.values(state.orders).find(
    (order) =>
      order.orderId !== anchor.orderId &&
      order.status !== 'cancelled' &&
      order.placedAt !== undefined &&
      isAfter(order.placedAt, since) &&
      order.items.some((item) => item.sku === anchor.sku),
  );
  return again ? `goal met: ${anchor.sku} re-ordered in ${again.orderId}` : undefined;
}
