import { DateTime } from 'luxon';
import { addBusinessDuration, nextOpening } from '../business-time';
import type { BusinessHours, StaffSettings } from '../profiles/schema';

/**
 * Times in staff messages: always in the team's own timezone (the profile's business hours),
 * with weekday, date, time and zone, so "due Thu 3 Dec, 14:00 GMT" means the same to every
 * reader. Pure (luxon only): safe in workflows and activities.
 */
export function staffTime(instant: string | number, zone: string): string {
  const at = typeof instant === 'number' ? DateTime.fromMillis(instant, { zone }) : DateTime.fromISO(instant, { zone });
  return at.setLocale('en-GB').toFormat('ccc d LLL yyyy, HH:mm ZZZZ');
}

/** When a colleague's task is due: the profile's `taskDueWithin` of business time after it was handed over. */
export function taskDueAt(handedOverAt: number, settings: Pick<StaffSettings, 'taskDueWithin'>, hours: BusinessHours) {
  return addBusinessDuration(handedOverAt, settings.taskDueWithin, hours);
}

/** How many days ahead a daily digest looks for the next business day (holidays, long weekends). */
const DAILY_SEARCH_DAYS = 30;

/**
 * The instant the digest collecting items at `now` goes out: `daily` at the start of the
 * team's next business day (today's, if it has not begun yet); `hourly` at the next full hour
 * that falls in business hours (or the next opening).
 */
export function digestBoundary(now: number, period: 'daily' | 'hourly', hours: BusinessHours): number {
  const zone = hours.timezone;
  if (period === 'hourly') {
    const nextHour = DateTime.fromMillis(now, { zone }).startOf('hour').plus({ hours: 1 }).toMillis();
    return nextOpening(nextHour, hours);
  }
  const today = DateTime.fromMillis(now, { zone }).startOf('day');
  for (let day = 0; day <= DAILY_SEARCH_DAYS; day += 1) {
    const opening = nextOpening(today.plus({ days: day }).toMillis(), hours);
    if (opening > now) return opening;
  }
  return nextOpening(now + 86_400_000, hours);
}
