import path from 'node:path';
import { DateTime } from 'luxon';
import { decideContact, type ContactHistoryEntry, type PolicyInput } from '../common/outreach/policy';
import { loadServiceProfile } from '../common/profiles/load-profiles';

/**
 * The contact policy is pure: these tests need no server. The nordhem profile has quiet
 * hours 21:00–08:00, caps overall 3/day 6/week 15/month, promotional 2/week 4/month, a
 * P3D cool-down, and channels email, push, chat, sms; its business timezone is London.
 */
const nordhem = loadServiceProfile(path.resolve(__dirname, '../config/profiles/nordhem.json'));

// Wednesday 2027-06-16, 12:00 in London (BST, UTC+1).
const NOON_LONDON = '2027-06-16T11:00:00.000Z';

function input(overrides: Partial<PolicyInput> = {}): PolicyInput {
  return {
    profile: nordhem,
    customer: { email: 'ada@example.com', timezone: 'Europe/London', preferredChannels: [], consent: {} },
    history: [],
    situation: { openCases: 0, promisesAtRisk: 0 },
    request: { category: 'service', reason: 'delivery running late' },
    now: NOON_LONDON,
    ...overrides,
  };
}

function contacts(count: number, category: ContactHistoryEntry['category'], hoursAgo: number[]): ContactHistoryEntry[] {
  return Array.from({ length: count }, (_, index) => ({
    at: DateTime.fromISO(NOON_LONDON)
      .minus({ hours: hoursAgo[index] ?? 1 })
      .toUTC()
      .toISO()!,
    category,
    reason: `earlier message ${index}`,
    channel: 'email' as const,
  }));
}

describe('contact policy: consent', () => {
  it('sends a service message by email when nothing stands in the way', () => {
    expect(decideContact(input())).toEqual({ decision: 'send', channel: 'email' });
  });

  it('needs an explicit opt-in for promotional messages', () => {
    const decision = decideContact(input({ request: { category: 'promotional', reason: 'summer sale' } }));
    expect(decision).toMatchObject({ decision: 'suppress', rule: 'consent' });
  });

  it('sends promotional once the customer opted in for every channel', () => {
    const customer = { email: 'ada@example.com', consent: { promotional: { '*': true } } };
    const decision = decideContact(input({ customer, request: { category: 'promotional', reason: 'summer sale' } }));
    expect(decision).toEqual({ decision: 'send', channel: 'email' });
  });

  it('lets a channel-specific opt-out beat the category-wide opt-in', () => {
    const customer = {
      email: 'ada@example.com',
      phone: '+447700900123',
      consent: { promotional: { '*': true, email: false } },
    };
    const decision = decideContact(input({ customer, request: { category: 'promotional', reason: 'summer sale' } }));
    expect(decision).toEqual({ decision: 'send', channel: 'sms' });
  });

  it('respects an opt-out of service messages', () => {
    const customer = { email: 'ada@example.com', consent: { service: { '*': false } } };
    expect(decideContact(input({ customer }))).toMatchObject({ decision: 'suppress', rule: 'consent' });
  });

  it('always allows transactional messages, even against an opt-out', () => {
    const customer = { email: 'ada@example.com', consent: { transactional: { '*': false } } };
    const decision = decideContact(input({ customer, request: { category: 'transactional', reason: 'order' } }));
    expect(decision).toEqual({ decision: 'send', channel: 'email' });
  });
});

describe('contact policy: channel choice', () => {
  it("uses the customer's preference when the brand offers it and we can reach them", () => {
    const customer = { email: 'a@example.com', phone: '+447700900123', preferredChannels: ['sms' as const] };
    expect(decideContact(input({ customer }))).toEqual({ decision: 'send', channel: 'sms' });
  });

  it('does not choose SMS without a phone number', () => {
    const customer = { email: 'a@example.com', preferredChannels: ['sms' as const] };
    expect(decideContact(input({ customer }))).toEqual({ decision: 'send', channel: 'email' });
  });

  it('ignores a preference for a channel the brand does not offer (nordhem has no phone)', () => {
    const customer = { email: 'a@example.com', phone: '+447700900123', preferredChannels: ['phone' as const] };
    expect(decideContact(input({ customer }))).toEqual({ decision: 'send', channel: 'email' });
  });

  it("follows the profile's order when there is no preference", () => {
    const customer = { phone: '+447700900123', reachableByPush: true };
    expect(decideContact(input({ customer }))).toEqual({ decision: 'send', channel: 'push' });
  });

  it('suppresses with no-channel when we hold no address at all', () => {
    expect(decideContact(input({ customer: {} }))).toMatchObject({ decision: 'suppress', rule: 'no-channel' });
  });
});

describe('contact policy: caps', () => {
  it('defers a service message over the daily cap until the oldest contact leaves the window', () => {
    const history = contacts(3, 'proactive', [20, 5, 1]);
    const decision = decideContact(input({ history }));
    // the contact 20 h ago leaves the 24 h window in 4 h: 16:00 London, outside quiet hours
    expect(decision).toEqual({
      decision: 'defer',
      channel: 'email',
      rule: 'cap',
      until: '2027-06-16T15:00:00.000Z',
      why: 'overall cap of 3 per day reached',
    });
  });

  it('does not count transactional contacts against the caps', () => {
    const history = contacts(5, 'transactional', [20, 5, 4, 3, 1]);
    expect(decideContact(input({ history }))).toEqual({ decision: 'send', channel: 'email' });
  });

  it('suppresses promotional over its weekly category cap', () => {
    const customer = { email: 'a@example.com', consent: { promotional: { '*': true } } };
    const history = contacts(2, 'promotional', [72, 30]);
    const decision = decideContact(input({ customer, history, request: { category: 'promotional', reason: 'sale' } }));
    expect(decision).toMatchObject({ decision: 'suppress', rule: 'cap', why: 'promotional cap of 2 per week reached' });
  });

  it('applies the weekly overall cap as well as the daily one', () => {
    const history = contacts(6, 'service', [150, 120, 100, 80, 60, 40]);
    const decision = decideContact(input({ history }));
    // the contact 150 h ago leaves the 7-day window in 18 h: 06:00 London next day, inside quiet hours,
    // so the message waits for 08:00 London (07:00Z) — the cap's reason is the one recorded
    expect(decision).toEqual({
      decision: 'defer',
      channel: 'email',
      rule: 'cap',
      until: '2027-06-17T07:00:00.000Z',
      why: 'overall cap of 6 per week reached',
    });
  });

  it('lets a promised follow-up outrank every cap', () => {
    const history = contacts(3, 'service', [20, 5, 1]);
    const decision = decideContact(input({ history, request: { ...input().request, promisedFollowUp: true } }));
    expect(decision).toEqual({ decision: 'send', channel: 'email' });
  });
});

describe('contact policy: cool-down', () => {
  const reason = 'delivery running late';
  it('suppresses the same reason within the cool-down', () => {
    const history = [
      {
        at: '2027-06-14T11:00:00.000Z',
        category: 'service' as const,
        reason: 'Delivery  running LATE',
        channel: 'email' as const,
      },
    ];
    expect(decideContact(input({ history }))).toMatchObject({ decision: 'suppress', rule: 'cooldown' });
  });

  it('allows the same reason again once the cool-down is over', () => {
    const history = [
      { at: '2027-06-13T10:59:00.000Z', category: 'service' as const, reason, channel: 'email' as const },
    ];
    expect(decideContact(input({ history }))).toEqual({ decision: 'send', channel: 'email' });
  });

  it('allows a different reason inside the cool-down', () => {
    const history = [
      {
        at: '2027-06-16T10:00:00.000Z',
        category: 'service' as const,
        reason: 'setup check-in',
        channel: 'email' as const,
      },
    ];
    expect(decideContact(input({ history }))).toEqual({ decision: 'send', channel: 'email' });
  });

  it('does not hold back a promised follow-up with the same reason', () => {
    const history = [
      { at: '2027-06-16T10:00:00.000Z', category: 'service' as const, reason, channel: 'email' as const },
    ];
    const decision = decideContact(
      input({ history, request: { category: 'service', reason, promisedFollowUp: true } }),
    );
    expect(decision).toEqual({ decision: 'send', channel: 'email' });
  });
});

describe('contact policy: open cases and promises', () => {
  const optedIn = { email: 'a@example.com', consent: { promotional: { '*': true } } };
  const promotional = { category: 'promotional' as const, reason: 'summer sale' };
  it('sends no promotional message while a case is open', () => {
    const decision = decideContact(
      input({ customer: optedIn, request: promotional, situation: { openCases: 1, promisesAtRisk: 0 } }),
    );
    expect(decision).toMatchObject({ decision: 'suppress', rule: 'promotional-while-case-open' });
  });

  it('sends no promotional message while a promise is at risk', () => {
    const decision = decideContact(
      input({ customer: optedIn, request: promotional, situation: { openCases: 0, promisesAtRisk: 1 } }),
    );
    expect(decision).toMatchObject({ decision: 'suppress', rule: 'promotional-while-promise-at-risk' });
  });

  it('still sends service messages while a case is open', () => {
    expect(decideContact(input({ situation: { openCases: 2, promisesAtRisk: 1 } }))).toEqual({
      decision: 'send',
      channel: 'email',
    });
  });
});

describe('contact policy: quiet hours in the customer timezone', () => {
  it("defers to 08:00 in the customer's own timezone, not the brand's", () => {
    // 02:00 in London is 21:00 the evening before in New York: quiet for both, but the
    // message must wait for 08:00 New York time (EDT, UTC-4) = 12:00Z.
    const customer = { email: 'a@example.com', timezone: 'America/New_York' };
    const decision = decideContact(input({ customer, now: '2027-06-16T01:00:00.000Z' }));
    expect(decision).toMatchObject({ decision: 'defer', rule: 'quiet-hours', until: '2027-06-16T12:00:00.000Z' });
  });

  it('sends at noon London time to a London customer but defers a Tokyo customer (21:00 local)', () => {
    expect(decideContact(input())).toEqual({ decision: 'send', channel: 'email' });
    const tokyo = { email: 'a@example.com', timezone: 'Asia/Tokyo' };
    const decision = decideContact(input({ customer: tokyo, now: '2027-06-16T12:00:00.000Z' }));
    // 21:00 in Tokyo: wait for 08:00 Tokyo next day = 23:00Z
    expect(decision).toMatchObject({ decision: 'defer', until: '2027-06-16T23:00:00.000Z' });
  });

  it('falls back to the brand timezone when the customer has none', () => {
    const decision = decideContact(input({ customer: { email: 'a@example.com' }, now: '2027-06-16T21:30:00.000Z' }));
    // 22:30 BST → 08:00 BST next day = 07:00Z
    expect(decision).toMatchObject({ decision: 'defer', until: '2027-06-17T07:00:00.000Z' });
  });

  it('ends the quiet hours at 08:00 local across the spring DST change (clocks go forward)', () => {
    // Saturday 2027-03-27 23:00 GMT. UK clocks go forward at 01:00 UTC on Sunday the 28th,
    // so 08:00 local that morning is 07:00Z — a fixed "+9 hours" would give 08:00Z.
    const decision = decideContact(input({ now: '2027-03-27T23:00:00.000Z' }));
    expect(decision).toMatchObject({ decision: 'defer', rule: 'quiet-hours', until: '2027-03-28T07:00:00.000Z' });
  });

  it('ends the quiet hours at 08:00 local across the autumn DST change (clocks go back)', () => {
    // Saturday 2026-10-24 22:00 BST (21:00Z). Clocks go back on Sunday the 25th,
    // so 08:00 local is 08:00Z (GMT).
    const decision = decideContact(input({ now: '2026-10-24T21:00:00.000Z' }));
    expect(decision).toMatchObject({ decision: 'defer', until: '2026-10-25T08:00:00.000Z' });
  });

  it('defers (never drops) transactional messages in quiet hours', () => {
    const decision = decideContact(
      input({ request: { category: 'transactional', reason: 'order' }, now: '2027-06-16T23:00:00.000Z' }),
    );
    expect(decision).toMatchObject({ decision: 'defer', rule: 'quiet-hours', until: '2027-06-17T07:00:00.000Z' });
  });

  it('keeps quiet hours for a promised follow-up too', () => {
    const request = { category: 'service' as const, reason: 'call back', promisedFollowUp: true };
    const decision = decideContact(input({ request, now: '2027-06-16T03:00:00.000Z' }));
    expect(decision).toMatchObject({ decision: 'defer', rule: 'quiet-hours', until: '2027-06-16T07:00:00.000Z' });
  });

  it('sends exactly at the end of the quiet hours', () => {
    expect(decideContact(input({ now: '2027-06-16T07:00:00.000Z' }))).toEqual({ decision: 'send', channel: 'email' });
    expect(decideContact(input({ now: '2027-06-16T06:59:00.000Z' }))).toMatchObject({ decision: 'defer' });
  });
});

describe('contact policy: bad input', () => {
  it('names the field of an instant it cannot read', () => {
    expect(() => decideContact(input({ now: 'yesterday' }))).toThrow(/now: not an ISO instant/);
  });
});
