import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { messageIdFor } from '../activities/outreach/email';
import { SqliteDeliveryLedger } from '../activities/outreach/ledger';
import { verifyWebhookSignature } from '../activities/outreach/webhook';
import type { OutreachRequestInput } from '../common/outreach/contract';
import { startCaptureServer, type CaptureServer } from '../mail/capture-server';
import { listCapturedMail } from '../mail/mailbox';
import { connectDevServer, startKeptWorker, stopWorker, uniqueTaskQueue } from './helpers/temporal';
import {
  outreachDependencies,
  shippedProfiles,
  temporaryDirectory,
  TEST_WEBHOOK_SECRET,
  waitFor,
} from './helpers/outreach';

/**
 * Effectively-once delivery through a real Temporal worker: the worker SIGKILLed between
 * the SMTP server storing a message and the activity completing; the SMTP server down for
 * a while; a webhook receiver that fails first and then accepts.
 */
let env: TestWorkflowEnvironment;
let workflowCode: string;
const tmp = temporaryDirectory('kept-outreach-temporal-');

beforeAll(async () => {
  env = await connectDevServer();
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('./workflows/outreach-test-workflows'),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error },
  });
  workflowCode = bundle.code;
});

afterAll(async () => {
  await env?.teardown();
  tmp.remove();
});

function mailRequest(key: string): OutreachRequestInput {
  return {
    idempotencyKey: key,
    brand: 'nordhem',
    recipient: { kind: 'customer', customerId: 'ada', name: 'Ada Lovelace', email: 'ada@example.com' },
    category: 'transactional',
    template: 'order.confirmation',
    reason: 'your order',
    data: { orderId: key.split('/').pop() },
  };
}

describe('worker killed after the SMTP server accepted, before the activity completed', () => {
  let smtp: CaptureServer | undefined;
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await smtp?.close();
  });

  it('delivers exactly one copy once a worker is back', async () => {
    const dataDir = path.join(tmp.path, 'kill');
    const mailDir = path.join(dataDir, 'captured');
    const key = `kept/nordhem/customer/ada/order-K-${Date.now()}/confirmation`;
    let killedAt: number | undefined;

    // The server stores the message, then the worker process dies before it can read the
    // 250 reply, record 'sent' in the ledger or complete the activity.
    smtp = await startCaptureServer({
      port: 0,
      directory: mailDir,
      afterStore: async () => {
        const victim = children[0];
        if (killedAt !== undefined || !victim) return;
        killedAt = Date.now();
        const exited = new Promise((resolve) => victim.once('exit', resolve));
        victim.kill('SIGKILL');
        await exited;
      },
    });

    const activityQueue = uniqueTaskQueue('kept-outreach-activities');
    const workerEnv = {
      ...process.env,
      KEPT_TEST_DEV_ADDRESS: process.env.KEPT_TEST_DEV_ADDRESS,
      KEPT_TEST_ACTIVITY_QUEUE: activityQueue,
      KEPT_DATA_DIR: dataDir,
      KEPT_SMTP_PORT: String(smtp.port),
      // this worker uses the default ledger: the SQLite file in its data folder
      KEPT_LEDGER_URL: undefined,
      DATABASE_URL: undefined,
    };
    children.push(await startActivityWorker(workerEnv));

    const workflowQueue = uniqueTaskQueue('kept-outreach-workflows');
    const workflowWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: workflowQueue,
      workflowBundle: { code: workflowCode },
    });
    const running = workflowWorker.run();
    try {
      const handle = await env.client.workflow.start('deliverOnce', {
        workflowId: `outreach-kill-${Date.now()}`,
        taskQueue: workflowQueue,
        args: [mailRequest(key), { activityTaskQueue: activityQueue, startToCloseSeconds: 3 }],
      });
      await waitFor(() => killedAt !== undefined, 30_000, 'the worker to be killed mid-send');

      // The ledger (a real SQLite file, shared by both worker processes) says the attempt never finished.
      const ledger = new SqliteDeliveryLedger(path.join(dataDir, 'ledger.sqlite'));
      expect(await ledger.find(key)).toMatchObject({ status: 'sending', attempts: 1 });

      const replacement = await startActivityWorker(workerEnv);
      children.push(replacement);
      const result = await handle.result();

      expect(result).toMatchObject({ status: 'sent', messageId: messageIdFor(key) });
      const copies = listCapturedMail(mailDir).filter((mail) => mail.messageId === messageIdFor(key));
      expect(copies).toHaveLength(1);
      // The resend really happened, with the same Message-ID, and was collapsed into the one copy.
      expect(copies[0]!.duplicatesCollapsed).toBe(1);
      expect(await ledger.find(key)).toMatchObject({ status: 'sent', attempts: 2 });
      const attempts = await ledger.attempts(key);
      // The killed attempt is closed by the retry that completed the delivery.
      expect(attempts.map((attempt) => attempt.outcome)).toEqual(['interrupted', 'sent']);
      await ledger.close();
    } finally {
      workflowWorker.shutdown();
      await running;
    }
  });
});

/** Polls until `check` gives a value (30 s at most). */
async function eventuallyAsync<T>(check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out after 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('SMTP server down for a while', () => {
  it('retries with backoff and every message arrives once the server is back', async () => {
    const port = await freePort();
    const mailDir = path.join(tmp.path, 'down', 'mail');
    const ledger = new SqliteDeliveryLedger(path.join(tmp.path, 'down', 'ledger.sqlite'));
    const handle = await startKeptWorker(env, {
      workflowBundle: { code: workflowCode },
      activityDependencies: { outreach: outreachDependencies({ smtpPort: port, ledger }) },
    });
    let smtp: CaptureServer | undefined;
    const keys = [1, 2, 3].map((n) => `kept/nordhem/customer/ada/order-D${n}-${Date.now()}/confirmation`);
    const runs = keys.map((key) =>
      env.client.workflow.execute('deliverOnce', {
        workflowId: `outreach-down-${key}`,
        taskQueue: handle.taskQueue,
        args: [mailRequest(key), {}],
      }),
    );
    try {
      // Let at least two attempts of each fail against the closed port first (however loaded
      // the machine), and catch each between attempts: failed, not sending.
      for (const key of keys) {
        await eventuallyAsync(async () => {
          const [attempts, record] = [await ledger.attempts(key), await ledger.find(key)];
          return attempts.length >= 2 && record?.status === 'failed' ? true : undefined;
        });
      }
      smtp = await startCaptureServer({ port, directory: mailDir });

      const results = await Promise.all(runs);
      expect(results.map((result) => result.status)).toEqual(['sent', 'sent', 'sent']);
      const captured = listCapturedMail(mailDir);
      expect(captured.map((mail) => mail.messageId).sort()).toEqual(keys.map(messageIdFor).sort());

      // Backoff: the gaps between attempts grow (1 s, 2 s, 4 s, ...).
      const attempts = await ledger.attempts(keys[0]!);
      expect(attempts.length).toBeGreaterThanOrEqual(3);
      expect(attempts.slice(0, -1).every((attempt) => attempt.outcome === 'failed')).toBe(true);
      expect(attempts.at(-1)!.outcome).toBe('sent');
      const starts = attempts.map((attempt) => Date.parse(attempt.startedAt));
      const gaps = starts.slice(1).map((start, index) => start - starts[index]!);
      expect(gaps.at(-1)!).toBeGreaterThan(gaps[0]! * 1.5);
    } finally {
      // A run still waiting (the test failed) must not outlive the connection: it would fail a later file.
      await Promise.all(
        keys.map((key) =>
          env.client.workflow
            .getHandle(`outreach-down-${key}`)
            .terminate('test over')
            .catch(() => undefined),
        ),
      );
      await Promise.allSettled(runs);
      await stopWorker(handle);
      await smtp?.close();
      await ledger.close();
    }
  });
});

describe('webhook channel', () => {
  it('retries a failing receiver with the same Idempotency-Key and a valid signature; a 400 is not retried', async () => {
    const received: { headers: IncomingHttpHeaders; body: string; at: number }[] = [];
    const server = createHttpServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ headers: request.headers, body, at: Date.now() });
        const key = String(request.headers['idempotency-key']);
        const seen = received.filter((entry) => entry.headers['idempotency-key'] === key).length;
        if (key.endsWith('/bad')) response.writeHead(400).end('unknown number');
        else response.writeHead(seen < 3 ? 503 : 202).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`;
    const nordhem = shippedProfiles().get('nordhem')!;
    const ledger = new SqliteDeliveryLedger(path.join(tmp.path, 'webhook-ledger.sqlite'));
    const handle = await startKeptWorker(env, {
      workflowBundle: { code: workflowCode },
      activityDependencies: {
        outreach: outreachDependencies({
          smtpPort: 1,
          ledger,
          profiles: shippedProfiles({ nordhem: { webhooks: { ...nordhem.webhooks, sms: url } } }),
        }),
      },
    });
    const smsRequest = (key: string): OutreachRequestInput => ({
      ...mailRequest(key),
      recipient: { kind: 'customer', customerId: 'ada', name: 'Ada', phone: '+447700900123' },
      channel: 'sms',
    });
    try {
      const key = `kept/nordhem/customer/ada/sms-${Date.now()}`;
      const result = await env.client.workflow.execute('deliverOnce', {
        workflowId: `outreach-webhook-${key}`,
        taskQueue: handle.taskQueue,
        args: [smsRequest(key), {}],
      });
      expect(result).toMatchObject({ status: 'sent', channel: 'sms' });
      const calls = received.filter((entry) => entry.headers['idempotency-key'] === key);
      expect(calls).toHaveLength(3);
      for (const call of calls) {
        expect(
          verifyWebhookSignature({
            secret: TEST_WEBHOOK_SECRET,
            timestamp: call.headers['kept-timestamp'] as string,
            signature: call.headers['kept-signature'] as string,
            body: call.body,
            now: new Date(),
          }),
        ).toBe(true);
        expect(JSON.parse(call.body)).toMatchObject({
          idempotencyKey: key,
          channel: 'sms',
          to: { phone: '+447700900123' },
        });
      }
      // a tampered body does not verify
      expect(
        verifyWebhookSignature({
          secret: TEST_WEBHOOK_SECRET,
          timestamp: calls[0]!.headers['kept-timestamp'] as string,
          signature: calls[0]!.headers['kept-signature'] as string,
          body: calls[0]!.body.replace('+447700900123', '+440000000000'),
          now: new Date(),
        }),
      ).toBe(false);
      expect(calls[2]!.at - calls[1]!.at).toBeGreaterThan(calls[1]!.at - calls[0]!.at);

      const badKey = `kept/nordhem/customer/ada/sms-${Date.now()}/bad`;
      const failure = await env.client.workflow
        .execute('deliverOnce', {
          workflowId: `outreach-webhook-${badKey}`,
          taskQueue: handle.taskQueue,
          args: [smsRequest(badKey), {}],
        })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect(String((failure as WorkflowFailedError).cause?.cause)).toMatch(/answered 400/);
      expect(received.filter((entry) => entry.headers['idempotency-key'] === badKey)).toHaveLength(1);
      expect(await ledger.find(badKey)).toMatchObject({ status: 'failed', attempts: 1 });
    } finally {
      await stopWorker(handle);
      await ledger.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

async function startActivityWorker(workerEnv: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.resolve(__dirname, 'support/outreach-activity-worker.ts')],
    { env: workerEnv, stdio: ['ignore', 'pipe', 'pipe'], cwd: path.resolve(__dirname, '..') },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error(`activity worker did not start in 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('outreach-activity-worker: ready')) {
        clearTimeout(timeout);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timeout);
      reject(new Error(`activity worker exited (${code}) before it was ready:\n${output}`));
    });
  });
  return child;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
