import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import { apiKeysFileSchema } from '../api/api-keys';
import { loadKeptEnv, projectPath } from '../common/config';
import { endOfQuietHours } from '../common/outreach/policy';
import { loadServiceProfiles } from '../common/profiles/load-profiles';

/**
 * `npm run demo` (with `npm start` running): within a minute, the proactive outreach Kept
 * exists for, in `npm run mail`. Two customers, one of the self-service brand (nordhem) and
 * one of the white-glove brand (maison-laurent), over Kept's HTTP API. Their histories are
 * laid out relative to now so that each playbook comes due just now:
 *  - an order placed minutes ago → its confirmation;
 *  - that order's carrier reports a delay → the late-delivery notice, before the promised date;
 *  - an earlier order delivered a check-in offset ago → the setup check-in;
 *  - a case resolved two hours ago → the survey;
 *  - a promise whose owner is reminded and then keeps it, and one left to breach → its apology.
 * Then it prints where to look: the mail command, the Web UI and the CLI.
 */
const env = loadKeptEnv();
const api = process.env.KEPT_DEMO_API_URL ?? `http://localhost:${env.KEPT_API_PORT}`;
const ui = `http://localhost:${env.KEPT_TEMPORAL_UI_PORT}/namespaces/${env.KEPT_NAMESPACE}/workflows`;
const keys = apiKeysFileSchema.parse(JSON.parse(readFileSync(projectPath(env.KEPT_API_KEYS_FILE), 'utf8'))).keys;
const profiles = loadServiceProfiles(projectPath(env.KEPT_PROFILES_DIR));
const run = Date.now().toString(36);
const startedAt = Date.now();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const at = (offsetMs: number) => new Date(startedAt + offsetMs).toISOString();

/** The breached promise is due this long after it is made; the kept one later, so its owner is reminded first. */
const BREACHED_DUE_MS = 20_000;
const KEPT_DUE_MS = 40_000;

interface Customer {
  brand: string;
  customerId: string;
  name: string;
  homeZone: string;
  locale: string;
  /** The brand's setup.checkin offset after delivery (config/playbooks). */
  checkinAfterDays: number;
  product: { sku: string; name: string; category: string; price: number };
  owner: { kind: 'person'; id: string; team: string };
  channel: 'phone' | 'email';
}

const customers: Customer[] = [
  {
    brand: 'nordhem',
    customerId: `olle-${run}`,
    name: 'Olle Svensson',
    homeZone: 'Europe/Stockholm',
    locale: 'en-GB',
    checkinAfterDays: 3,
    product: { sku: 'shelf-oak-80', name: 'Oak shelf 80 cm', category: 'storage', price: 129 },
    owner: { kind: 'person', id: 'sam', team: 'support' },
    channel: 'email',
  },
  {
    brand: 'maison-laurent',
    customerId: `claire-${run}`,
    name: 'Claire Dubois',
    homeZone: 'Europe/Paris',
    locale: 'fr-FR',
    checkinAfterDays: 2,
    product: { sku: 'armchair-velvet', name: 'Fauteuil en velours', category: 'furniture', price: 2400 },
    owner: { kind: 'person', id: 'camille', team: 'client-advisors' },
    channel: 'email',
  },
];

/** Zones to fall back on when it is night at the customer's home, spread around the clock. */
const DAYTIME_CANDIDATES = [
  'Europe/London',
  'America/New_York',
  'America/Los_Angeles',
  'Pacific/Honolulu',
  'Asia/Tokyo',
  'Asia/Kolkata',
  'Australia/Sydney',
  'America/Sao_Paulo',
];

/**
 * Quiet hours hold every message, transactional ones included, until the customer's morning. So
 * that the demo shows its mail now at any hour, a customer for whom it is night at home is
 * "travelling" in a zone where the brand's quiet hours stay clear for the next hour.
 */
function demoZone(customer: Customer): string {
  const quietHours = profiles.get(customer.brand)?.contactPolicy.quietHours;
  if (!quietHours) return customer.homeZone;
  const clear = (zone: string) =>
    [0, HOUR].every((offset) => !endOfQuietHours(DateTime.fromMillis(startedAt + offset), zone, quietHours));
  return [customer.homeZone, ...DAYTIME_CANDIDATES].find(clear) ?? customer.homeZone;
}

async function call(brand: string, method: string, urlPath: string, body?: unknown): Promise<unknown> {
  const key = keys.find((entry) => entry.brand === brand)?.key;
  const response = await fetch(`${api}${urlPath}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(`${method} ${urlPath}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

/**
 * The customer's last weeks as the shop, carrier, helpdesk and app would report them, placed so
 * that each playbook's contact is due now (and none more than its grace of a day ago).
 */
function lifecycle(customer: Customer, timezone: string): object[] {
  const { brand, customerId, product, name, locale, checkinAfterDays } = customer;
  const earlierOrder = `o-${customerId}-1`;
  const newOrder = `o-${customerId}-2`;
  const caseId = `k-${customerId}`;
  const deliveredAt = -checkinAfterDays * DAY - 2 * MINUTE;
  let sequence = 0;
  const event = (type: string, offsetMs: number, fields: object = {}) => ({
    type,
    eventId: `${customerId}-${(sequence += 1)}`,
    brand,
    customerId,
    occurredAt: at(offsetMs),
    ...fields,
  });
  return [
    event('profile.updated', -10 * DAY, { name, email: `${customerId}@example.com`, timezone, locale }),
    event('product.viewed', -10 * DAY, { sku: product.sku, category: product.category }),
    event('products.compared', -10 * DAY + HOUR, { skus: [product.sku, `${product.sku}-xl`] }),
    event('order.placed', -9 * DAY, { orderId: earlierOrder, items: [product] }),
    // A case opened before that order arrived (the check-in is skipped after a newer issue).
    event('issue.reported', -8 * DAY, {
      caseId,
      category: 'question',
      summary: 'The assembly instructions are missing from the download page',
      severity: 'normal',
    }),
    event('case.updated', -8 * DAY + HOUR, { caseId, note: 'Sent the instructions by mail' }),
    event('shipment.dispatched', deliveredAt - DAY, { orderId: earlierOrder, carrier: 'DHL' }),
    event('shipment.delivered', deliveredAt, { orderId: earlierOrder }),
    event('product.activated', deliveredAt + HOUR, { orderId: earlierOrder, sku: product.sku }),
    // → case.survey, two hours after resolution.
    event('case.resolved', -2 * HOUR - 2 * MINUTE, { caseId, outcome: 'resolved', rootCause: 'docs-missing' }),
    // → order.confirmation, then delivery.late before the promised date.
    event('order.placed', -10 * MINUTE, {
      orderId: newOrder,
      items: [{ ...product, sku: `${product.sku}-xl`, name: `${product.name} XL` }],
      promisedDeliveryAt: at(3 * DAY),
    }),
    event('shipment.dispatched', -5 * MINUTE, { orderId: newOrder, carrier: 'DHL', estimatedDeliveryAt: at(2 * DAY) }),
    event('shipment.delayed', -MINUTE, {
      orderId: newOrder,
      newEstimatedDeliveryAt: at(5 * DAY),
      reason: 'missed a connection',
    }),
  ];
}

interface DemoPromises {
  kept: string;
  breached: string;
}

async function makePromises(customer: Customer): Promise<DemoPromises> {
  const { brand, customerId, owner, channel, name } = customer;
  const base = {
    customerId,
    owner,
    channel,
    orderId: `o-${customerId}-2`,
    contact: { name, email: `${customerId}@example.com` },
    insist: true,
  };
  const promises = { kept: `${customerId}-callback`, breached: `${customerId}-delivery-slot` };
  await call(brand, 'POST', `/v1/brands/${brand}/promises`, {
    ...base,
    kind: 'callback',
    promiseId: promises.kept,
    text: 'Call back to confirm the new delivery slot',
    due: { at: new Date(Date.now() + KEPT_DUE_MS).toISOString() },
  });
  await call(brand, 'POST', `/v1/brands/${brand}/promises`, {
    ...base,
    kind: 'delivery',
    promiseId: promises.breached,
    text: 'Book a delivery slot with the carrier',
    due: { at: new Date(Date.now() + BREACHED_DUE_MS).toISOString() },
  });
  return promises;
}

interface PromiseView {
  status: string;
  sent: string[];
}

const getPromise = (brand: string, promiseId: string) =>
  call(brand, 'GET', `/v1/brands/${brand}/promises/${promiseId}`) as Promise<PromiseView>;

/** The owner keeps the promise once Kept has reminded them (or, on a very slow machine, just before it is due). */
async function keepAfterReminder(brand: string, promiseId: string, deadline: number): Promise<void> {
  while (Date.now() < deadline && !(await getPromise(brand, promiseId)).sent.includes('reminder-1')) {
    await sleep(1_000);
  }
  await call(brand, 'POST', `/v1/brands/${brand}/promises/${promiseId}/fulfil`, { note: 'Called; slot confirmed' });
}

async function waitForStatus(brand: string, promiseId: string, status: string, deadline: number): Promise<string> {
  for (;;) {
    const current = (await getPromise(brand, promiseId)).status;
    if (current === status || Date.now() > deadline) return current;
    await sleep(1_000);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  console.log(`Kept demo against ${api}\n`);
  const made: { customer: Customer; promises: DemoPromises; madeAt: number }[] = [];
  await Promise.all(
    customers.map(async (customer) => {
      const zone = demoZone(customer);
      const { results } = (await call(customer.brand, 'POST', '/v1/events/batch', lifecycle(customer, zone))) as {
        results: { stage: string }[];
      };
      const travelling = zone === customer.homeZone ? '' : ` (night in ${customer.homeZone}: travelling in ${zone})`;
      console.log(
        `${customer.brand}/${customer.customerId}: ${results.length} events → stage ${results.at(-1)?.stage}${travelling}`,
      );
      const madeAt = Date.now();
      made.push({ customer, promises: await makePromises(customer), madeAt });
    }),
  );
  console.log(
    `\npromises made: one due in ${BREACHED_DUE_MS / 1000} s, left to breach; one due in ${KEPT_DUE_MS / 1000} s, kept after its reminder`,
  );
  console.log('waiting for the reminders and the breach (under a minute)...');
  await Promise.all(
    made.map(({ customer, promises, madeAt }) =>
      keepAfterReminder(customer.brand, promises.kept, madeAt + KEPT_DUE_MS - 10_000),
    ),
  );
  for (const { customer, promises, madeAt } of made) {
    const { brand, customerId } = customer;
    const breached = await waitForStatus(brand, promises.breached, 'breached', madeAt + BREACHED_DUE_MS + 20_000);
    const kept = (await getPromise(brand, promises.kept)).status;
    console.log(
      `\n${brand}/${customerId}: promise ${promises.kept}: ${kept}; promise ${promises.breached}: ${breached}`,
    );
    console.log(`  journey            kept/${brand}/customer/${customerId}`);
    console.log(`  orders / case      kept/${brand}/order/o-${customerId}-1, -2; kept/${brand}/case/k-${customerId}`);
    console.log(`  in the Web UI      ${ui}?query=${encodeURIComponent(`KeptCustomerId="${customerId}"`)}`);
    console.log(`  CLI                npx kept journey ${brand} ${customerId}`);
  }
  console.log(`
Where to look:
  npm run mail                           the confirmation, the late-delivery notice, the setup check-in,
                                         the survey, the kept promise's reminder, the apology for the
                                         breached one (and the owners' mail); npm run mail -- show <id> reads one
  ${ui}
                                         the Temporal Web UI: journeys, orders, cases, promises
  npx kept promises --breached           the breached promises, as a table
  npx kept report                        journeys per stage, promises per status, kept-rate
  npm run temporal -- workflow list --query "KeptKind='promise' AND KeptStatus='breached'"
  ${api}/docs                  the HTTP API's documentation`);
  // Local mail capture only: a relay (KEPT_SMTP_HOST) delivers for real.
  if (!env.KEPT_SMTP_HOST) console.log(`\n(mail is captured in ${path.join(projectPath(env.KEPT_DATA_DIR), 'mail')})`);
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  console.error('is `npm start` running? (the demo talks to its HTTP API)');
  process.exit(1);
});
