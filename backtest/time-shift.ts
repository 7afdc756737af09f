import type { LifecycleEvent } from '../common/events';

export const WEEK_MS = 7 * 24 * 3_600_000;

/**
 * The time-skipping server's clock starts at "now" and only moves forward, so a history from
 * the past is replayed shifted to start just after the server's clock, by a whole number of
 * 52-week "years" (364 days). Whole weeks keep every event's weekday and UTC time of day, so
 * business hours, weekends and quiet hours fall as they did; whole 52-week years also keep
 * the season, so a zone's daylight-saving state is the same on both timelines and local times
 * stay what they were. (Near a DST boundary, the day or two the boundary moves from one year
 * to the next can still move a local time by an hour; public holidays fall on other weekdays.)
 *
 * The shift is the smallest such multiple (possibly negative, for a history in the future)
 * that puts the first event at least `leadMs` after the server's clock.
 */
export const SHIFT_UNIT_MS = 52 * WEEK_MS;

export function weekShiftMs(firstEventMs: number, serverNowMs: number, leadMs = 60_000): number {
  return Math.ceil((serverNowMs + leadMs - firstEventMs) / SHIFT_UNIT_MS) * SHIFT_UNIT_MS;
}

/** Every instant an event carries (its own time and the dates it announces). */
const TIME_FIELDS: ReadonlySet<string> = new Set([
  'occurredAt',
  'promisedDeliveryAt',
  'estimatedDeliveryAt',
  'newEstimatedDeliveryAt',
  'renewsAt',
  'endsAt',
  'warrantyEndsAt',
]);

/** The event on the server's timeline: each of its instants moved by `shiftMs`, nothing else changed. */
export function shiftEvent(event: LifecycleEvent, shiftMs: number): LifecycleEvent {
  return shiftFields(event, shiftMs) as LifecycleEvent;
}

function shiftFields(value: unknown, shiftMs: number): unknown {
  if (Array.isArray(value)) return value.map((item) => shiftFields(item, shiftMs));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [
      key,
      TIME_FIELDS.has(key) && typeof field === 'string' ? shiftInstant(field, shiftMs) : shiftFields(field, shiftMs),
    ]),
  );
}

export function shiftInstant(iso: string, shiftMs: number): string {
  return new Date(Date.parse(iso) + shiftMs).toISOString();
}

/** An instant observed on the server's timeline, back on the history's. */
export function toHistoryTime(serverIso: string | number, shiftMs: number): string {
  const ms = typeof serverIso === 'number' ? serverIso : Date.parse(serverIso);
  return new Date(ms - shiftMs).toISOString();
}
