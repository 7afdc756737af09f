import { DateTime, Duration } from 'luxon';
import { isKnownTimeZone, type Channel, type MessageCategory } from '../events';
import type { ServiceProfile } from '../profiles/schema';

/**
 * The contact policy: one arbiter, per customer, for marketing and service alike.
 *
 * A pure, deterministic function: no I/O, no clock (the time is an argument), no Node
 * modules, so the journey workflow — the per-customer arbiter — can call it directly and
 * replay gives the same answer. Every decision names the rule that made it, so the caller
 * can record "sent / deferred until when / suppressed and why".
 *
 * Decisions taken here (see README "Contact policy"):
 * - Consent: transactional is always allowed. Service and proactive messages are allowed
 *   until the customer opts out; educational and promotional need an explicit opt-in.
 *   A channel-specific answer beats the category-wide one ('*').
 * - Caps (rolling windows of 24 h / 7 d / 30 d, per category and overall) count every
 *   earlier non-transactional contact. Transactional messages and promised follow-ups are
 *   never held back by a cap ("a promised follow-up outranks every cap"). When a cap is
 *   full, service and proactive messages wait until the window has room; educational and
 *   promotional ones are suppressed (marketing that arrives late is noise).
 * - Cool-down: the same reason is not repeated within the profile's cool-down (suppressed),
 *   except transactional messages and promised follow-ups.
 * - No promotional message while a case is open or a promise is at risk or broken.
 * - Quiet hours, in the customer's timezone (else the brand's), apply to everything,
 *   promised follow-ups and transactional messages included: the message waits for the
 *   end of the window (computed in local time, so it is right across DST) and is never
 *   dropped. A promise is kept by the next morning's message; it is not kept by waking
 *   the customer at 3 am.
 */

export type ConsentMap = Partial<Record<MessageCategory, Partial<Record<Channel | '*', boolean>>>>;

export interface PolicyCustomer {
  email?: string;
  phone?: string;
  /** IANA zone; the brand's business timezone when unknown. */
  timezone?: string;
  /** In the customer's order of preference; empty = no preference. */
  preferredChannels?: Channel[];
  consent?: ConsentMap;
  /** The customer has our app (push) or an open chat identity with the brand. */
  reachableByPush?: boolean;
  reachableByChat?: boolean;
}

/** One earlier contact, from the delivery ledger or the journey's own record. */
export interface ContactHistoryEntry {
  at: string;
  category: MessageCategory;
  reason: string;
  channel: Channel;
}

export interface PolicySituation {
  openCases: number;
  /** Promises at risk or broken. */
  promisesAtRisk: number;
}

export interface PolicyRequest {
  category: MessageCategory;
  reason: string;
  /** A follow-up we promised the customer: outranks every cap and the cool-down. */
  promisedFollowUp?: boolean;
  /** Only this channel (e.g. the customer asked to be called back). */
  channel?: Channel;
}

export type PolicyProfile = Pick<ServiceProfile, 'channels' | 'contactPolicy'> & {
  businessHours: Pick<ServiceProfile['businessHours'], 'timezone'>;
};

export interface PolicyInput {
  profile: PolicyProfile;
  customer: PolicyCustomer;
  history: readonly ContactHistoryEntry[];
  situation: PolicySituation;
  request: PolicyRequest;
  /** ISO instant: the policy never reads the clock. */
  now: string;
}

export type PolicyRule =
  | 'consent'
  | 'no-channel'
  | 'promotional-while-case-open'
  | 'promotional-while-promise-at-risk'
  | 'cooldown'
  | 'cap'
  | 'quiet-hours';

export type PolicyDecision =
  | { decision: 'send'; channel: Channel }
  | { decision: 'defer'; channel: Channel; until: string; rule: PolicyRule; why: string }
  | { decision: 'suppress'; rule: PolicyRule; why: string };

const CAP_WINDOWS = [
  { key: 'perDay', label: 'day', days: 1 },
  { key: 'perWeek', label: 'week', days: 7 },
  { key: 'perMonth', label: '30 days', days: 30 },
] as const;

/** Categories that need an explicit opt-in; the others are allowed until the customer opts out. */
const OPT_IN_CATEGORIES: ReadonlySet<MessageCategory> = new Set(['educational', 'promotional']);
/** Over a cap these wait for room; the others are suppressed. */
const DEFERRABLE_WHEN_CAPPED: ReadonlySet<MessageCategory> = new Set(['service', 'proactive']);

export function decideContact(input: PolicyInput): PolicyDecision {
  const now = parseInstant(input.now, 'now');
  const { request, profile } = input;

  const channel = chooseChannel(input);
  if (!channel) {
    const rule: PolicyRule = hasAnyReachableChannel(input) ? 'consent' : 'no-channel';
    return {
      decision: 'suppress',
      rule,
      why:
        rule === 'consent'
          ? `no consent for ${request.category} messages on any channel we can use`
          : 'no channel to reach the customer on (no email, phone or app)',
    };
  }

  if (request.category === 'promotional') {
    if (input.situation.openCases > 0)
      return { decision: 'suppress', rule: 'promotional-while-case-open', why: 'the customer has an open case' };
    if (input.situation.promisesAtRisk > 0)
      return {
        decision: 'suppress',
        rule: 'promotional-while-promise-at-risk',
        why: 'a promise to the customer is at risk or broken',
      };
  }

  const exempt = request.category === 'transactional' || request.promisedFollowUp === true;
  if (!exempt) {
    const cooldown = cooldownBlock(input, now);
    if (cooldown) return cooldown;
  }

  let earliest = now;
  let deferral: { rule: PolicyRule; why: string } | undefined;
  if (!exempt) {
    const cap = capBlock(input, now);
    if (cap) {
      if (!DEFERRABLE_WHEN_CAPPED.has(request.category)) return { decision: 'suppress', rule: 'cap', why: cap.why };
      earliest = cap.until;
      deferral = { rule: 'cap', why: cap.why };
    }
  }

  const zone = customerZone(input);
  const quietEnd = endOfQuietHours(earliest, zone, profile.contactPolicy.quietHours);
  if (quietEnd) {
    earliest = quietEnd;
    deferral ??= {
      rule: 'quiet-hours',
      why: `quiet hours ${profile.contactPolicy.quietHours.start}–${profile.contactPolicy.quietHours.end} in ${zone}`,
    };
  }

  if (!deferral) return { decision: 'send', channel };
  return { decision: 'defer', channel, until: toIso(earliest), ...deferral };
}

// ---------------------------------------------------------------- consent and channels

export function hasConsent(consent: ConsentMap | undefined, category: MessageCategory, channel: Channel): boolean {
  if (category === 'transactional') return true;
  const answers = consent?.[category];
  const specific = answers?.[channel];
  if (specific !== undefined) return specific;
  const categoryWide = answers?.['*'];
  if (categoryWide !== undefined) return categoryWide;
  return !OPT_IN_CATEGORIES.has(category);
}

/** Whether we hold what a channel needs: no phone number, no SMS. */
export function canReach(customer: PolicyCustomer, channel: Channel): boolean {
  switch (channel) {
    case 'email':
      return Boolean(customer.email);
    case 'sms':
    case 'phone':
      return Boolean(customer.phone);
    case 'push':
      return customer.reachableByPush === true;
    case 'chat':
      return customer.reachableByChat === true;
    case 'webhook':
      // The webhook channel carries SMS/push/chat to providers; it is not a customer's address.
      return false;
  }
}

/**
 * The customer's preferred channels first (in their order), then the profile's order;
 * only channels the brand offers, we can reach, and the customer consents to.
 */
export function chooseChannel(input: Pick<PolicyInput, 'profile' | 'customer' | 'request'>): Channel | undefined {
  const offered = input.profile.channels;
  const preferred = (input.customer.preferredChannels ?? []).filter((channel) => offered.includes(channel));
  const ordered = input.request.channel ? [input.request.channel] : [...new Set([...preferred, ...offered])];
  return ordered.find(
    (channel) =>
      canReach(input.customer, channel) && hasConsent(input.customer.consent, input.request.category, channel),
  );
}

function hasAnyReachableChannel(input: PolicyInput): boolean {
  return input.profile.channels.some((channel) => canReach(input.customer, channel));
}

// ---------------------------------------------------------------- cool-down and caps

function cooldownBlock(input: PolicyInput, now: DateTime): PolicyDecision | undefined {
  const cooldown = Duration.fromISO(input.profile.contactPolicy.cooldown);
  const since = now.minus(cooldown);
  const reason = normaliseReason(input.request.reason);
  const last = input.history
    .filter((entry) => normaliseReason(entry.reason) === reason)
    .map((entry) => parseInstant(entry.at, 'history.at'))
    .filter((at) => at > since && at <= now)
    .sort((a, b) => b.toMillis() - a.toMillis())[0];
  if (!last) return undefined;
  return {
    decision: 'suppress',
    rule: 'cooldown',
    why: `the same reason was sent at ${toIso(last)}, within the ${input.profile.contactPolicy.cooldown} cool-down`,
  };
}

function normaliseReason(reason: string): string {
  return reason.trim().toLowerCase().replace(/\s+/g, ' ');
}

/** The first full cap, and when its window has room again. */
function capBlock(input: PolicyInput, now: DateTime): { until: DateTime; why: string } | undefined {
  const counted = input.history
    .filter((entry) => entry.category !== 'transactional')
    .map((entry) => ({ ...entry, instant: parseInstant(entry.at, 'history.at') }))
    .filter((entry) => entry.instant <= now);
  const { caps } = input.profile.contactPolicy;
  const scopes = [
    { label: 'overall', caps: caps.overall, entries: counted },
    {
      label: input.request.category,
      caps: caps.perCategory[input.request.category] ?? {},
      entries: counted.filter((entry) => entry.category === input.request.category),
    },
  ];
  let block: { until: DateTime; why: string } | undefined;
  for (const scope of scopes) {
    for (const window of CAP_WINDOWS) {
      const limit = scope.caps[window.key];
      if (limit === undefined) continue;
      const start = now.minus({ days: window.days });
      const inWindow = scope.entries
        .filter((entry) => entry.instant > start)
        .sort((a, b) => a.instant.toMillis() - b.instant.toMillis());
      if (inWindow.length < limit) continue;
      // Room again once enough of the oldest contacts have left the window.
      const oldestToLeave = inWindow[inWindow.length - limit];
      const until =
        limit === 0 || !oldestToLeave
          ? now.plus({ days: window.days })
          : oldestToLeave.instant.plus({ days: window.days });
      if (!block || until > block.until)
        block = { until, why: `${scope.label} cap of ${limit} per ${window.label} reached` };
    }
  }
  return block;
}

// ---------------------------------------------------------------- quiet hours

function customerZone(input: PolicyInput): string {
  const zone = input.customer.timezone;
  if (zone && isKnownTimeZone(zone)) return zone;
  return input.profile.businessHours.timezone;
}

/**
 * When `at` falls inside the quiet hours (local clock times in `zone`, possibly across
 * midnight), the instant they end; otherwise undefined. Computed on the local calendar so
 * a DST change inside the window moves the UTC instant, not the local time.
 */
export function endOfQuietHours(
  at: DateTime,
  zone: string,
  quietHours: { start: string; end: string },
): DateTime | undefined {
  const local = at.setZone(zone);
  const start = minutesOf(quietHours.start);
  const end = minutesOf(quietHours.end);
  if (start === end) return undefined;
  const minute = local.hour * 60 + local.minute;
  const crossesMidnight = start > end;
  const quiet = crossesMidnight ? minute >= start || minute < end : minute >= start && minute < end;
  if (!quiet) return undefined;
  const endsTomorrow = crossesMidnight && minute >= start;
  const day = endsTomorrow ? local.startOf('day').plus({ days: 1 }) : local.startOf('day');
  return day.set({ hour: Math.floor(end / 60), minute: end % 60, second: 0, millisecond: 0 });
}

function minutesOf(clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

function parseInstant(value: string, field: string): DateTime {
  const instant = DateTime.fromISO(value, { setZone: true });
  if (!instant.isValid) throw new Error(`contact policy: ${field}: not an ISO instant: ${JSON.stringify(value)}`);
  return instant.toUTC();
}

function toIso(instant: DateTime): string {
  return instant.toUTC().toISO({ suppressMilliseconds: false }) ?? '';
}
