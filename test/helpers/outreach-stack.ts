import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startCaptureServer, type CaptureServer } from '../../mail/capture-server';
import { outreachDependencies, temporaryDirectory } from './outreach';
import { connectDevServer, connectTimeSkippingServer, startKeptWorker, stopWorker } from './temporal';

type KeptWorkerHandle = Awaited<ReturnType<typeof startKeptWorker>>;
type WorkerOptions = NonNullable<Parameters<typeof startKeptWorker>[1]>;

/** A time-skipping server and a Kept worker whose outreach is real, and how to stop them all. */
export interface OutreachStack {
  env: TestWorkflowEnvironment;
  worker: KeptWorkerHandle;
  smtp: CaptureServer;
  /** Where the capture server writes each message it receives. */
  mailDir: string;
  stop(): Promise<void>;
}

/**
 * What most journey tests start with: the time-skipping server, a real SMTP capture server
 * and a SQLite delivery ledger in a temporary folder, and a worker wired to both — so that
 * confirmations, promise messages and tasks really go out, as they would for a customer.
 */
export async function startOutreachStack(
  prefix: string,
  options: WorkerOptions = {},
  server: 'time-skipping' | 'dev' = 'time-skipping',
): Promise<OutreachStack> {
  const tmp = temporaryDirectory(prefix);
  const mailDir = path.join(tmp.path, 'mail');
  // The dev server where visibility or real histories matter, the time-skipping one for long timers.
  const env = server === 'dev' ? await connectDevServer() : await connectTimeSkippingServer();
  const smtp = await startCaptureServer({ port: 0, host: '127.0.0.1', directory: mailDir });
  const outreach = outreachDependencies({ smtpPort: smtp.port, ledgerFile: path.join(tmp.path, 'ledger.sqlite') });
  const worker = await startKeptWorker(env, { activityDependencies: { outreach }, ...options });
  return {
    env,
    worker,
    smtp,
    mailDir,
    async stop() {
      await stopWorker(worker);
      await smtp.close();
      await env.teardown();
      tmp.remove();
    },
  };
}
