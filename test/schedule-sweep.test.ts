import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { ScheduleNotFoundError, type ScheduleDescription } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createSweepActivities } from '../activities/sweep';
import { KeptClient } from '../client/kept-client';
import { journeyWorkflowId } from '../common/ids';
import { applySchedules, DEFAULT_SCHEDULES_FILE, loadSchedules } from '../scripts/apply-schedules';
import type { SweepResult } from '../common/sweep/schema';
import { startCaptureServer, type CaptureServer } from '../mail/capture-server';
import { outreachDependencies, temporaryDirectory } from './helpers/outreach';
import { connectDevServer, startKeptWorker, stopWorker } from './helpers/temporal';

/**
 * Scheduled proactive contacts on the dev server (the only server with schedules and
 * visibility): applying the schedule file twice leaves the same schedules, and a sweep (run
 * directly and started by its schedule) signals exactly the journeys its query matches.
 */
describe('scheduled proactive contacts', () => {
  let env: TestWorkflowEnvironment;
  let worker: Awaited<ReturnType<typeof startKeptWorker>>;
  let kept: KeptClient;
  let smtp: CaptureServer;
  const tmp = temporaryDirectory('kept-schedules-');
  // Each run manages its own prefix, so nothing else on the shared dev server is touched.
  const prefix = `kept-test-${randomUUID().slice(0, 8)}-`;
  const run = randomUUID().slice(0, 8);

  beforeAll(async () => {
    env = await connectDevServer();
    // Journeys that take the sweep's request may send: give them a real (capturing) mail server.
    smtp = await startCaptureServer({ port: 0, host: '127.0.0.1', directory: `${tmp.path}/mail` });
    const outreach = outreachDependencies({ smtpPort: smtp.port, ledgerFile: `${tmp.path}/ledger.sqlite` });
    worker = await startKeptWorker(env, {
      activityDependencies: { outreach },
      extraActivities: createSweepActivities(env.client),
    });
    kept = new KeptClient({ client: env.client, taskQueue: worker.taskQueue });
  });

  afterAll(async () => {
    await applySchedules({
      client: env.client,
      taskQueue: worker.taskQueue,
      file: writeFile({ schedules: [] }),
      prefix,
    });
    await stopWorker(worker);
    await smtp.close();
    await env.teardown();
    tmp.remove();
  });

  function writeFile(content: unknown): string {
    const file = `${tmp.path}/schedules-${randomUUID()}.json`;
    writeFileSync(file, JSON.stringify(content));
    return file;
  }

  /** The shipped declarations, renamed under this run's prefix. */
  function shipped(rename = (id: string) => id.replace(/^kept-/, prefix)) {
    return loadSchedules(DEFAULT_SCHEDULES_FILE).map((schedule) => ({ ...schedule, id: rename(schedule.id) }));
  }

  async function snapshot(): Promise<Record<string, unknown>> {
    const ids: string[] = [];
    for await (const summary of env.client.schedule.list()) {
      if (summary.scheduleId.startsWith(prefix)) ids.push(summary.scheduleId);
    }
    // The list is eventually consistent: a schedule deleted a moment ago may still be listed,
    // and describing it then says it is gone. It counts as gone.
    const described = await Promise.all(
      ids.sort().map(async (id) => {
        const description = await env.client.schedule
          .getHandle(id)
          .describe()
          .catch((error: unknown) => {
            if (error instanceof ScheduleNotFoundError) return undefined;
            throw error;
          });
        return description ? [[id, comparable(description)] as const] : [];
      }),
    );
    return Object.fromEntries(described.flat());
  }

  /** What a schedule is (not its run-time info: next runs, recent actions, update time). */
  function comparable(description: ScheduleDescription) {
    const { spec, action, policies, state } = description;
    return JSON.parse(JSON.stringify({ spec, action, policies, paused: state.paused, note: state.note }));
  }

  async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const value = await read();
      if (done(value)) return value;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  it('applying twice leaves the same schedules; a change updates, a removal deletes', async () => {
    const file = writeFile({ schedules: shipped() });
    const options = { client: env.client, taskQueue: worker.taskQueue, file, prefix };
    const first = await applySchedules(options);
    expect(first.created.sort()).toEqual(
      shipped()
        .map((schedule) => schedule.id)
        .sort(),
    );
    const ids = first.created.sort();
    const before = await eventually(snapshot, (value) => Object.keys(value).length === ids.length, 'schedules listed');
    expect(Object.keys(before)).toEqual(ids);

    const second = await applySchedules(options);
    expect(second).toEqual({ created: [], updated: [], unchanged: shipped().map((s) => s.id), deleted: [] });
    expect(await snapshot()).toEqual(before);

    const [quarterly, warranty] = shipped();
    const changed = writeFile({ schedules: [{ ...quarterly!, cron: ['0 11 1 1,4,7,10 *'] }] });
    const third = await applySchedules({ ...options, file: changed });
    expect(third).toEqual({ created: [], updated: [quarterly!.id], unchanged: [], deleted: [warranty!.id] });
    const after = await eventually(snapshot, (value) => Object.keys(value).length === 1, 'deletion listed');
    expect(after[quarterly!.id]).not.toEqual(before[quarterly!.id]);
    expect(await applySchedules({ ...options, file: changed })).toMatchObject({ unchanged: [quarterly!.id] });
  });

  it('rejects a bad file naming the field, and a schedule outside the prefix', async () => {
    const [quarterly] = shipped();
    const bad = writeFile({ schedules: [{ ...quarterly!, sweep: { ...quarterly!.sweep, category: 'spam' } }] });
    await expect(applySchedules({ client: env.client, taskQueue: 'q', file: bad, prefix })).rejects.toThrow(
      /schedules\.0\.sweep\.category/,
    );
    const foreign = writeFile({ schedules: [{ ...quarterly!, id: 'kept-someone-else' }] });
    await expect(applySchedules({ client: env.client, taskQueue: 'q', file: foreign, prefix })).rejects.toThrow(
      /does not start with/,
    );
  });

  async function journeys(brand: string, customers: string[]): Promise<void> {
    for (const customerId of customers) {
      await kept.recordEvent({
        type: 'order.placed',
        eventId: `${customerId}-o1`,
        brand,
        customerId,
        // Long past: no playbook plans outreach for it (this worker has no outreach configured).
        occurredAt: '2020-01-10T10:00:00Z',
        orderId: `${customerId}-o1`,
        items: [{ sku: 'lamp', name: 'Lamp', category: 'lighting', price: 900 }],
      });
    }
  }

  async function signalsReceived(brand: string, customerId: string): Promise<unknown[]> {
    const history = await env.client.workflow.getHandle(journeyWorkflowId(brand, customerId)).fetchHistory();
    const signals = (history.events ?? []).flatMap((event) => {
      const attributes = event.workflowExecutionSignaledEventAttributes;
      return attributes?.signalName === 'proactiveContact' ? [attributes] : [];
    });
    return signals;
  }

  it('a sweep signals exactly the journeys its visibility query matches, with bounded concurrency', async () => {
    const matched = [`sw-${run}-a`, `sw-${run}-b`, `sw-${run}-c`];
    await journeys('maison-laurent', matched);
    await journeys('nordhem', [`sw-${run}-other`]);
    const query = `KeptKind='journey' AND KeptCustomerId IN (${[...matched, `sw-${run}-other`].map((id) => `'${id}'`).join(',')}) AND KeptBrand='maison-laurent'`;
    await eventually(
      async () => (await env.client.workflow.count(query)).count,
      (count) => count === matched.length,
      'journeys visible',
    );
    const result: SweepResult = await env.client.workflow.execute('proactiveSweep', {
      workflowId: `kept-sweep-test-${run}`,
      taskQueue: worker.taskQueue,
      args: [
        {
          query,
          playbookId: 'checkin.quarterly',
          category: 'proactive',
          reason: 'quarterly check-in',
          concurrency: 2,
          pageSize: 2,
        },
      ],
    });
    const ids = matched.map((customerId) => journeyWorkflowId('maison-laurent', customerId));
    expect(result).toMatchObject({ sweepId: `kept-sweep-test-${run}`, matched: 3, signalled: 3, skipped: [] });
    expect([...result.signalledIds].sort()).toEqual(ids.sort());
    for (const customerId of matched) {
      expect(await signalsReceived('maison-laurent', customerId)).toHaveLength(1);
    }
    expect(await signalsReceived('nordhem', `sw-${run}-other`)).toHaveLength(0);
  });

  it('a schedule from the file starts the sweep (triggered now) and the journeys receive its request', async () => {
    const customers = [`sch-${run}-a`, `sch-${run}-b`];
    await journeys('maison-laurent', customers);
    const [quarterly] = shipped();
    const query = `KeptKind='journey' AND KeptBrand='maison-laurent' AND KeptCustomerId IN ('${customers.join("','")}')`;
    const schedule = { ...quarterly!, id: `${prefix}trigger`, sweep: { ...quarterly!.sweep, query } };
    const file = writeFile({ schedules: [schedule] });
    await applySchedules({ client: env.client, taskQueue: worker.taskQueue, file, prefix });
    await eventually(
      async () => (await env.client.workflow.count(query)).count,
      (count) => count === 2,
      'journeys visible',
    );
    await env.client.schedule.getHandle(schedule.id).trigger();
    for (const customerId of customers) {
      const [signal] = await eventually(
        () => signalsReceived('maison-laurent', customerId),
        (signals) => signals.length === 1,
        `signal to ${customerId}`,
      );
      const payload = signal as { input?: { payloads?: { data?: Uint8Array }[] } };
      const request = JSON.parse(Buffer.from(payload.input!.payloads![0]!.data!).toString('utf8'));
      expect(request).toMatchObject({
        playbookId: 'checkin.quarterly',
        category: 'proactive',
        key: expect.stringMatching(new RegExp(`^checkin\\.quarterly/${schedule.id}-`)),
      });
      expect(request.sweepId.startsWith(`${schedule.id}-`)).toBe(true);
    }
  });
});
