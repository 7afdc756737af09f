import { DateTime, Duration } from 'luxon';
import { addSigned, durationMs } from '../common/playbooks/anchors';

/**
 * Playbook planning adds durations to instants without luxon when the sum is plain
 * milliseconds (common/playbooks/anchors.ts). Every answer must be luxon's, to the
 * millisecond, or planned contacts (and their idempotency keys) would move: so each case
 * here is checked against luxon computed in the test, the way anchors.ts computed it before.
 */
function luxonAddSigned(at: string, duration: string, times = 1): string {
  const negative = duration.startsWith('-');
  const parsed = Duration.fromISO(negative ? duration.slice(1) : duration);
  const scaled = Duration.fromObject(
    Object.fromEntries(Object.entries(parsed.toObject()).map(([unit, value]) => [unit, (value ?? 0) * times])),
  );
  const start = DateTime.fromISO(at, { zone: 'utc' });
  return new Date((negative ? start.minus(scaled) : start.plus(scaled)).toMillis()).toISOString();
}

/** Luxon's answer, or the error it ends in. */
function outcome(compute: () => string): string {
  try {
    return compute();
  } catch (error) {
    return `throws ${(error as Error).name}`;
  }
}

/** A small deterministic generator, so a failure names a case that can be run again. */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

const DURATIONS = [
  'P3D',
  '-P30D',
  'PT0S',
  'PT36H',
  'P2W',
  'P1W3DT4H5M6S',
  'PT90M',
  'P400D',
  'P1M',
  '-P1Y',
  'P1Y2M3D',
  'PT1.5H',
  'P0.5D',
  'P',
  'PT',
  'P1DT',
  'p1d',
  'P-1D',
  '--P1D',
  'P1234567D',
  'nonsense',
];

const INSTANTS = [
  '2026-03-29T00:30:00Z', // the night Europe moves its clocks: UTC has no such night
  '2026-10-25T01:30:00.000Z',
  '2024-02-29T12:00:00.123Z',
  '2026-12-31T23:59:59.999Z',
  '2026-12-04T10:00Z',
  '2026-12-04T10:00:00+05:30',
  '2026-12-04T10:00:00-08:00',
  '2026-12-04T10:00:00+23:59',
  '2026-12-04T10:00:00+24:00',
  '2026-12-04T10:00:00-00:00',
  '2026-12-04T10:00:00+99:99',
  '2026-12-31T23:59:60Z',
  '0000-02-29T10:00:00Z',
  '1900-02-29T10:00:00Z',
  '2026-12-04T10:00:00', // no offset: luxon reads it as UTC, Date.parse would read local time
  '2026-12-04',
  '2026-02-30T10:00:00Z',
  '2026-12-04T24:00:00Z',
  '2026-12-04T10:00:00.123456Z',
  'not an instant',
];

describe('addSigned and durationMs give luxon’s answers', () => {
  it('for every listed instant, duration and multiple', () => {
    for (const at of INSTANTS)
      for (const duration of DURATIONS)
        for (const times of [0, 1, 3, 52]) {
          const expected = outcome(() => luxonAddSigned(at, duration, times));
          expect({ at, duration, times, answer: outcome(() => addSigned(at, duration, times)) }).toEqual({
            at,
            duration,
            times,
            answer: expected,
          });
        }
  });

  it('for 20,000 generated instants and durations of weeks, days and clock time', () => {
    const random = generator(20_261_204);
    const pick = (max: number) => Math.floor(random() * max);
    for (let index = 0; index < 20_000; index += 1) {
      const at = new Date(Date.UTC(1990 + pick(60), pick(12), 1 + pick(31), pick(24), pick(60), pick(60), pick(1000)));
      const offset = ['Z', '+02:00', '-09:30', '+14:00'][pick(4)]!;
      const instant = DateTime.fromJSDate(at, { zone: offset === 'Z' ? 'utc' : `UTC${offset}` }).toISO({
        suppressMilliseconds: pick(2) === 0,
      })!;
      const parts = [pick(3) && `${pick(60)}W`, pick(2) && `${pick(400)}D`].filter(Boolean).join('');
      const clock = [pick(2) && `${pick(48)}H`, pick(2) && `${pick(120)}M`, pick(2) && `${pick(90)}S`];
      const time = clock.filter(Boolean).join('');
      const duration = `${pick(2) ? '-' : ''}P${parts}${time ? `T${time}` : ''}`;
      const times = pick(5);
      expect({ instant, duration, times, answer: addSigned(instant, duration, times) }).toEqual({
        instant,
        duration,
        times,
        answer: luxonAddSigned(instant, duration, times),
      });
    }
  });

  it('durationMs: the same milliseconds as luxon for every listed duration', () => {
    for (const duration of DURATIONS) {
      const expected = Duration.fromISO(duration.replace(/^-/, '')).toMillis();
      expect({ duration, ms: durationMs(duration) }).toEqual({ duration, ms: expected });
    }
  });
});
