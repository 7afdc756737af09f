import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { composeMessage } from '../activities/outreach/compose';
import { playbookReader } from '../activities/outreach/dependencies';
import { TemplateLibrary } from '../activities/outreach/templates';
import { outreachRequestSchema, type OutreachRequest } from '../common/outreach/contract';
import { loadServiceProfiles } from '../common/profiles/load-profiles';

/**
 * Golden messages: every template a customer receives, for every shipped brand and each of
 * its locales, rendered with realistic data through the path deliverOutreach uses
 * (composeMessage) into test/golden/<brand>/<locale>/<template>.{txt,html}, which a reviewer
 * reads. A change in wording shows up as a diff; `UPDATE_GOLDEN=1` rewrites the snapshots.
 * Whatever the snapshots say, every message is also checked for what a customer must never
 * see: holes, `undefined`, ISO dates, template ids, internal notes, the wrong language.
 */
const ROOT = path.resolve(__dirname, '..');
const GOLDEN = path.join(__dirname, 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const templates = new TemplateLibrary(path.join(ROOT, 'templates'));
const profiles = loadServiceProfiles(path.join(ROOT, 'config', 'profiles'));
const playbooks = playbookReader(path.join(ROOT, 'config', 'playbooks'));
/** A fixed clock: a promise due tomorrow shows its time, a date next week only its day. */
const NOW = new Date('2026-12-02T09:00:00Z');

/** Staff wording and an operator's note that travel with promise messages: never for customers. */
const INTERNAL_NOTE = 'Tell the customer when the spare part arrives';
const OPERATOR_REASON = 'customer asked for the afternoon';

interface Reader {
  brand: string;
  locale: string;
  customerId: string;
  name: string;
  timezone: string;
  product: string;
  /** Something that runs out (replenish). */
  consumable: string;
  promise: string;
  /** Words of the locale's months as dates must come out ("December", "décembre"). */
  month: string;
  /** Words that must not appear: another language leaking in. */
  foreign?: RegExp;
}

const READERS: Reader[] = [
  {
    brand: 'nordhem',
    locale: 'en-GB',
    customerId: 'olle',
    name: 'Olle Berg',
    timezone: 'Europe/London',
    product: 'Linnea sofa',
    consumable: 'wood care oil',
    promise: 'a replacement cushion cover',
    month: 'December',
  },
  {
    brand: 'nordhem',
    locale: 'sv-SE',
    customerId: 'astrid-92',
    name: 'Astrid Lund',
    timezone: 'Europe/Stockholm',
    product: 'soffa Linnea',
    consumable: 'möbelolja',
    promise: 'ett nytt överdrag till dynan',
    month: 'december',
    foreign: /\b(the|your|you|we|our|order is)\b/i,
  },
  {
    brand: 'maison-laurent',
    locale: 'fr-FR',
    customerId: 'claire',
    name: 'Claire Martin',
    timezone: 'Europe/Paris',
    product: 'fauteuil Margaux',
    consumable: "huile d'entretien pour cuir",
    promise: 'la pose de votre nouveau pied en noyer',
    month: 'décembre',
    foreign: /\b(the|your|you|we|our|Warm regards|Dear)\b/i,
  },
  {
    brand: 'maison-laurent',
    locale: 'en-GB',
    customerId: 'james-h',
    name: 'James Holloway',
    timezone: 'Europe/London',
    product: 'Margaux armchair',
    consumable: 'leather care balm',
    promise: 'a new walnut leg, fitted at your home',
    month: 'December',
    foreign: /\b(Bonjour|Bien cordialement|votre|nous)\b/,
  },
];

const at = (hoursFromNow: number) => new Date(NOW.getTime() + hoursFromNow * 3_600_000).toISOString();

interface Scenario {
  /** The playbook behind it (its reason is worded per language), or a promise step. */
  source: { playbook: string } | { promiseStep: string };
  /** The template, when not the scenario's name (one template, several situations). */
  template?: string;
  category: OutreachRequest['category'];
  data: (reader: Reader) => Record<string, unknown>;
}

const order = { orderId: 'NH-20417' };
const SCENARIOS: Record<string, Scenario> = {
  'order.confirmation': {
    source: { playbook: 'order.confirmation' },
    category: 'transactional',
    data: (r) => ({ ...order, productName: r.product, promisedDeliveryAt: at(24 * 9) }),
  },
  'delivery.late': {
    source: { playbook: 'delivery.late' },
    category: 'service',
    data: (r) => ({
      ...order,
      productName: r.product,
      promisedDeliveryAt: at(24 * 2),
      newEstimatedDeliveryAt: at(24 * 5 + 5),
    }),
  },
  // Our own prediction, no word from the carrier: "may", with a new date only after the promised day.
  'delivery.at-risk': {
    source: { playbook: 'delivery.at-risk' },
    template: 'delivery.late',
    category: 'service',
    data: (r) => ({
      ...order,
      productName: r.product,
      predictedLate: true,
      promisedDeliveryAt: at(24 * 2),
      newEstimatedDeliveryAt: at(24 * 4 + 5),
      basis: 'parcels to your region usually take 2 days; yours left 4 days ago',
      lateRiskPercent: 82,
    }),
  },
  // The same, when our expected arrival still falls on the promised day: no second date (data.ts drops it).
  'delivery.at-risk.same-day': {
    source: { playbook: 'delivery.at-risk' },
    template: 'delivery.late',
    category: 'service',
    data: (r) => ({
      ...order,
      productName: r.product,
      predictedLate: true,
      promisedDeliveryAt: at(24 * 2),
      newEstimatedDeliveryAt: null,
      basis: 'parcels to your region usually take 2 days; yours left 2 days ago',
      lateRiskPercent: 70,
    }),
  },
  'delivery.failed': {
    source: { playbook: 'delivery.rescue' },
    category: 'service',
    data: (r) => ({ ...order, productName: r.product, failureReason: 'nobody was home' }),
  },
  'setup.checkin': {
    source: { playbook: 'setup.checkin' },
    category: 'service',
    data: (r) => ({ ...order, productName: r.product }),
  },
  'usage.help': {
    source: { playbook: 'usage.help' },
    category: 'service',
    data: (r) => ({ sku: 'linnea-3', productName: r.product, helpUrl: 'https://help.example/linnea' }),
  },
  'usage.tips': {
    source: { playbook: 'usage.tips' },
    category: 'educational',
    data: (r) => ({ ...order, productName: r.product, helpUrl: 'https://help.example/care' }),
  },
  'case.update': {
    source: { playbook: 'case.update' },
    category: 'service',
    // The journey's own words when the team left no note: each template words it itself.
    data: () => ({
      caseId: 'C-5521',
      update: 'it is still open and in hand, and nothing is needed from you for now',
    }),
  },
  'case.survey': {
    source: { playbook: 'case.survey' },
    category: 'service',
    data: () => ({ caseId: 'C-5521', surveyUrl: 'https://survey.example/C-5521' }),
  },
  'case.fix-check': {
    source: { playbook: 'case.fix-check' },
    category: 'service',
    data: () => ({ caseId: 'C-5521' }),
  },
  'warranty.expiring': {
    source: { playbook: 'warranty.expiring' },
    category: 'proactive',
    data: (r) => ({ ...order, productName: r.product, endsAt: at(24 * 20) }),
  },
  replenish: {
    source: { playbook: 'replenish' },
    category: 'proactive',
    data: (r) => ({ sku: 'oil-250', productName: r.consumable, runsOutAt: at(24 * 5), basis: 'every 41 days' }),
  },
  'checkin.quarterly': { source: { playbook: 'checkin.quarterly' }, category: 'proactive', data: () => ({}) },
  'loyalty.thanks': { source: { playbook: 'loyalty.anniversary' }, category: 'proactive', data: () => ({}) },
  'promise.customer-notice': {
    source: { promiseStep: 'customer-notice' },
    category: 'transactional',
    data: (r) => promiseData(r, at(30.5)),
  },
  'promise.apology': {
    source: { promiseStep: 'apology' },
    category: 'transactional',
    data: (r) => ({ ...promiseData(r, at(-2)), recovery: profiles.get(r.brand)!.promises.recovery }),
  },
  'promise.renegotiated': {
    source: { promiseStep: 'renegotiated-1' },
    category: 'transactional',
    data: (r) => promiseData(r, at(24 * 6 + 6)),
  },
  'promise.cancelled': {
    source: { promiseStep: 'cancelled' },
    category: 'transactional',
    data: (r) => promiseData(r, at(24 * 10)),
  },
};

/** What the promise workflow sends: its internal text too, which must not come through. */
function promiseData(reader: Reader, dueAt: string): Record<string, unknown> {
  return {
    promiseId: 'p-318',
    text: INTERNAL_NOTE,
    promiseText: INTERNAL_NOTE,
    customerText: reader.promise,
    kind: 'callback',
    dueAt,
    owner: 'camille',
    status: 'we are still on it.',
  };
}

function requestFor(reader: Reader, situation: string, overrides: { name?: string | undefined } = {}) {
  const scenario = SCENARIOS[situation]!;
  const journey = `kept/${reader.brand}/customer/${reader.customerId}/contact`;
  const key =
    'playbook' in scenario.source
      ? `${journey}/${scenario.source.playbook}/NH-20417/${NOW.toISOString()}`
      : `${journey}/promise/p-318/${scenario.source.promiseStep}`;
  return outreachRequestSchema.parse({
    idempotencyKey: key,
    brand: reader.brand,
    recipient: {
      kind: 'customer',
      customerId: reader.customerId,
      name: 'name' in overrides ? overrides.name : reader.name,
      email: `${reader.customerId}@example.com`,
      locale: reader.locale,
      timezone: reader.timezone,
    },
    category: scenario.category,
    template: scenario.template ?? situation,
    // A promise message's request reason is the operator's; a playbook's is the journey's English record.
    reason: 'promiseStep' in scenario.source ? OPERATOR_REASON : 'the journey recorded reason (English)',
    data: scenario.data(reader),
  });
}

function render(reader: Reader, situation: string, overrides: { name?: string | undefined } = {}) {
  const scenario = SCENARIOS[situation]!;
  return composeMessage({
    templates,
    profile: profiles.get(reader.brand)!,
    request: requestFor(reader, situation, overrides),
    template: scenario.template ?? situation,
    footer: true,
    unsubscribeUrl: scenario.category === 'transactional' ? undefined : 'https://kept.example/u?t=abc',
    now: NOW,
    playbooks,
  });
}

/** Everything a reader must never see, with the offending line. */
function problems(text: string, reader: Reader, template: string): string[] {
  const found: string[] = [];
  const checks: [RegExp, string][] = [
    [/\bundefined\b|\bnull\b|\bNaN\b|\[object Object\]/, 'a missing value printed'],
    [/\d{4}-\d{2}-\d{2}/, 'an ISO date'],
    [/\{\{|\}\}|\{[a-zA-Z]+\}/, 'a placeholder left in'],
    [/""|“”|«\s*»|\(\s*\)|\s[,.](?=\s|$)|:\s*$|\b(the|your|le|la|din|votre)\s*[.,]/m, 'an empty value'],
    [new RegExp(INTERNAL_NOTE, 'i'), 'the internal promise note'],
    [new RegExp(OPERATOR_REASON, 'i'), "the operator's internal reason"],
    [/journey recorded reason/, "the journey's English record instead of the localised reason"],
    [new RegExp(`\\b${template.replace(/\./g, '\\.')}\\b`), 'the template id'],
    [new RegExp(`\\b${reader.customerId}\\b`), 'the customer id'],
  ];
  if (reader.foreign) checks.push([reader.foreign, 'words of another language']);
  for (const line of text.split('\n')) {
    if (/^https?:\/\//.test(line.trim())) continue;
    for (const [pattern, what] of checks) if (pattern.test(line)) found.push(`${what}: ${JSON.stringify(line)}`);
  }
  return found;
}

/** The text a person reads in the HTML part: tags removed, entities decoded. */
function visibleText(html: string): string {
  return html
    .replace(/<(style|title)[^>]*>[\s\S]*?<\/\1>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&#x3D;/g, '=')
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+/g, ' ');
}

function golden(file: string, actual: string): void {
  if (UPDATE || !existsSync(file)) {
    if (!UPDATE) throw new Error(`no golden snapshot ${path.relative(ROOT, file)}: run with UPDATE_GOLDEN=1`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe.each(READERS)('$brand in $locale', (reader) => {
  test.each(Object.keys(SCENARIOS))('%s', (situation) => {
    const template = SCENARIOS[situation]!.template ?? situation;
    const message = render(reader, situation);
    const folder = path.join(GOLDEN, reader.brand, reader.locale);
    const text = `Subject: ${message.subject}\n\n${message.text}`;

    expect(message.source).toBe(`${reader.brand}/${reader.locale.split('-')[0]}`);
    expect([...problems(text, reader, template), ...problems(visibleText(message.html), reader, template)]).toEqual([]);
    // The name as the customer gave it, and a footer that says why in the reader's words.
    expect(message.text).toContain(reader.brand === 'nordhem' ? reader.name.split(' ')[0] : reader.name);
    expect(message.text).toMatch(/\n-- \n\S.{20,}/);
    const dates = Object.values(SCENARIOS[situation]!.data(reader)).filter(
      (value) => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value),
    );
    if (dates.length > 0) expect(message.text).toContain(reader.month);
    golden(path.join(folder, `${situation}.txt`), `${text.trimEnd()}\n`);
    golden(path.join(folder, `${situation}.html`), `${message.html.trimEnd()}\n`);
  });

  test('without a known name, the greeting has no name (and never the id)', () => {
    const message = render(reader, 'order.confirmation', { name: undefined });
    const greeting = message.text.split('\n')[0]!;
    expect(greeting).not.toMatch(new RegExp(reader.customerId, 'i'));
    expect(greeting).not.toMatch(/\s[,!]$/);
    expect(greeting.length).toBeGreaterThan(2);
  });
});

describe('dates as each reader writes them', () => {
  const nordhem = READERS[0]!;
  const withLocale = (locale: string): Reader => ({ ...nordhem, locale });

  test('en-GB, en-US, fr and sv long dates; the time only when the time matters', () => {
    const due = (reader: Reader) => render(reader, 'promise.renegotiated').subject;
    expect(due(withLocale('en-GB'))).toBe('Your new date: 8 December 2026');
    expect(due(withLocale('en-US'))).toBe('Your new date: December 8, 2026');
    // Only "en" from a customer of a brand at home in fr-FR: the brand's region, not the US.
    expect(render({ ...READERS[3]!, locale: 'en' }, 'promise.renegotiated').text).toContain('by 8 December 2026');
    expect(render(READERS[2]!, 'promise.renegotiated').subject).toBe('Votre nouvelle date : le 8 décembre 2026');
    expect(render(READERS[1]!, 'promise.renegotiated').subject).toBe('Ditt nya datum: 8 december 2026');
    // Due tomorrow afternoon: the day alone would not do.
    expect(render(nordhem, 'promise.customer-notice').text).toContain('by 3 December 2026 at 15:30');
    expect(render(READERS[2]!, 'promise.customer-notice').text).toContain("d'ici le 3 décembre 2026 à 16:30");
  });
});

describe('promise messages to customers', () => {
  test('without a customer text, a neutral sentence; the internal note never', () => {
    for (const reader of READERS) {
      const request = requestFor(reader, 'promise.apology');
      delete request.data.customerText;
      const message = composeMessage({
        templates,
        profile: profiles.get(reader.brand)!,
        request,
        template: 'promise.apology',
        footer: true,
        now: NOW,
        playbooks,
      });
      expect(message.text).not.toContain(INTERNAL_NOTE);
      expect(message.html).not.toContain(INTERNAL_NOTE);
      expect(message.text).not.toContain(OPERATOR_REASON);
      expect(problems(message.text, reader, 'promise.apology')).toEqual([]);
    }
  });
});
