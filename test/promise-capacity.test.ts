import { checkCapacity, ownerCapacity } from '../common/promises/capacity';
import { keptRate, keptRateBy } from '../common/promises/measures';
import type { BusinessHours } from '../common/profiles/schema';

const weekday = [{ start: '09:00', end: '18:00' }];
const paris: BusinessHours = {
  timezone: 'Europe/Paris',
  week: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday },
  holidays: ['2027-03-29'],
};
const at = (text: string): number => Date.parse(text);
const iso = (ms: number): string => new Date(ms).toISOString();
// Thursday 25 March 2027, 10:00 CET: day 1 ends Fri 10:00, day 2 Tue 30 10:00 CEST (weekend, Easter Monday)
const now = at('2027-03-25T10:00:00+01:00');
const day1 = '2027-03-26T09:00:00.000Z';
const day2 = '2027-03-30T08:00:00.000Z';
const day3 = '2027-03-31T08:00:00.000Z';

describe('checkCapacity', () => {
  it('proposes one business day out when the owner has room', () => {
    const answer = checkCapacity({ now, hours: paris, ledgers: [{ label: 'camille', perDay: 2, openDueAts: [] }] });
    expect(answer).toMatchObject({ overCommitted: false });
    expect(iso(answer.proposedDueAt)).toBe(day1);
  });

  it('moves the proposal out as the load grows, across the weekend and the holiday', () => {
    const due = (n: number) => Array.from({ length: n }, () => at('2027-03-25T17:00:00+01:00'));
    const propose = (load: number) =>
      iso(
        checkCapacity({ now, hours: paris, ledgers: [{ label: 'camille', perDay: 2, openDueAts: due(load) }] })
          .proposedDueAt,
      );
    expect(propose(1)).toBe(day1);
    expect(propose(2)).toBe(day2);
    expect(propose(3)).toBe(day2);
    expect(propose(4)).toBe(day3);
  });

  it('counts later promises too: a new one must not push a later day over capacity', () => {
    // two promises due on day 2 with capacity 1/day: day 1 is free, but adding one there overloads day 2
    const openDueAts = [at('2027-03-29T12:00:00+02:00'), at('2027-03-30T09:00:00+02:00')];
    const answer = checkCapacity({ now, hours: paris, ledgers: [{ label: 'hugo', perDay: 1, openDueAts }] });
    expect(iso(answer.proposedDueAt)).toBe(day3);
  });

  it('says a requested due time over-commits and proposes a realistic one; a fitting request is kept as is', () => {
    const ledgers = [
      { label: 'camille', perDay: 6, openDueAts: [] },
      { label: 'team client-advisors', perDay: 2, openDueAts: [now, now] },
    ];
    const requestedDueAt = at('2027-03-25T16:00:00+01:00');
    const tight = checkCapacity({ now, hours: paris, ledgers, requestedDueAt });
    expect(tight.overCommitted).toBe(true);
    expect(iso(tight.proposedDueAt)).toBe(day2);
    expect(tight.note).toMatch(/team client-advisors: 2 open due within 1 business day\(s\), capacity 2\/day/);
    const loose = checkCapacity({ now, hours: paris, ledgers: [ledgers[0]!], requestedDueAt });
    expect(loose).toMatchObject({ overCommitted: false, proposedDueAt: requestedDueAt });
  });

  it('has no limit without ledgers (system owners)', () => {
    expect(checkCapacity({ now, hours: paris, ledgers: [], requestedDueAt: now + 1 }).overCommitted).toBe(false);
  });
});

describe('ownerCapacity', () => {
  const capacity = {
    teams: [
      { id: 'client-advisors', members: ['camille', 'hugo', 'ines'], promisesPerPersonPerDay: 6 },
      { id: 'atelier', members: ['mathis', 'lea'], promisesPerPersonPerDay: 3 },
    ],
  };
  it('finds the team by membership or by name and multiplies by members', () => {
    expect(ownerCapacity({ kind: 'person', id: 'lea' }, capacity)).toEqual({
      team: { id: 'atelier', perDay: 6 },
      personPerDay: 3,
    });
    expect(ownerCapacity({ kind: 'team', id: 'client-advisors' }, capacity)).toEqual({
      team: { id: 'client-advisors', perDay: 18 },
    });
    expect(ownerCapacity({ kind: 'system', id: 'kept' }, capacity)).toEqual({});
  });
});

describe('keptRate', () => {
  const o = (
    outcome: 'kept' | 'kept-late' | 'renegotiated' | 'breached' | 'cancelled',
    owner: string,
    team?: string,
    slackMs = 0,
  ) => ({
    outcome,
    owner,
    brand: 'maison-laurent',
    slackMs,
    ...(team ? { team } : {}),
  });
  const outcomes = [
    o('kept', 'camille', 'client-advisors', 3_600_000),
    o('kept', 'camille', 'client-advisors', 1_800_000),
    o('kept-late', 'camille', 'client-advisors', -600_000),
    o('renegotiated', 'hugo', 'client-advisors', 0),
    o('breached', 'hugo', 'client-advisors', -86_400_000),
    o('cancelled', 'lea', 'atelier'),
    o('kept', 'kept-bot'),
  ];

  it('counts kept over decided promises: renegotiated apart, cancelled left out', () => {
    expect(keptRate(outcomes)).toEqual({
      total: 7,
      kept: 3,
      keptLate: 1,
      renegotiated: 1,
      breached: 1,
      cancelled: 1,
      keptRate: 3 / 6,
      meanSlackMs: (3_600_000 + 1_800_000 - 600_000 + 0 + 0) / 5,
    });
  });

  it('groups by owner, team and brand', () => {
    const byOwner = keptRateBy(outcomes, 'owner');
    expect(byOwner.camille?.keptRate).toBeCloseTo(2 / 3);
    expect(byOwner.hugo?.keptRate).toBe(0);
    expect(byOwner.lea?.keptRate).toBeNull();
    const byTeam = keptRateBy(outcomes, 'team');
    expect(Object.keys(byTeam).sort()).toEqual(['(no team)', 'atelier', 'client-advisors']);
    expect(byTeam['client-advisors']?.keptRate).toBeCloseTo(2 / 5);
    expect(keptRateBy(outcomes, 'brand')['maison-laurent']?.keptRate).toBe(0.5);
  });
});
