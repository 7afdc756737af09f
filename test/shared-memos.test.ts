import type { BrandConfig } from '../activities/journey-config';
import { nextOpening } from '../common/business-time';
import { timeZoneSchema } from '../common/events';
import { dayIn } from '../common/playbooks/arrival';
import type { BusinessHours } from '../common/profiles/schema';
import { internConfig } from '../workflows/journey/config-intern';
import { formatInZone } from '../workflows/journey/operator-view';
import { shippedProfiles } from './helpers/outreach';

/**
 * The memos that a worker's workflows share (workflows/shared-logic.ts): an answer must depend
 * on its key alone, whatever was asked before it and however full the memo is.
 */
describe('formatted times, memoised per zone and instant', () => {
  const instant = '2026-12-04T16:30:00.000Z';

  it('formats one instant in each zone it is asked for, again and again', () => {
    for (let round = 0; round < 2; round += 1) {
      expect(formatInZone(instant, 'Europe/Stockholm')).toBe('Fri 4 Dec 2026 17:30 CET');
      expect(formatInZone(instant, 'America/New_York')).toBe('Fri 4 Dec 2026 11:30 GMT-5');
      expect(formatInZone(instant, 'Asia/Kolkata')).toBe('Fri 4 Dec 2026 22:00 GMT+5:30');
    }
  });

  it('still answers right once the memo has been filled and cleared', () => {
    const start = Date.parse('2026-01-01T00:00:00Z');
    for (let minute = 0; minute < 6_000; minute += 1) {
      formatInZone(new Date(start + minute * 60_000).toISOString(), 'Europe/Stockholm');
    }
    expect(formatInZone(instant, 'America/New_York')).toBe('Fri 4 Dec 2026 11:30 GMT-5');
    expect(formatInZone(new Date(start).toISOString(), 'Europe/Stockholm')).toBe('Thu 1 Jan 2026 01:00 CET');
  });

  it('leaves a text that is no instant as it was', () => {
    expect(formatInZone('not a time', 'Europe/Stockholm')).toBe('not a time');
  });
});

describe('timezone names, the valid ones memoised', () => {
  it('accepts a valid zone every time and rejects an unknown one every time, in any order', () => {
    for (let round = 0; round < 2; round += 1) {
      expect(timeZoneSchema.safeParse('Europe/Stockholm').success).toBe(true);
      expect(timeZoneSchema.safeParse('Europe/Stockholmm').success).toBe(false);
      expect(timeZoneSchema.safeParse('Mars/Olympus_Mons').success).toBe(false);
      expect(timeZoneSchema.safeParse('Asia/Kolkata').success).toBe(true);
    }
  });
});

describe('brand configs, one frozen copy per text', () => {
  const profile = shippedProfiles().get('nordhem')!;
  const answer = (displayName = profile.displayName): BrandConfig => ({
    brand: 'nordhem',
    version: 'v1',
    hash: 'h1',
    profile: structuredClone({ ...profile, displayName }),
  });

  it('hands every journey holding an equal config the same copy, which none can change', () => {
    const [first, second] = [internConfig(answer()), internConfig(answer())];
    expect(second.profile).toBe(first.profile);
    expect(() => {
      (first.profile as { displayName: string }).displayName = 'Changed';
    }).toThrow(/read only/);
    expect(() => first.profile!.channels.push('fax' as never)).toThrow(/not extensible/);
    expect(second.profile!.displayName).toBe(profile.displayName);
  });

  it('hands a journey whose config differs its own, whatever came first or filled the memo', () => {
    const other = internConfig(answer('Nordhem Outlet'));
    for (let index = 0; index < 100; index += 1) internConfig(answer(`Brand ${index}`));
    expect(other.profile!.displayName).toBe('Nordhem Outlet');
    expect(internConfig(answer()).profile!.displayName).toBe(profile.displayName);
    expect(internConfig(answer('Nordhem Outlet')).profile).toEqual(other.profile);
  });

  it('keeps what the answer says beside its profile and playbooks', () => {
    const held = internConfig({ ...answer(), version: 'v2', configError: 'playbooks.yaml: bad' });
    expect(held).toMatchObject({ brand: 'nordhem', version: 'v2', hash: 'h1', configError: 'playbooks.yaml: bad' });
    expect(internConfig({ brand: 'bare', version: 'v0' })).toEqual({ brand: 'bare', version: 'v0' });
  });
});

describe('opening windows, memoised per calendar text and date', () => {
  const calendar = (holidays: string[]): BusinessHours =>
    structuredClone({ ...shippedProfiles().get('nordhem')!.businessHours, holidays });
  // Nordhem opens Monday to Friday; 2026-12-07 is a Monday.
  const mondayMorning = Date.parse('2026-12-07T06:00:00Z');
  const opensOn = (hours: BusinessHours) => new Date(nextOpening(mondayMorning, hours)).toISOString().slice(0, 10);

  it('gives equal calendars, each parsed on its own, the same opening hours', () => {
    const [first, second] = [calendar([]), calendar([])];
    expect(first).not.toBe(second);
    expect(opensOn(first)).toBe('2026-12-07');
    expect(nextOpening(mondayMorning, second)).toBe(nextOpening(mondayMorning, first));
  });

  it('gives a calendar that differs its own, whichever was asked first and however full the memo', () => {
    expect(opensOn(calendar([]))).toBe('2026-12-07');
    expect(opensOn(calendar(['2026-12-07']))).toBe('2026-12-08');
    expect(opensOn(calendar([]))).toBe('2026-12-07');
    for (let day = 1; day <= 80; day += 1)
      opensOn(calendar([`2030-01-${String((day % 28) + 1).padStart(2, '0')}`, `x${day}`]));
    expect(opensOn(calendar(['2026-12-07', '2026-12-08']))).toBe('2026-12-09');
    expect(opensOn(calendar([]))).toBe('2026-12-07');
  });
});

describe('calendar days of instants, memoised per zone and instant', () => {
  // 23:30 in London on 4 December is already 5 December in Stockholm and still 4 December in New York.
  const lateEvening = '2026-12-04T23:30:00.000Z';

  it('tells each zone its own day, again and again, whichever zone asked first', () => {
    for (let round = 0; round < 2; round += 1) {
      expect(dayIn(lateEvening, 'Europe/Stockholm')).toBe('2026-12-05');
      expect(dayIn(lateEvening, 'America/New_York')).toBe('2026-12-04');
      expect(dayIn(lateEvening, 'Europe/London')).toBe('2026-12-04');
    }
  });

  it('still answers right once the memo has been filled and cleared, and rejects what is no instant', () => {
    const start = Date.parse('2026-01-01T00:00:00Z');
    for (let hour = 0; hour < 6_000; hour += 1) dayIn(new Date(start + hour * 3_600_000).toISOString(), 'Asia/Tokyo');
    expect(dayIn(lateEvening, 'Europe/Stockholm')).toBe('2026-12-05');
    expect(dayIn(new Date(start).toISOString(), 'Asia/Tokyo')).toBe('2026-01-01');
    expect(() => dayIn('not a time', 'Europe/Stockholm')).toThrow(RangeError);
    expect(() => dayIn('not a time', 'Europe/Stockholm')).toThrow(RangeError);
  });
});
