import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { PromiseClient, visibilityLoad } from '../client/promises';
import { promiseWorkflowId } from '../common/ids';
import type { DeliveryResult, OutreachRequest } from '../common/outreach/contract';
import type { MakePromiseInput } from '../common/promises/schema';
import { loadServiceProfile } from '../common/profiles/load-profiles';
import type { ServiceProfile } from '../common/profiles/schema';
import { connectDevServer, startKeptWorker, stopWorker } from './helpers/temporal';
import { wallTime } from './helpers/wall-time';

/**
 * On the dev server (real visibility): the operator's list query for at-risk promises of a
 * team due in the next 24 hours, and capacity proposals that follow the real open load.
 * The calendar is open around the clock (00:00–23:59 every day) so real-time windows of a few
 * seconds behave the same at any hour of the test run.
 */
const allDay = [{ start: '00:00', end: '23:59' }];
const base = loadServiceProfile(path.resolve(__dirname, '../config/profiles/nordhem.json'));
const brand = `vis-${Date.now()}`;
const profile: ServiceProfile = {
  ...base,
  brand,
  businessHours: {
    timezone: 'Europe/London',
    week: { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay },
    holidays: [],
  },
  capacity: { teams: [{ id: 'support', members: ['sam', 'priya'], promisesPerPersonPerDay: 2 }] },
  promises: { ...base.promises, atRiskAt: 0.1, remindAt: [0.05] },
};

let env: TestWorkflowEnvironment;
let worker: Awaited<ReturnType<typeof startKeptWorker>>;
let promises: PromiseClient;

async function deliverOutreach(request: OutreachRequest): Promise<DeliveryResult> {
  return { idempotencyKey: request.idempotencyKey, status: 'sent', channel: 'email', sentAt: new Date().toISOString() };
}

const promise = (promiseId: string, extra: Partial<MakePromiseInput>): MakePromiseInput => ({
  brand,
  customerId: 'cust-1',
  promiseId,
  text: 'Send the assembly instructions',
  kind: 'other',
  owner: { kind: 'person', id: 'sam' },
  channel: 'email',
  ...extra,
});

beforeAll(async () => {
  env = await connectDevServer();
  worker = await startKeptWorker(env, { extraActivities: { deliverOutreach } });
  promises = new PromiseClient({
    client: env.client,
    taskQueue: worker.taskQueue,
    profiles: new Map([[brand, profile]]),
  });
});

afterAll(async () => {
  for (const id of ['p-soon', 'p-later', 'p-other-team', 'p-load-1', 'p-load-2', 'p-load-3', 'p-insist', 'p-summary']) {
    await promises.cancelPromise(brand, id, { reason: 'test over' }).catch(() => undefined);
  }
  await stopWorker(worker);
  await env.teardown();
});

async function listIds(query: string, expected: number): Promise<string[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ids: string[] = [];
    for await (const execution of env.client.workflow.list({ query })) ids.push(execution.workflowId);
    if (ids.length === expected || Date.now() > deadline) return ids.sort();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

it('lists every at-risk promise of a team due in the next 24 hours with one visibility query', async () => {
  const now = Date.now();
  const inSeconds = (s: number) => ({ at: new Date(now + s * 1000).toISOString() });
  // at risk after 10% of 60 s; the others are not at risk, or not the team's, or due later
  await promises.makePromise(promise('p-soon', { due: inSeconds(60), insist: true }));
  await promises.makePromise(promise('p-later', { due: inSeconds(3 * 24 * 3600), insist: true }));
  await promises.makePromise(
    promise('p-other-team', {
      due: inSeconds(60),
      owner: { kind: 'person', id: 'eve', team: 'returns' },
      insist: true,
    }),
  );
  const until = new Date(now + 24 * 3600 * 1000).toISOString();
  const query = `KeptKind='promise' AND KeptBrand='${brand}' AND KeptTeam='support' AND KeptFlags='at-risk' AND KeptNextDueAt < '${until}'`;
  expect(await listIds(query, 1)).toEqual([promiseWorkflowId(brand, 'p-soon')]);
});

it('proposes due times that follow the real open load of the owner and the team', async () => {
  // a fresh owner: capacity 2 per business day, team of two → 4 per day
  const owner = { kind: 'person' as const, id: 'priya' };
  const load = visibilityLoad(env.client);
  const first = await promises.makePromise(promise('p-load-1', { owner }));
  const second = await promises.makePromise(promise('p-load-2', { owner }));
  expect(first.made && second.made).toBe(true);
  // wait until visibility shows both, then the third no longer fits in day 1
  const deadline = Date.now() + 20_000;
  while ((await load({ brand, owner: 'priya' })).length < 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const dayMs = 24 * 3600 * 1000;
  const proposal1 = first.made ? Date.parse(first.dueAt) - Date.now() : 0;
  expect(Math.round(proposal1 / dayMs)).toBe(1);

  const tight = await promises.makePromise(promise('p-load-3', { owner, due: { within: 'PT2H' } }));
  expect(tight).toMatchObject({ made: false, overCommitted: true });
  if (tight.made) throw new Error('unreachable');
  expect(Math.round((Date.parse(tight.proposedDueAt) - Date.now()) / dayMs)).toBe(2);
  expect(tight.note).toMatch(/priya: 2 open due within 1 business day/);

  const proposed = await promises.makePromise(promise('p-load-3', { owner }));
  expect(proposed.made && Math.round((Date.parse(proposed.dueAt) - Date.now()) / dayMs)).toBe(2);

  const insisted = await promises.makePromise(promise('p-insist', { owner, due: { within: 'PT2H' }, insist: true }));
  expect(insisted).toMatchObject({ made: true, capacity: { overCommitted: true, insisted: true } });
  const state = await promises.getPromise(brand, 'p-insist');
  expect(state.flags).toEqual(expect.arrayContaining(['over-committed', 'insisted']));
});

it("gives the due time in the brand's zone, not in UTC, in the promise's summary and details", async () => {
  // Due three days ahead on a whole minute: London is on GMT or BST, whichever that day is on.
  const dueMs = Math.ceil((Date.now() + 3 * 24 * 3600 * 1000) / 60_000) * 60_000;
  const dueIso = new Date(dueMs).toISOString();
  await promises.makePromise(promise('p-summary', { due: { at: dueIso }, insist: true }));
  const handle = env.client.workflow.getHandle(promiseWorkflowId(brand, 'p-summary'));

  const london = wallTime(dueMs, 'Europe/London');

  const summary = await (await handle.describe()).staticSummary();
  expect(summary).toBe(`other promise to cust-1, due ${london}, owner sam`);
  const deadline = Date.now() + 20_000;
  let details = '';
  while (!details && Date.now() < deadline) {
    details = (await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails ?? '';
  }
  expect(details).toContain(`Due ${london} (business hours in Europe/London)`);
  expect(details).not.toContain(dueIso);
});
