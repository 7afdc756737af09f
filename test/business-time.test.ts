import path from 'node:path';
import {
  addBusinessDuration,
  addBusinessMs,
  businessDaysAfter,
  businessDurationBetween,
  businessFraction,
  businessFractionsOf,
  isOpen,
  nextOpening,
} from '../common/business-time';
import { loadServiceProfile } from '../common/profiles/load-profiles';
import type { BusinessHours } from '../common/profiles/schema';

/**
 * A Paris calendar with a lunch break, a closed weekend and Easter Monday 2027 off. Europe's
 * clocks go forward on Sunday 2027-03-28 (CET +01 → CEST +02) and back on 2026-10-25.
 */
const paris: BusinessHours = {
  timezone: 'Europe/Paris',
  week: {
    mon: [
      { start: '09:00', end: '12:00' },
      { start: '13:00', end: '18:00' },
    ],
    tue: [
      { start: '09:00', end: '12:00' },
      { start: '13:00', end: '18:00' },
    ],
    wed: [
      { start: '09:00', end: '12:00' },
      { start: '13:00', end: '18:00' },
    ],
    thu: [
      { start: '09:00', end: '12:00' },
      { start: '13:00', end: '18:00' },
    ],
    fri: [
      { start: '09:00', end: '12:00' },
      { start: '13:00', end: '18:00' },
    ],
  },
  holidays: ['2027-03-29', '2026-11-11'],
};
const nordhem = loadServiceProfile(path.resolve(__dirname, '../config/profiles/nordhem.json')).businessHours;

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();
const HOUR = 3_600_000;

describe('isOpen and nextOpening', () => {
  it('is open inside a window, closed at its end, in the break, at night and on weekends', () => {
    expect(isOpen(at('2027-03-25T09:00:00+01:00'), paris)).toBe(true);
    expect(isOpen(at('2027-03-25T11:59:59+01:00'), paris)).toBe(true);
    expect(isOpen(at('2027-03-25T12:00:00+01:00'), paris)).toBe(false);
    expect(isOpen(at('2027-03-25T08:59:00+01:00'), paris)).toBe(false);
    expect(isOpen(at('2027-03-27T10:00:00+01:00'), paris)).toBe(false);
    expect(isOpen(at('2027-03-29T10:00:00+02:00'), paris)).toBe(false);
  });

  it('moves over the lunch break, the weekend, the holiday and the DST change', () => {
    expect(iso(nextOpening(at('2027-03-25T12:30:00+01:00'), paris))).toBe('2027-03-25T12:00:00.000Z');
    expect(iso(nextOpening(at('2027-03-26T18:00:00+01:00'), paris))).toBe('2027-03-30T07:00:00.000Z');
    const open = at('2027-03-25T10:00:00+01:00');
    expect(nextOpening(open, paris)).toBe(open);
  });

  it('fails clearly on a calendar that never opens', () => {
    expect(() => nextOpening(0, { timezone: 'Europe/Paris', week: {}, holidays: [] })).toThrow(/no opening hours/);
  });
});

describe('addBusinessDuration: hours count open time only', () => {
  it.each([
    // Fri 16:00 CET: 2h on Friday; weekend; Easter Monday off; clocks changed on Sunday → Tue 11:00 CEST
    ['2027-03-26T16:00:00+01:00', 'PT4H', '2027-03-30T11:00:00+02:00'],
    // the lunch break does not count
    ['2027-03-30T11:00:00+02:00', 'PT2H', '2027-03-30T14:00:00+02:00'],
    // ends exactly at closing time: closing time, not the next opening
    ['2027-03-26T14:00:00+01:00', 'PT4H', '2027-03-26T18:00:00+01:00'],
    // autumn change: Fri 17:00 CEST + 2h → Mon 10:00 CET
    ['2026-10-23T17:00:00+02:00', 'PT2H', '2026-10-26T10:00:00+01:00'],
    // starting on a closed Saturday
    ['2027-03-27T10:00:00+01:00', 'PT1H', '2027-03-30T10:00:00+02:00'],
    // minutes and seconds
    ['2027-03-25T11:59:00+01:00', 'PT2M30S', '2027-03-25T13:01:30+01:00'],
    // zero is immediate, even when closed
    ['2027-03-27T10:00:00+01:00', 'PT0M', '2027-03-27T10:00:00+01:00'],
    // more than a day of hours: 8h per day
    ['2027-03-25T09:00:00+01:00', 'PT16H', '2027-03-26T18:00:00+01:00'],
    ['2027-03-25T09:00:00+01:00', 'PT17H', '2027-03-30T10:00:00+02:00'],
  ])('%s + %s = %s', (start, duration, expected) => {
    expect(iso(addBusinessDuration(at(start), duration, paris))).toBe(iso(at(expected)));
  });

  it('nordhem (London): Thursday before Easter 2027 + 4h skips Good Friday, the DST weekend and Easter Monday', () => {
    expect(iso(addBusinessDuration(at('2027-03-25T16:00:00Z'), 'PT4H', nordhem))).toBe('2027-03-30T09:00:00.000Z');
  });
});

describe('addBusinessDuration: a business day is the same business-clock time on the next business day', () => {
  it.each([
    ['2027-03-25T10:30:00+01:00', 'P1D', '2027-03-26T10:30:00+01:00'],
    // over the weekend, the holiday and the spring DST change: same wall-clock time, new offset
    ['2027-03-25T10:30:00+01:00', 'P2D', '2027-03-30T10:30:00+02:00'],
    ['2027-03-26T17:30:00+01:00', 'P1D', '2027-03-30T17:30:00+02:00'],
    // autumn DST change
    ['2026-10-23T15:00:00+02:00', 'P1D', '2026-10-26T15:00:00+01:00'],
    // from the lunch break or a closed day: first to the next opening
    ['2027-03-25T12:30:00+01:00', 'P1D', '2027-03-26T13:00:00+01:00'],
    ['2027-03-27T11:00:00+01:00', 'P1D', '2027-03-31T09:00:00+02:00'],
    // a week is as many business days as the brand opens per week (5 here; the holiday pushes it)
    ['2027-03-24T10:00:00+01:00', 'P1W', '2027-04-01T10:00:00+02:00'],
    // days first, then hours
    ['2027-03-25T17:00:00+01:00', 'P1DT2H', '2027-03-30T10:00:00+02:00'],
  ])('%s + %s = %s', (start, duration, expected) => {
    expect(iso(addBusinessDuration(at(start), duration, paris))).toBe(iso(at(expected)));
  });

  it('clamps into a shorter day: nordhem closes at 17:00 on Fridays', () => {
    expect(iso(addBusinessDuration(at('2026-11-26T17:30:00Z'), 'P1D', nordhem))).toBe('2026-11-27T17:00:00.000Z');
  });

  it('clamps into a later opening: Paris Saturday hours open at 10:00', () => {
    const withSaturday: BusinessHours = { ...paris, week: { ...paris.week, sat: [{ start: '10:00', end: '16:00' }] } };
    expect(iso(addBusinessDuration(at('2027-03-26T09:30:00+01:00'), 'P1D', withSaturday))).toBe(
      iso(at('2027-03-27T10:00:00+01:00')),
    );
    expect(iso(addBusinessDuration(at('2027-03-26T17:00:00+01:00'), 'P1D', withSaturday))).toBe(
      iso(at('2027-03-27T16:00:00+01:00')),
    );
  });

  it('answers day after day from one start (the capacity check), the same in any order', () => {
    const start = at('2027-03-25T10:30:00+01:00');
    const days = businessDaysAfter(start, paris);
    // Thursday: Friday, then (weekend, Easter Monday, the clocks gone forward) Tuesday and Wednesday.
    expect([3, 1, 2].map((day) => iso(days(day)))).toEqual(
      ['2027-03-31T10:30:00+02:00', '2027-03-26T10:30:00+01:00', '2027-03-30T10:30:00+02:00'].map((text) =>
        iso(at(text)),
      ),
    );
    expect(days(0)).toBe(start);
    for (const day of [1, 2, 3, 10]) expect(days(day)).toBe(addBusinessDuration(start, `P${day}D`, paris));
  });

  it('rejects years, months and garbage', () => {
    expect(() => addBusinessDuration(0, 'P1M', paris)).toThrow(/years and months/);
    expect(() => addBusinessDuration(0, 'soon', paris)).toThrow(/not an ISO 8601 duration/);
  });
});

describe('businessDurationBetween', () => {
  it('counts only open time, across the weekend, holiday and DST change', () => {
    expect(businessDurationBetween(at('2027-03-26T16:00:00+01:00'), at('2027-03-30T11:00:00+02:00'), paris)).toBe(
      4 * HOUR,
    );
    expect(businessDurationBetween(at('2027-03-30T11:00:00+02:00'), at('2027-03-26T16:00:00+01:00'), paris)).toBe(
      -4 * HOUR,
    );
    expect(businessDurationBetween(at('2027-03-27T00:00:00+01:00'), at('2027-03-29T23:00:00+02:00'), paris)).toBe(0);
  });

  it('is the exact inverse of addBusinessMs for every start and length (exhaustive sweep over both DST changes)', () => {
    const sweeps = [
      [at('2026-10-19T00:00:00Z'), at('2026-11-14T00:00:00Z')],
      [at('2027-03-22T00:00:00Z'), at('2027-04-03T00:00:00Z')],
    ] as const;
    const lengths = [1, 59, 60, 181, 240, 479, 480, 481, 1_000, 2_400].map((minutes) => minutes * 60_000);
    let checked = 0;
    for (const [from, to] of sweeps) {
      for (let start = from; start < to; start += 83 * 60_000) {
        for (const ms of lengths) {
          for (const hours of [paris, nordhem]) {
            const end = addBusinessMs(start, ms, hours);
            expect(businessDurationBetween(start, end, hours)).toBe(ms);
            // the end is inside opening hours or exactly at a closing time
            expect(isOpen(end, hours) || isOpen(end - 1, hours)).toBe(true);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(9_000);
  });
});

describe('businessFraction', () => {
  it('places a fraction of the window in business time', () => {
    // 4 business hours from Fri 16:00 CET: half is Fri 18:00 (closing), 75% is Tue 10:00 CEST
    const start = at('2027-03-26T16:00:00+01:00');
    const end = at('2027-03-30T11:00:00+02:00');
    expect(iso(businessFraction(start, end, 0.5, paris))).toBe(iso(at('2027-03-26T18:00:00+01:00')));
    expect(iso(businessFraction(start, end, 0.75, paris))).toBe(iso(at('2027-03-30T10:00:00+02:00')));
  });

  it('falls back to real time for a window entirely outside opening hours', () => {
    const start = at('2027-03-27T10:00:00+01:00');
    expect(businessFraction(start, start + 10 * HOUR, 0.5, paris)).toBe(start + 5 * HOUR);
  });

  it('gives the same instants when one window serves several fractions (a promise plan counts it once)', () => {
    const windows = [
      [at('2027-03-26T16:00:00+01:00'), at('2027-03-30T11:00:00+02:00')],
      [at('2027-03-27T10:00:00+01:00'), at('2027-03-27T20:00:00+01:00')],
    ] as const;
    for (const [start, end] of windows) {
      const ofWindow = businessFractionsOf(start, end, paris);
      for (const fraction of [0.5, 0.8, 0.25, 0.8]) {
        expect(iso(ofWindow(fraction))).toBe(iso(businessFraction(start, end, fraction, paris)));
      }
    }
  });
});
