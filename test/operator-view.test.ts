import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import { KeptClient } from '../client/kept-client';
import { PromiseClient } from '../client/promises';
import { journeyWorkflowId } from '../common/ids';
import { pauseOutreachUpdate } from '../workflows/journey/messages';
import { deliverOutreach, eventually, testProfile } from './helpers/api';
import { cliEnv, runKept } from './helpers/cli';
import { connectDevServer, startKeptWorker, stopWorker } from './helpers/temporal';

/**
 * The operator's view of a journey on a real server: the journey's current details (what the
 * Temporal UI shows) and `kept journey` (the real CLI) show open and breached promises with due
 * times, outreach and a pause with its end, stage entries at the event's time in the brand's
 * timezone, reasons said once, and a brand without a service profile said loudly.
 */
const stamp = Date.now();
const brand = `ov-${stamp}`;
const bare = `ov-bare-${stamp}`;
// Far from UTC, so a time shown in UTC (or the machine's zone) cannot pass for the brand's.
const zone = 'Asia/Tokyo';

let env: TestWorkflowEnvironment;
let worker: Awaited<ReturnType<typeof startKeptWorker>>;
let dir: string;
let kept: KeptClient;
let promises: PromiseClient;

beforeAll(async () => {
  env = await connectDevServer();
  dir = mkdtempSync(path.join(tmpdir(), 'kept-ov-'));
  const base = testProfile(brand);
  const profile = { ...base, businessHours: { ...base.businessHours, timezone: zone } };
  writeFileSync(path.join(dir, `${brand}.json`), JSON.stringify(profile));
  worker = await startKeptWorker(env, { profilesDir: dir, extraActivities: { deliverOutreach } });
  kept = new KeptClient({ client: env.client, taskQueue: worker.taskQueue });
  promises = new PromiseClient({
    client: env.client,
    taskQueue: worker.taskQueue,
    profiles: new Map([[brand, profile]]),
  });
});

afterAll(async () => {
  await stopWorker(worker);
  await env.teardown();
  rmSync(dir, { recursive: true, force: true });
});

/** What the Temporal UI shows as the journey's current details (answered by the worker). */
async function currentDetails(workflowBrand: string, customerId: string): Promise<string> {
  const handle = env.client.workflow.getHandle(journeyWorkflowId(workflowBrand, customerId));
  const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? '';
}

/**
 * The brand-zone rendering an operator expects, computed here independently of Kept's formatter
 * (Tokyo keeps GMT+9 all year).
 */
const local = (instant: string) => `${DateTime.fromISO(instant, { zone }).toFormat('ccc d LLL yyyy HH:mm')} GMT+9`;

const minute = (ms: number) => new Date(Math.floor(ms / 60_000) * 60_000).toISOString();

it('shows promises, outreach, a pause with its end and stages at the event time in the brand zone', async () => {
  const placedAt = minute(Date.now() - 2 * 3_600_000);
  const promisedDeliveryAt = minute(Date.now() + 2 * 86_400_000);
  await kept.recordEvent({
    type: 'order.placed',
    eventId: `${brand}-1`,
    brand,
    customerId: 'ada',
    occurredAt: placedAt,
    orderId: 'o-1',
    items: [{ sku: 'sofa-3', name: 'Sofa', category: 'furniture', price: 899 }],
    promisedDeliveryAt,
  });
  const dueAt = new Date(Date.now() + 3_000).toISOString();
  await promises.makePromise({
    brand,
    customerId: 'ada',
    promiseId: 'p-call',
    text: 'Call back about the delivery date',
    kind: 'callback',
    owner: { kind: 'person', id: 'sam', team: 'support' },
    channel: 'phone',
    due: { at: dueAt },
  });
  const until = minute(Date.now() + 3 * 86_400_000);
  await env.client.workflow
    .getHandle(journeyWorkflowId(brand, 'ada'))
    .executeUpdate(pauseOutreachUpdate, { args: [{ reason: 'complaint being handled', until }] });

  let details = '';
  await eventually(async () => {
    details = await currentDetails(brand, 'ada');
    expect(details).toMatch(/breached p-call {2}due /);
    expect(details).toContain('delivery-o-1');
  }, 45_000);
  expect(details).toContain(`Journey of ada at ${brand} — stage: purchase`);
  expect(details).toContain('promises: 1 breached, 1 open');
  expect(details).toContain(`breached p-call  due ${local(dueAt)}`);
  expect(details).toContain(`open     delivery-o-1  due ${local(promisedDeliveryAt)}`);
  expect(details).toContain(`paused   all outreach until ${local(until)}: complaint being handled`);
  expect(details).toMatch(/decided so far: \d+ sent, \d+ suppressed/);
  // The stage entry carries the order's time, in Tokyo, not when the worker saw it.
  expect(details).toContain(`${local(placedAt)}`);
  expect(details).toMatch(new RegExp(`${escape(local(placedAt))} +purchase +order\\.placed: order o-1`));
  expect(details).toContain(`times in ${zone}`);

  const cli = await runKept(['journey', brand, 'ada'], cliEnv(worker.taskQueue, { KEPT_PROFILES_DIR: dir }));
  expect(cli.code).toBe(0);
  expect(cli.stdout).toContain(`breached p-call  due ${local(dueAt)}`);
  expect(cli.stdout).toContain(`open     delivery-o-1  due ${local(promisedDeliveryAt)}`);
  expect(cli.stdout).toContain(`paused   all outreach until ${local(until)}: complaint being handled`);
  expect(cli.stdout).toMatch(new RegExp(`${escape(local(placedAt))} +purchase +order\\.placed: order o-1`));
}, 90_000);

it('says a reason once ("products.compared", not "products.compared: products.compared")', async () => {
  const occurredAt = minute(Date.now() - 3_600_000);
  await kept.recordEvent({
    type: 'products.compared',
    eventId: `${brand}-2`,
    brand,
    customerId: 'bo',
    occurredAt,
    skus: ['sofa-3', 'sofa-4'],
  });
  const details = await currentDetails(brand, 'bo');
  expect(details).toMatch(new RegExp(`${escape(local(occurredAt))} +compare +products\\.compared$`, 'm'));
  expect(details).not.toContain('products.compared: products.compared');
});

it('says loudly that a brand without a service profile gets no promises and no outreach', async () => {
  await kept.recordEvent({
    type: 'order.placed',
    eventId: `${bare}-1`,
    brand: bare,
    customerId: 'cy',
    occurredAt: minute(Date.now() - 3_600_000),
    orderId: 'o-9',
    items: [{ sku: 'lamp-1', name: 'Desk lamp', category: 'lighting', price: 59 }],
    promisedDeliveryAt: minute(Date.now() + 86_400_000),
  });
  await eventually(async () => {
    const details = await currentDetails(bare, 'cy');
    expect(details).toContain(`NO SERVICE PROFILE: no promises, no outreach`);
    expect(details).toContain(`No service profile for brand ${bare}: Kept makes no promises and sends no outreach`);
  }, 30_000);
  const cli = await runKept(['journey', bare, 'cy'], cliEnv(worker.taskQueue, { KEPT_PROFILES_DIR: dir }));
  expect(cli.stdout).toContain(`!! No service profile for brand ${bare}`);
});

it('labels a promise kept after a breach and a renegotiation so that the label agrees with the times', async () => {
  const made = Date.now();
  await promises.makePromise({
    brand,
    customerId: 'dee',
    promiseId: 'p-moved',
    text: 'Send the fabric samples',
    kind: 'callback',
    owner: { kind: 'person', id: 'sam', team: 'support' },
    channel: 'phone',
    due: { at: new Date(made + 2_000).toISOString() },
  });
  await eventually(async () => {
    expect((await promises.getPromise(brand, 'p-moved')).status).toBe('breached');
  }, 30_000);
  const newDue = minute(Date.now() + 3 * 3_600_000);
  await promises.renegotiatePromise(brand, 'p-moved', { due: { at: newDue }, reason: 'customer away until tonight' });

  const fulfilled = await runKept(['fulfil', brand, 'p-moved'], cliEnv(worker.taskQueue, { KEPT_PROFILES_DIR: dir }));
  expect(fulfilled.code).toBe(0);
  // It did breach (kept-late), and it was kept by the renegotiated due time: the line says both.
  expect(fulfilled.stdout).toContain('kept-late: breached at ');
  expect(fulfilled.stdout).toContain(`then kept after renegotiation (renegotiated due ${local(newDue)}, ended `);
}, 60_000);

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
