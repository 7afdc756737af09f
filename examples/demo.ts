import { readFileSync } from 'node:fs';
import { apiKeysFileSchema } from '../api/api-keys';
import { loadKeptEnv, projectPath } from '../common/config';

/**
 * `npm run demo` (with `npm start` running): two customers through a whole lifecycle over
 * Kept's HTTP API, one of the white-glove brand (maison-laurent) and one of the self-service
 * brand (nordhem): research → compare → purchase → receive (late) → use → a case resolved
 * with a survey → a repurchase signal; plus two promises, one kept and one breached.
 * Then it tells you where to look: workflow ids, the Web UI, CLI and `temporal` commands.
 */
const env = loadKeptEnv();
const api = process.env.KEPT_DEMO_API_URL ?? `http://localhost:${env.KEPT_API_PORT}`;
const ui = `http://localhost:${env.KEPT_TEMPORAL_UI_PORT}/namespaces/${env.KEPT_NAMESPACE}/workflows`;
const keys = apiKeysFileSchema.parse(JSON.parse(readFileSync(projectPath(env.KEPT_API_KEYS_FILE), 'utf8'))).keys;
const run = Date.now().toString(36);
const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();

interface Customer {
  brand: string;
  customerId: string;
  product: { sku: string; name: string; category: string; price: number };
  owner: { kind: 'person'; id: string; team: string };
  channel: 'phone' | 'email';
}

const customers: Customer[] = [
  {
    brand: 'maison-laurent',
    customerId: `claire-${run}`,
    product: { sku: 'armchair-velvet', name: 'Velvet armchair', category: 'furniture', price: 2400 },
    owner: { kind: 'person', id: 'camille', team: 'client-advisors' },
    channel: 'phone',
  },
  {
    brand: 'nordhem',
    customerId: `olle-${run}`,
    product: { sku: 'shelf-oak-80', name: 'Oak shelf 80 cm', category: 'storage', price: 129 },
    owner: { kind: 'person', id: 'sam', team: 'support' },
    channel: 'email',
  },
];

async function call(brand: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const key = keys.find((entry) => entry.brand === brand)?.key;
  const response = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

/** The customer's lifecycle, 40 days of it, as the shop, carrier, helpdesk and app would report it. */
function lifecycle({ brand, customerId, product }: Customer): object[] {
  const orderId = `o-${customerId}`;
  const caseId = `k-${customerId}`;
  let sequence = 0;
  const event = (type: string, occurredAt: string, fields: object = {}) => ({
    type,
    eventId: `${customerId}-${(sequence += 1)}`,
    brand,
    customerId,
    occurredAt,
    ...fields,
  });
  return [
    event('profile.updated', daysAgo(40), {
      name: brand === 'nordhem' ? 'Olle' : 'Claire',
      email: `${customerId}@example.com`,
      timezone: brand === 'nordhem' ? 'Europe/Stockholm' : 'Europe/Paris',
      locale: brand === 'nordhem' ? 'en' : 'fr-FR',
    }),
    event('product.viewed', daysAgo(40), { sku: product.sku, category: product.category }),
    event('question.asked', daysAgo(39), { questionId: `q-${customerId}`, text: 'Does it come assembled?' }),
    event('question.answered', daysAgo(39), { questionId: `q-${customerId}` }),
    event('products.compared', daysAgo(38), { skus: [product.sku, `${product.sku}-xl`] }),
    event('quote.requested', daysAgo(37), { quoteId: `quote-${customerId}`, skus: [product.sku] }),
    event('order.placed', daysAgo(35), { orderId, items: [product], promisedDeliveryAt: daysAgo(28) }),
    event('shipment.dispatched', daysAgo(31), { orderId, carrier: 'DHL', estimatedDeliveryAt: daysAgo(28) }),
    event('shipment.delayed', daysAgo(28), {
      orderId,
      newEstimatedDeliveryAt: daysAgo(25),
      reason: 'missed a connection',
    }),
    event('shipment.delivered', daysAgo(25), { orderId }),
    event('product.activated', daysAgo(24), { orderId, sku: product.sku }),
    event('issue.reported', daysAgo(20), {
      caseId,
      orderId,
      sku: product.sku,
      category: 'damage',
      summary: 'A scratch on the left side',
      severity: 'normal',
    }),
    event('case.resolved', daysAgo(17), { caseId, outcome: 'resolved', rootCause: 'packaging', note: 'Part replaced' }),
    event('survey.answered', daysAgo(16), { caseId, score: 4, comment: 'Quick and friendly' }),
    event('usage.reported', daysAgo(10), { sku: product.sku, level: 5 }),
    event('warranty.expiring', daysAgo(1), {
      sku: product.sku,
      orderId,
      endsAt: new Date(Date.now() + 30 * DAY).toISOString(),
    }),
  ];
}

async function makePromises(customer: Customer): Promise<{ kept: string; breached: string }> {
  const { brand, customerId, owner, channel } = customer;
  const contact = { name: customerId.split('-')[0], email: `${customerId}@example.com` };
  const base = { customerId, kind: 'callback', owner, channel, contact, insist: true };
  const kept = `${customerId}-callback`;
  const breached = `${customerId}-part-eta`;
  await call(brand, 'POST', `/v1/brands/${brand}/promises`, {
    ...base,
    promiseId: kept,
    text: 'Call back to confirm the repair appointment',
    due: { at: new Date(Date.now() + DAY).toISOString() },
  });
  await call(brand, 'POST', `/v1/brands/${brand}/promises/${kept}/fulfil`, { note: 'Called; appointment confirmed' });
  await call(brand, 'POST', `/v1/brands/${brand}/promises`, {
    ...base,
    kind: 'case-update',
    promiseId: breached,
    text: 'Tell the customer when the spare part arrives',
    due: { at: new Date(Date.now() + 15_000).toISOString() },
  });
  return { kept, breached };
}

async function main(): Promise<void> {
  console.log(`Kept demo against ${api}\n`);
  const made: { customer: Customer; promises: { kept: string; breached: string } }[] = [];
  for (const customer of customers) {
    const { results } = (await call(customer.brand, 'POST', '/v1/events/batch', lifecycle(customer))) as {
      results: { stage: string }[];
    };
    console.log(`${customer.brand}/${customer.customerId}: ${results.length} events → stage ${results.at(-1)?.stage}`);
    made.push({ customer, promises: await makePromises(customer) });
    console.log(
      `  promises: ${made.at(-1)!.promises.kept} kept; ${made.at(-1)!.promises.breached} due in 15 s, left to breach`,
    );
  }
  console.log('\nwaiting 20 s for the second promises to pass their due time...');
  await new Promise((resolve) => setTimeout(resolve, 20_000));
  for (const { customer, promises } of made) {
    const { brand, customerId } = customer;
    const journey = (await call(brand, 'GET', `/v1/brands/${brand}/customers/${customerId}/journey`)) as {
      stage: string;
      counters: { eventsApplied: number };
    };
    const late = (await call(brand, 'GET', `/v1/brands/${brand}/promises/${promises.breached}`)) as { status: string };
    console.log(
      `\n${brand}/${customerId}: stage ${journey.stage}, ${journey.counters.eventsApplied} events; promise ${promises.breached}: ${late.status}`,
    );
    console.log(`  journey workflow   kept/${brand}/customer/${customerId}`);
    console.log(`  order / case       kept/${brand}/order/o-${customerId}, kept/${brand}/case/k-${customerId}`);
    console.log(
      `  promises           kept/${brand}/promise/${promises.kept}, kept/${brand}/promise/${promises.breached}`,
    );
    console.log(`  in the Web UI      ${ui}?query=${encodeURIComponent(`KeptCustomerId="${customerId}"`)}`);
    console.log(`  CLI                npx kept journey ${brand} ${customerId}`);
  }
  console.log(`
Where to look next:
  npm run temporal -- workflow list --query "KeptKind='journey' AND KeptStage='repurchase'"
  npm run temporal -- workflow list --query "KeptKind='promise' AND KeptStatus='breached'"
  npx kept promises --overdue            # the breached promises, as a table
  npx kept report                        # journeys per stage, promises per status, kept-rate
  npm run mail                           # what the journeys sent (captured locally)
  ${api}/docs                  # the HTTP API's documentation`);
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  console.error('is `npm start` running? (the demo talks to its HTTP API)');
  process.exit(1);
});
