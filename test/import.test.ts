import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { KeptClient } from '../client/kept-client';
import { importEventTimeBounds, loadKeptEnv } from '../common/config';
import { customersWithProgress } from '../import/import-state';
import { planImport } from '../import/plan';
import { eventually } from './helpers/api';
import { cliEnv, runKept, spawnKept } from './helpers/cli';
import { connectDevServer, startKeptWorker, stopWorker } from './helpers/temporal';

/**
 * Bulk import through the real CLI against the real worker and dev server: 10,000 events,
 * interrupted twice (SIGKILL, then Ctrl-C), resumed, ending with every valid event applied
 * exactly once per journey and every rejected row reported with its line.
 */
const brand = `imp-${Date.now()}`;
const CUSTOMERS = 400;
const EVENTS_PER_CUSTOMER = 25;
let env: TestWorkflowEnvironment;
let worker: Awaited<ReturnType<typeof startKeptWorker>>;
let dir: string;

beforeAll(async () => {
  env = await connectDevServer();
  worker = await startKeptWorker(env);
  dir = mkdtempSync(path.join(tmpdir(), 'kept-import-'));
});

afterAll(async () => {
  await stopWorker(worker);
  await env.teardown();
  rmSync(dir, { recursive: true, force: true });
});

/** One customer's history: research to repurchase over two years; every 4th customer orders. */
function customerHistory(index: number): object[] {
  const customerId = `c-${index}`;
  const start = Date.UTC(2023, 0, 1) + index * 3_600_000;
  const events: object[] = [];
  const add = (type: string, fields: object = {}) =>
    events.push({
      type,
      eventId: `${customerId}-${events.length}`,
      brand,
      customerId,
      occurredAt: new Date(start + events.length * 86_400_000).toISOString(),
      ...fields,
    });
  add('profile.updated', { timezone: 'Europe/Paris', locale: 'fr-FR' });
  add('consent.changed', { category: 'educational', granted: true });
  for (let i = 0; events.length < EVENTS_PER_CUSTOMER - 6; i += 1) add('product.viewed', { sku: `sku-${i % 7}` });
  add('products.compared', { skus: ['sku-1', 'sku-2'] });
  if (index % 4 === 0) {
    const orderId = `o-${index}`;
    add('order.placed', { orderId, items: [{ sku: 'sku-1', name: 'Lamp', category: 'lighting', price: 59 }] });
    add('shipment.dispatched', { orderId });
    add('shipment.delivered', { orderId });
  } else {
    add('quote.requested', { quoteId: `q-${index}` });
    add('question.asked', { questionId: `qa-${index}` });
    add('question.answered', { questionId: `qa-${index}` });
  }
  add('usage.reported', { level: 3 });
  add('survey.answered', { score: 5 });
  return events;
}

it('imports 10,000 events, interrupted twice and resumed: each valid event applied once, each reject reported', async () => {
  // Customers' lines are interleaved (as in an export sorted by time), with bad rows among them.
  const histories = Array.from({ length: CUSTOMERS }, (_, index) => customerHistory(index));
  const lines: string[] = [];
  const expectedRejectLines: number[] = [];
  const reject = (text: string) => {
    lines.push(text);
    expectedRejectLines.push(lines.length);
  };
  for (let step = 0; step < EVENTS_PER_CUSTOMER; step += 1) {
    for (const history of histories) lines.push(JSON.stringify(history[step]));
    reject(
      JSON.stringify({
        type: 'order.placed',
        eventId: `bad-${step}`,
        brand,
        customerId: 'c-1',
        occurredAt: '2024-01-01T00:00:00Z',
        orderId: 'x',
        items: [{ sku: 's', name: 'n', category: 'c', price: 'free' }],
      }),
    );
    if (step % 5 === 0) reject('{"type": "product.viewed", "eventId": ');
    if (step % 5 === 1)
      reject(
        JSON.stringify({
          type: 'order.teleported',
          eventId: `t-${step}`,
          brand,
          customerId: 'c-2',
          occurredAt: '2024-01-01T00:00:00Z',
        }),
      );
  }
  const file = path.join(dir, 'history.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  const stateFile = path.join(dir, 'state.json');
  const runEnv = cliEnv(worker.taskQueue);
  const args = ['import', file, '--concurrency', '16', '--state-file', stateFile, '--json'];
  const customersDone = () => customersWithProgress(stateFile);

  // 1. A hard kill part-way: no chance to save anything beyond the last batch.
  const first = spawnKept(args, runEnv);
  await eventually(async () => expect(customersDone()).toBeGreaterThanOrEqual(CUSTOMERS * 0.2), 120_000);
  first.child.kill('SIGKILL');
  await first.done;
  const afterKill = customersDone();
  expect(afterKill).toBeLessThan(CUSTOMERS);

  // 2. Ctrl-C part-way: the batches in flight finish, progress is saved, exit code 130.
  const second = spawnKept(args, runEnv);
  await eventually(async () => expect(customersDone()).toBeGreaterThanOrEqual(afterKill + CUSTOMERS * 0.2), 120_000);
  second.child.kill('SIGINT');
  const interrupted = await second.done;
  expect(interrupted.code).toBe(130);
  const secondSummary = JSON.parse(interrupted.stdout);
  expect(secondSummary).toMatchObject({ interrupted: true, complete: false });
  expect(secondSummary.eventsAlreadyImported).toBeGreaterThanOrEqual(afterKill * EVENTS_PER_CUSTOMER);

  // 3. The rest.
  const started = Date.now();
  const last = await runKept(args, runEnv);
  expect(last.stderr).toBe('');
  expect(last.code).toBe(0);
  const summary = JSON.parse(last.stdout);
  console.log(
    `import: last run ${summary.eventsSent} events in ${Date.now() - started} ms (${summary.eventsPerSecond} events/s)`,
  );
  expect(summary).toMatchObject({
    complete: true,
    interrupted: false,
    validEvents: CUSTOMERS * EVENTS_PER_CUSTOMER,
    customers: CUSTOMERS,
    rejectedRows: expectedRejectLines.length,
    failedCustomers: [],
  });
  expect(summary.eventsAlreadyImported + summary.eventsSent).toBe(CUSTOMERS * EVENTS_PER_CUSTOMER);

  // Every rejected row is in the rejects file with its line and a reason naming the problem.
  const rejects = readFileSync(summary.rejectsFile, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  expect(rejects.map((row: { line: number }) => row.line)).toEqual(expectedRejectLines);
  expect(rejects[0].reason).toBe('order.placed: items.0.price: Invalid input: expected number, received string');
  expect(rejects[1].reason).toMatch(/^not valid JSON/);
  expect(rejects[3].reason).toBe('order.teleported: type: unknown event type "order.teleported"');

  // Every journey applied each of its events exactly once, whatever the interruptions replayed.
  const kept = new KeptClient({ client: env.client, taskQueue: worker.taskQueue });
  for (let index = 0; index < CUSTOMERS; index += 1) {
    const journey = await kept.getJourney(brand, `c-${index}`);
    expect([index, journey.counters.eventsApplied]).toEqual([index, EVENTS_PER_CUSTOMER]);
    expect([index, journey.counters.ordersPlaced]).toEqual([index, index % 4 === 0 ? 1 : 0]);
  }

  // A fourth run finds nothing left to do.
  const again = JSON.parse((await runKept(args, runEnv)).stdout);
  expect(again).toMatchObject({
    complete: true,
    eventsSent: 0,
    eventsAlreadyImported: CUSTOMERS * EVENTS_PER_CUSTOMER,
  });
}, 600_000);

it('maps CSV rows (envelope columns, flat fields, a payload JSON column) and reports bad rows by line', async () => {
  const file = path.join(dir, 'history.csv');
  writeFileSync(
    file,
    [
      'type,eventId,brand,customerId,occurredAt,sku,payload',
      `product.viewed,v-1,${brand},csv-1,2024-03-01T10:00:00Z,sku-9,`,
      `order.placed,o-1,${brand},csv-1,2024-03-02T10:00:00Z,,"{""orderId"":""o-1"",""items"":[{""sku"":""sku-9"",""name"":""Chair"",""category"":""seating"",""price"":120}]}"`,
      `order.placed,o-2,${brand},csv-1,2024-03-03T10:00:00Z,,"{""orderId"": broken"`,
      `product.viewed,v-2,${brand},,2024-03-04T10:00:00Z,sku-9,`,
    ].join('\n'),
  );
  const plan = await planImport(file);
  expect(plan.validEvents).toBe(2);
  expect(plan.customers[0]!.batches[0]!.map((event) => event.type)).toEqual(['product.viewed', 'order.placed']);
  expect(plan.rejected).toEqual([
    { line: 4, reason: expect.stringMatching(/^payload: not valid JSON/) },
    { line: 5, reason: expect.stringContaining('customerId') },
  ]);
});

it('rejects rows outside the import window by line: the future, before 1970; old history is fine', async () => {
  const file = path.join(dir, 'window.jsonl');
  const row = (eventId: string, occurredAt: string) =>
    JSON.stringify({ type: 'product.viewed', eventId, brand, customerId: 'window-1', occurredAt, sku: 's' });
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
  writeFileSync(
    file,
    [
      row('old', '1999-05-01T10:00:00Z'),
      row('tomorrow', tomorrow),
      row('before-epoch', '1969-12-31T23:59:59Z'),
      row('year-9999', '9999-12-31T23:59:59-14:00'),
    ].join('\n'),
  );
  const plan = await planImport(file, importEventTimeBounds(loadKeptEnv({})));
  expect(plan.validEvents).toBe(1);
  expect(plan.customers[0]!.batches[0]!.map((event) => event.eventId)).toEqual(['old']);
  expect(plan.rejected).toEqual([
    { line: 2, reason: expect.stringMatching(/^product\.viewed: occurredAt: .* is in the future/) },
    { line: 3, reason: expect.stringMatching(/^product\.viewed: occurredAt: use an instant between/) },
    { line: 4, reason: expect.stringMatching(/^product\.viewed: occurredAt: use an instant between/) },
  ]);
});
