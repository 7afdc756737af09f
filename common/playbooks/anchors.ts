import { DateTime, Duration } from 'luxon';
import { awaitsDelivery, LATE_RISK_ANCHOR } from '../anticipation/late-notice';
import type { LifecycleEvent } from '../events';
import { compareInstants, isAfter } from '../instants';
import { predictReplenishment } from '../predictions';
import type { JourneyState } from '../../workflows/journey/state';
import type { Anchor, AnchorField, PlanningPlaybook, Trigger } from './schema';

/**
 * Where a playbook's trigger attaches in a journey: the events and dates it anchors on, and
 * the instants that follows from them. Pure: instants are computed from the state alone.
 */

/**
 * Every event the journey still knows: order and case events are kept in full; customer
 * events (question.asked, usage.dropped, ...) are not, so the event being applied right now
 * is passed in by the caller, and the latest calm-stage signal stands in for older ones.
 */
export function knownEvents(state: JourneyState, current?: LifecycleEvent): LifecycleEvent[] {
  const events: LifecycleEvent[] = [
    ...Object.values(state.orders).flatMap((order) => order.events),
    ...Object.values(state.cases).flatMap((item) => item.events),
  ];
  if (current && !events.some((event) => event.eventId === current.eventId)) events.push(current);
  return events.sort((a, b) => compareInstants(a.occurredAt, b.occurredAt) || a.eventId.localeCompare(b.eventId));
}

/** Event types that happened after `after` (exclusive), with the calm signal's type among them. */
export function eventTypesSince(state: JourneyState, after: string, current?: LifecycleEvent): Set<string> {
  const types = new Set<string>(
    knownEvents(state, current)
      .filter((event) => isAfter(event.occurredAt, after))
      .map((event) => event.type),
  );
  if (state.lastCalmSignal && isAfter(state.lastCalmSignal.at, after)) types.add(state.lastCalmSignal.reason);
  return types;
}

export function triggerSource(trigger: Trigger): string {
  if ('on' in trigger) return trigger.on;
  if ('after' in trigger) return trigger.after;
  if ('at' in trigger) return trigger.at;
  return 'sweep';
}

/** Every anchor of a playbook's trigger in this journey (sweep triggers have none of their own). */
export function anchorsOf(
  state: JourneyState,
  playbook: PlanningPlaybook,
  current?: LifecycleEvent,
  events: readonly LifecycleEvent[] = knownEvents(state, current),
): Anchor[] {
  const trigger = playbook.trigger;
  if ('sweep' in trigger) return [];
  if ('at' in trigger) return fieldAnchors(state, trigger.at);
  const type = 'on' in trigger ? trigger.on : trigger.after;
  return events.filter((event) => event.type === type).map(eventAnchor);
}

function eventAnchor(event: LifecycleEvent): Anchor {
  const fields = event as Partial<Record<'orderId' | 'caseId' | 'sku' | 'questionId', string>>;
  return definedOnly({
    source: event.type,
    at: event.occurredAt,
    eventId: event.eventId,
    orderId: fields.orderId,
    caseId: fields.caseId,
    sku: fields.sku,
    questionId: fields.questionId,
  });
}

/** The anchors of a date field, one per order / item / case / prediction that has the date. */
export function fieldAnchors(state: JourneyState, field: AnchorField): Anchor[] {
  const [scope, name] = field.split('.') as [string, string];
  if (field === 'order.warrantyEndsAt') return warrantyAnchors(state);
  if (field === 'predicted.replenishAt') return replenishAnchors(state);
  if (field === LATE_RISK_ANCHOR) return lateRiskAnchors(state);
  if (field === 'predicted.usageDropAt') return usageDropAnchors(state);
  if (field === 'journey.firstOrderAt') return firstOrderAnchor(state);
  if (scope === 'order') return orderDateAnchors(state, field, name);
  if (scope === 'case') return caseDateAnchors(state, field, name);
  return [];
}

function orderDateAnchors(state: JourneyState, field: AnchorField, name: string): Anchor[] {
  return sortedValues(state.orders).flatMap((order) => {
    const at = (order as unknown as Record<string, unknown>)[name];
    return typeof at === 'string' ? [{ source: field, at, orderId: order.orderId }] : [];
  });
}

function caseDateAnchors(state: JourneyState, field: AnchorField, name: string): Anchor[] {
  return sortedValues(state.cases).flatMap((item) => {
    const at =
      name === 'lastActivityAt'
        ? (item.lastUpdateAt ?? item.openedAt)
        : name === 'resolvedAt'
          ? item.resolution?.resolvedAt
          : item.openedAt;
    return at ? [definedOnly({ source: field, at, caseId: item.caseId, orderId: item.orderId, sku: item.sku })] : [];
  });
}

function warrantyAnchors(state: JourneyState): Anchor[] {
  return sortedValues(state.orders).flatMap((order) =>
    order.items.flatMap((item) =>
      item.warrantyEndsAt
        ? [{ source: 'order.warrantyEndsAt', at: item.warrantyEndsAt, orderId: order.orderId, sku: item.sku }]
        : [],
    ),
  );
}

function replenishAnchors(state: JourneyState): Anchor[] {
  return predictReplenishment(state).map((need) =>
    definedOnly({
      source: 'predicted.replenishAt',
      at: need.at,
      orderId: need.orderId,
      sku: need.sku,
      basis: need.basis,
    }),
  );
}

/** One per dispatched, undelivered order whose outlook has a notice instant (late-notice.ts). */
function lateRiskAnchors(state: JourneyState): Anchor[] {
  const outlooks = state.anticipation?.lateRisk ?? {};
  return Object.keys(outlooks)
    .sort()
    .flatMap((orderId) => {
      const noticeAt = outlooks[orderId]!.noticeAt;
      const order = state.orders[orderId];
      return noticeAt && order && awaitsDelivery(order) ? [{ source: LATE_RISK_ANCHOR, at: noticeAt, orderId }] : [];
    });
}

/** One per product whose reported usage dropped (anticipation-state.ts), with the drop in words. */
function usageDropAnchors(state: JourneyState): Anchor[] {
  const usage = state.anticipation?.usage ?? {};
  return Object.keys(usage)
    .sort()
    .flatMap((key) => {
      const drop = usage[key]!.drop;
      if (!drop) return [];
      const sku = key === '*' ? undefined : key;
      const order = sku ? latestOrderWith(state, sku) : undefined;
      const basis = `your last report was ${round1(drop.level)}, against a usual ${round1(drop.baseline)}`;
      return [definedOnly({ source: 'predicted.usageDropAt', at: drop.at, sku, orderId: order, basis })];
    });
}

function latestOrderWith(state: JourneyState, sku: string): string | undefined {
  return sortedValues(state.orders)
    .filter((order) => order.items.some((item) => item.sku === sku))
    .sort((a, b) => (a.placedAt ?? '').localeCompare(b.placedAt ?? ''))
    .at(-1)?.orderId;
}

const round1 = (value: number): string => String(Math.round(value * 10) / 10);

function firstOrderAnchor(state: JourneyState): Anchor[] {
  const placed = Object.values(state.orders)
    .flatMap((order) => (order.placedAt ? [order.placedAt] : []))
    .concat(state.archive?.firstOrderAt ?? [])
    .sort(compareInstants);
  return placed[0] ? [{ source: 'journey.firstOrderAt', at: placed[0] }] : [];
}

function sortedValues<T>(record: Record<string, T>): T[] {
  return Object.keys(record)
    .sort()
    .map((key) => record[key]!);
}

/** `at` plus a signed ISO duration (`-P30D` = thirty days before), in UTC calendar time. */
export function addSigned(at: string, duration: string, times = 1): string {
  const negative = duration.startsWith('-');
  const unsigned = negative ? duration.slice(1) : duration;
  const fixedMs = fixedLengthMs(unsigned);
  const atMs = fixedMs === undefined ? undefined : strictInstantMs(at);
  if (atMs !== undefined) return new Date(atMs + (negative ? -1 : 1) * fixedMs! * times).toISOString();
  const parsed = Duration.fromISO(unsigned);
  const scaled = Duration.fromObject(
    Object.fromEntries(Object.entries(parsed.toObject()).map(([unit, value]) => [unit, (value ?? 0) * times])),
  );
  const start = DateTime.fromISO(at, { zone: 'utc' });
  return new Date((negative ? start.minus(scaled) : start.plus(scaled)).toMillis()).toISOString();
}

export function durationMs(duration: string): number {
  const unsigned = duration.replace(/^-/, '');
  return fixedLengthMs(unsigned) ?? Duration.fromISO(unsigned).toMillis();
}

/*
 * Playbook planning adds durations to instants for every anchor of every playbook at every
 * event, and luxon's parsing and calendar arithmetic were most of what it cost (issue 13).
 * In UTC a week, a day, an hour, a minute and a second each have one length, so a duration
 * made only of those, in whole numbers, is a number of milliseconds, and adding it to an
 * instant given with its offset is the sum luxon computes (test/anchors-arithmetic.test.ts
 * checks both against luxon). Anything else (months, years, fractions, an instant without
 * an offset, which luxon reads as UTC and Date.parse as local time) keeps luxon.
 */
const FIXED_LENGTH_DURATION = /^P(?:(\d{1,6})W)?(?:(\d{1,6})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,6})M)?(?:(\d{1,6})S)?)?$/;
const UNIT_MS = [7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1_000] as const;
const STRICT_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** An instant with its offset, on a day its month has (Date.parse takes 30 February as 2 March). */
function strictInstantMs(at: string): number | undefined {
  const date = STRICT_INSTANT.exec(at);
  if (!date) return undefined;
  const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return undefined;
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The length of a duration of weeks, days and clock time in whole numbers; else undefined. */
function fixedLengthMs(duration: string): number | undefined {
  const parts = FIXED_LENGTH_DURATION.exec(duration);
  if (!parts) return undefined;
  return UNIT_MS.reduce((sum, unitMs, index) => sum + Number(parts[index + 1] ?? 0) * unitMs, 0);
}

/** The base instant of a trigger for an anchor: the anchor's time plus the trigger's offset. */
export function triggerBase(trigger: Trigger, anchor: Anchor): string {
  if ('after' in trigger || 'at' in trigger) return addSigned(anchor.at, trigger.offset);
  return normalise(anchor.at);
}

export function normalise(instant: string): string {
  return new Date(instant).toISOString();
}

export function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
