import { DateTime, Duration } from 'luxon';
import { weekdays, type BusinessHours } from './profiles/schema';

/**
 * Business time: durations that only run while a brand is open, in the brand's timezone.
 *
 * Pure and deterministic for explicit instants (it never reads the clock), so workflows can
 * import it. Instants are epoch milliseconds; opening windows are half-open `[start, end)` in
 * the brand's local wall-clock time, so DST changes are handled by the timezone database and
 * an 11-hour opening day stays 11 real hours long on the day the clocks change.
 *
 * What a business duration means (the rule, also in the README):
 * - **Hours, minutes, seconds** (`PT4H`) count open time only: "within 4 business hours"
 *   skips nights, closed weekdays and holidays. A duration that ends exactly at closing time
 *   ends at closing time (not at the next opening), the earlier of the two equal instants.
 * - **Days** (`P1D`): one business day is "the same business-clock time on the next business
 *   day". A start outside opening hours first moves to the next opening. When the target day
 *   opens later or closes earlier, the time is clamped into that day's opening hours (before
 *   opening → its opening; after closing or in a break → the end of the window before).
 * - **Weeks** (`P1W`): as many business days as the brand opens per week (5 for Mon–Fri).
 * - Days are applied before hours (`P1DT2H` = one business day, then two business hours).
 * - Years and months are rejected: no sensible business meaning.
 */

export type Instant = number;
interface Window {
  start: Instant;
  end: Instant;
}

/** No calendar Kept accepts is closed for this long; guards against calendars that never open. */
const MAX_SEARCH_DAYS = 800;

export class BusinessTimeError extends Error {
  override name = 'BusinessTimeError';
}

/**
 * Opening windows per calendar and local date. Timezone arithmetic is the costly part and a
 * day's windows never change, so they are memoised (deterministic: the key is the date).
 *
 * Keyed by the calendar's text, not its object: each promise workflow parses its own copy of
 * the brand's calendar, and so does the activity that works out when a new promise first has
 * something to do (client/promises.ts), so an object-keyed memo missed on every one of them
 * and worked the same windows out again (issue 13). The text of each calendar object is taken
 * once (a WeakMap: it goes with its object).
 *
 * This module is shared by every workflow of a worker (workflows/shared-logic.ts), and so is
 * this memo, on purpose: an entry depends on nothing but the calendar's text and the date, so
 * an equal calendar gets equal windows whichever workflow asked first, and the windows are
 * frozen, so no workflow can change what another reads. It is bounded: cleared past
 * `MAX_CALENDARS` calendars, and a calendar's dates past `MAX_DATES_PER_CALENDAR`.
 */
const windowCache = new Map<string, Map<string, readonly Window[]>>();
const calendarTexts = new WeakMap<BusinessHours, string>();
const MAX_CALENDARS = 64;
const MAX_DATES_PER_CALENDAR = 4_096;

/** The opening windows of one local date `YYYY-MM-DD` (empty on holidays and closed weekdays). */
function windowsOn(date: string, hours: BusinessHours): readonly Window[] {
  const byDate = datesOf(hours);
  let windows = byDate.get(date);
  if (!windows) {
    if (byDate.size >= MAX_DATES_PER_CALENDAR) byDate.clear();
    byDate.set(date, (windows = computeWindows(date, hours)));
  }
  return windows;
}

function datesOf(hours: BusinessHours): Map<string, readonly Window[]> {
  let text = calendarTexts.get(hours);
  if (text === undefined) calendarTexts.set(hours, (text = JSON.stringify(hours)));
  let byDate = windowCache.get(text);
  if (!byDate) {
    if (windowCache.size >= MAX_CALENDARS) windowCache.clear();
    windowCache.set(text, (byDate = new Map()));
  }
  return byDate;
}

function computeWindows(date: string, hours: BusinessHours): readonly Window[] {
  if (hours.holidays.includes(date)) return Object.freeze([]);
  const day = DateTime.fromISO(date, { zone: hours.timezone });
  const weekday = weekdays[day.weekday - 1]!;
  const windows = (hours.week[weekday] ?? [])
    .map((window) => Object.freeze({ start: atClock(day, window.start), end: atClock(day, window.end) }))
    .sort((a, b) => a.start - b.start);
  return Object.freeze(windows);
}

function atClock(day: DateTime, clock: string): Instant {
  const [hour, minute] = clock.split(':').map(Number);
  return day.set({ hour, minute, second: 0, millisecond: 0 }).toMillis();
}

function localDate(instant: Instant, hours: BusinessHours): string {
  return DateTime.fromMillis(instant, { zone: hours.timezone }).toISODate() ?? '';
}

/** The next calendar date, by plain date arithmetic (no timezone involved). */
function nextDate(date: string): string {
  const [year, month, day] = date.split('-').map(Number);
  return new Date(Date.UTC(year!, month! - 1, day! + 1)).toISOString().slice(0, 10);
}

/** Every opening window that ends after `from`, in order, day by day. */
function* windowsFrom(from: Instant, hours: BusinessHours): Generator<Window> {
  let date = localDate(from, hours);
  for (let i = 0; i < MAX_SEARCH_DAYS; i++, date = nextDate(date)) {
    for (const window of windowsOn(date, hours)) if (window.end > from) yield window;
  }
  throw new BusinessTimeError(`no opening hours within ${MAX_SEARCH_DAYS} days in ${hours.timezone}`);
}

export function isOpen(instant: Instant, hours: BusinessHours): boolean {
  return windowsOn(localDate(instant, hours), hours).some((w) => w.start <= instant && instant < w.end);
}

/** The instant itself when open, otherwise the next opening. */
export function nextOpening(instant: Instant, hours: BusinessHours): Instant {
  for (const window of windowsFrom(instant, hours)) return Math.max(window.start, instant);
  throw new BusinessTimeError('unreachable');
}

/** Adds `ms` of open time. Zero adds nothing, even when closed (an immediate step stays immediate). */
export function addBusinessMs(start: Instant, ms: number, hours: BusinessHours): Instant {
  if (ms <= 0) return start;
  let remaining = ms;
  for (const window of windowsFrom(start, hours)) {
    const from = Math.max(window.start, start);
    const available = window.end - from;
    if (remaining <= available) return from + remaining;
    remaining -= available;
  }
  throw new BusinessTimeError('unreachable');
}

/** Open time between two instants, in ms; negative when `to` is before `from`. */
export function businessDurationBetween(from: Instant, to: Instant, hours: BusinessHours): number {
  if (to < from) return -businessDurationBetween(to, from, hours);
  let total = 0;
  for (const window of windowsFrom(from, hours)) {
    if (window.start >= to) break;
    total += Math.min(window.end, to) - Math.max(window.start, from);
  }
  return total;
}

/** The same business-clock time `days` business days later (see the rule at the top). */
export function addBusinessDays(start: Instant, days: number, hours: BusinessHours): Instant {
  if (days <= 0) return start;
  return businessDaysAfter(start, hours)(days);
}

/**
 * `addBusinessDays(start, day, hours)` for day 1, 2, 3, ... of one start: the capacity check
 * asks for each day in turn up to a promise's due day. The walk over the calendar and the
 * start's timezone arithmetic are done once for all of them, not again for every day.
 */
export function businessDaysAfter(start: Instant, hours: BusinessHours): (day: number) => Instant {
  const opened = DateTime.fromMillis(nextOpening(start, hours), { zone: hours.timezone });
  const clock = { hour: opened.hour, minute: opened.minute, second: opened.second, millisecond: opened.millisecond };
  const ends: Instant[] = [];
  let date = opened.toISODate() ?? '';
  let searched = 0;
  return (day) => {
    if (day <= 0) return start;
    while (ends.length < day) {
      if (searched >= MAX_SEARCH_DAYS * 4) {
        throw new BusinessTimeError(`no ${day} business days found in ${hours.timezone}`);
      }
      date = nextDate(date);
      searched += 1;
      const windows = windowsOn(date, hours);
      if (windows.length === 0) continue;
      const target = DateTime.fromISO(date, { zone: hours.timezone }).set(clock);
      ends.push(clampIntoDay(target.toMillis(), windows));
    }
    return ends[day - 1]!;
  };
}

function clampIntoDay(instant: Instant, windows: readonly Window[]): Instant {
  const first = windows[0]!;
  if (instant <= first.start) return first.start;
  const before = windows.filter((w) => w.start <= instant);
  const window = before[before.length - 1]!;
  return Math.min(instant, window.end);
}

function openDaysPerWeek(hours: BusinessHours): number {
  return weekdays.filter((day) => (hours.week[day] ?? []).length > 0).length;
}

/** The instant `isoDuration` of business time after `start` (see the rule at the top). */
export function addBusinessDuration(start: Instant, isoDuration: string, hours: BusinessHours): Instant {
  const duration = Duration.fromISO(isoDuration);
  if (!duration.isValid) throw new BusinessTimeError(`${isoDuration} is not an ISO 8601 duration`);
  if (duration.years || duration.months || duration.quarters) {
    throw new BusinessTimeError(`${isoDuration}: years and months are not business durations; use days or weeks`);
  }
  const days = duration.days + duration.weeks * openDaysPerWeek(hours);
  const afterDays = addBusinessDays(start, days, hours);
  const ms = Duration.fromObject({
    hours: duration.hours,
    minutes: duration.minutes,
    seconds: duration.seconds,
    milliseconds: duration.milliseconds,
  }).toMillis();
  return addBusinessMs(afterDays, ms, hours);
}

/**
 * The instant at `fraction` of the business time between `from` and `to` (e.g. a reminder at
 * 50% of a promise's window). A window with no open time at all falls back to real time.
 */
export function businessFraction(from: Instant, to: Instant, fraction: number, hours: BusinessHours): Instant {
  return businessFractionsOf(from, to, hours)(fraction);
}

/**
 * `businessFraction` for several fractions of one window (a promise's reminders and at-risk
 * point): the window's open time, the costly part, is counted once for all of them.
 */
export function businessFractionsOf(from: Instant, to: Instant, hours: BusinessHours): (fraction: number) => Instant {
  let open: number | undefined;
  return (fraction) => {
    open ??= businessDurationBetween(from, to, hours);
    if (open <= 0) return Math.round(from + (to - from) * fraction);
    return addBusinessMs(from, Math.round(open * fraction), hours);
  };
}
