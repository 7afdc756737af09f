import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { PromiseClient } from '../client/promises';
import type { MakePromiseInput } from '../common/promises/schema';
import { deliverOutreach, eventually, testProfile } from './helpers/api';
import { cliEnv, runKept } from './helpers/cli';
import { connectDevServer, startKeptWorker, stopWorker } from './helpers/temporal';

/**
 * The operator CLI as operators run it (bin/kept.js in a child process) against the test dev
 * server and a real worker: readable output, --json, and exit codes 0/1/2/3.
 */
const brand = `cli-${Date.now()}`;
let env: TestWorkflowEnvironment;
let worker: Awaited<ReturnType<typeof startKeptWorker>>;
let dir: string;
let keptEnv: NodeJS.ProcessEnv;
let promises: PromiseClient;

beforeAll(async () => {
  env = await connectDevServer();
  worker = await startKeptWorker(env, { extraActivities: { deliverOutreach } });
  dir = mkdtempSync(path.join(tmpdir(), 'kept-cli-'));
  mkdirSync(path.join(dir, 'profiles'));
  const profile = { ...testProfile(brand), promises: { ...testProfile(brand).promises, atRiskAt: 0.05, remindAt: [] } };
  writeFileSync(path.join(dir, 'profiles', `${brand}.json`), JSON.stringify(profile));
  keptEnv = cliEnv(worker.taskQueue, {
    KEPT_PROFILES_DIR: path.join(dir, 'profiles'),
    KEPT_DATA_DIR: path.join(dir, 'data'),
  });
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

const kept = (...args: string[]) => runKept(args, keptEnv);
const promise = (promiseId: string, dueInMs: number): MakePromiseInput => ({
  brand,
  customerId: 'ada',
  promiseId,
  text: 'Call back about the delivery date',
  kind: 'callback',
  owner: { kind: 'person', id: 'sam', team: 'support' },
  channel: 'phone',
  due: { at: new Date(Date.now() + dueInMs).toISOString() },
});

it('records an event from a file and shows the journey readably and as JSON', async () => {
  const file = path.join(dir, 'event.json');
  const event = {
    type: 'order.placed',
    eventId: 'cli-1',
    brand,
    customerId: 'ada',
    // Now: `kept event` takes live events only (KEPT_MAX_EVENT_AGE), so a fixed date would expire.
    occurredAt: new Date().toISOString(),
    orderId: 'o-7',
    items: [{ sku: 'sofa-3', name: 'Sofa', category: 'furniture', price: 899 }],
  };
  writeFileSync(file, JSON.stringify(event));
  const recorded = await kept('event', `@${file}`);
  expect(recorded.code).toBe(0);
  expect(JSON.parse(recorded.stdout)).toMatchObject({ eventId: 'cli-1', applied: true, stage: 'purchase' });

  const readable = await kept('journey', brand, 'ada');
  expect(readable.code).toBe(0);
  expect(readable.stdout).toContain(`Journey of ada at ${brand} — stage: purchase`);
  expect(readable.stdout).toContain(`workflow   kept/${brand}/customer/ada`);
  expect(readable.stdout).toMatch(/orders\s+o-7 placed/);

  const json = await kept('journey', brand, 'ada', '--json');
  expect(JSON.parse(json.stdout)).toMatchObject({
    brand,
    customerId: 'ada',
    stage: 'purchase',
    counters: { eventsApplied: 1 },
  });
});

it('exits 2 on bad input (naming the field) and 3 when nothing is found', async () => {
  // Independent runs, in parallel: each is a whole CLI process start.
  const [badEvent, badId, badStatus, noDue, missing, noPromise, noJourney] = await Promise.all([
    kept(
      'event',
      JSON.stringify({
        type: 'product.viewed',
        eventId: 'x',
        brand,
        customerId: 'ada',
        occurredAt: 'yesterday',
        sku: 's',
      }),
    ),
    kept('journey', brand, 'not an id'),
    kept('promises', '--status', 'sleepy'),
    kept('renegotiate', brand, 'p-x', '--reason', 'r'),
    kept('journey', brand, 'nobody'),
    kept('fulfil', brand, 'p-none'),
    kept('pause', brand, 'nobody', '--reason', 'vip'),
  ]);
  expect([badEvent.code, badId.code, badStatus.code, noDue.code]).toEqual([2, 2, 2, 2]);
  expect(badEvent.stderr).toContain('occurredAt');
  expect(badId.stderr).toContain('customerId');
  expect(badStatus.stderr).toContain('status');
  expect(noDue.stderr).toContain('--at <instant> or --within <duration>');
  expect([missing.code, noPromise.code, noJourney.code]).toEqual([3, 3, 3]);
  expect(missing.stderr).toContain(`no journey for nobody at ${brand}`);
});

it('lists at-risk and overdue promises (table and JSON), fulfils and renegotiates', async () => {
  await promises.makePromise(promise('p-risk', 60_000)); // at risk after 5% of its minute
  await promises.makePromise(promise('p-late', 2_000)); // overdue (breached) after 2 s
  await promises.makePromise(promise('p-move', 3_600_000));

  await eventually(async () => {
    const atRisk = await kept('promises', '--at-risk', '--brand', brand, '--json');
    expect(atRisk.code).toBe(0);
    expect(JSON.parse(atRisk.stdout).map((p: { promiseId: string }) => p.promiseId)).toEqual(['p-risk']);
  }, 30_000);
  const table = await kept('promises', '--at-risk', '--brand', brand, '--team', 'support');
  expect(table.stdout).toMatch(/promise.*customer.*status.*owner.*team.*due/);
  expect(table.stdout).toMatch(/p-risk.*ada.*at-risk.*sam.*support/);
  expect((await kept('promises', '--at-risk', '--brand', brand, '--team', 'billing')).stdout).toContain(
    'no promises match',
  );

  await eventually(async () => {
    const overdue = JSON.parse((await kept('promises', '--overdue', '--brand', brand, '--json')).stdout);
    expect(overdue.map((p: { promiseId: string; status: string }) => [p.promiseId, p.status])).toEqual([
      ['p-late', 'breached'],
    ]);
  }, 30_000);

  const fulfilled = await kept('fulfil', brand, 'p-risk', '--note', 'called her', '--json');
  expect(fulfilled.code).toBe(0);
  expect(JSON.parse(fulfilled.stdout)).toMatchObject({ outcome: 'kept', promiseId: 'p-risk' });
  const again = await kept('fulfil', brand, 'p-risk');
  expect(again.code).toBe(1);
  expect(again.stderr).toContain('already kept');

  const newDue = new Date(Date.now() + 7_200_000).toISOString();
  const moved = await kept('renegotiate', brand, 'p-move', '--at', newDue, '--reason', 'customer away', '--json');
  expect(moved.code).toBe(0);
  expect(JSON.parse(moved.stdout)).toMatchObject({ dueAt: newDue, renegotiations: 1 });
  const readable = await kept('renegotiate', brand, 'p-move', '--within', 'PT3H', '--reason', 'again');
  expect(readable.stdout).toMatch(/promise p-move at .*: now due .* \(renegotiated 2×\)/);
});

it('pauses and resumes outreach for a customer', async () => {
  const paused = await kept('pause', brand, 'ada', '--reason', 'complaint being handled', '--json');
  expect(paused.code).toBe(0);
  expect(JSON.parse(paused.stdout)).toEqual({ paused: expect.any(Number) });
  const resumed = await kept('resume', brand, 'ada');
  expect(resumed.code).toBe(0);
  expect(resumed.stdout).toContain(`outreach for ada at ${brand} resumed`);
});

it('reports journeys per stage and promises per status for a brand', async () => {
  await eventually(async () => {
    const report = JSON.parse((await kept('report', '--brand', brand, '--json')).stdout);
    expect(report).toMatchObject({
      brand,
      journeysByStage: { purchase: 1, research: 0 },
      endedPromisesByOutcome: { kept: 1 },
      runningPromisesByStatus: { breached: 1 },
    });
  }, 30_000);
  const readable = await kept('report', '--brand', brand);
  expect(readable.stdout).toMatch(/purchase\s*│\s*1/);
  expect(readable.stdout).toContain('kept-rate');
});

it('lists captured mail (the capture server’s folder)', async () => {
  const empty = await kept('mail', '--json');
  expect(JSON.parse(empty.stdout)).toEqual([]);
  mkdirSync(path.join(dir, 'data', 'mail'), { recursive: true });
  const mail = {
    id: 'm-1',
    receivedAt: '2026-11-03T10:00:00.000Z',
    to: 'ada@example.com',
    subject: 'Your sofa is on its way',
    duplicatesCollapsed: 0,
  };
  writeFileSync(path.join(dir, 'data', 'mail', 'm-1.json'), JSON.stringify(mail));
  const listed = await kept('mail');
  expect(listed.stdout).toMatch(/m-1.*ada@example.com.*Your sofa is on its way/);
});

it('previews a template and applies schedules (dry run) through the project scripts', async () => {
  const [preview, schedules] = await Promise.all([
    kept('preview', brand, 'delivery.late'),
    kept('schedules', '--dry-run'),
  ]);
  expect(preview.code).toBe(0);
  expect(preview.stdout).toMatch(/subject: .*running late/);
  expect([schedules.code, schedules.stderr]).toEqual([0, '']);
  expect(schedules.stdout).toMatch(/kept-/);
});
