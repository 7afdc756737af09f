import { timeZoneSchema } from '../common/events';
import { formatInZone } from '../workflows/journey/operator-view';

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
