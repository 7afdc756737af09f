import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ActivityDependencies } from '../../activities';
import { startCaptureServer, type CaptureServer, type CaptureServerOptions } from '../../mail/capture-server';
import { outreachDependencies, temporaryDirectory, type TemporaryDirectory } from './outreach';
import { connectDevServer, connectTimeSkippingServer, startKeptWorker, stopWorker } from './temporal';

type KeptWorkerHandle = Awaited<ReturnType<typeof startKeptWorker>>;
type WorkerOptions = NonNullable<Parameters<typeof startKeptWorker>[1]>;

export interface OutreachStackOptions extends WorkerOptions {
  /** Called by the capture server after it stores each message: a test can hold a delivery there. */
  afterStore?: CaptureServerOptions['afterStore'];
  /** Activity dependencies besides outreach, e.g. brand statistics kept in the stack's ledger file. */
  moreDependencies?: (ledgerFile: string) => Omit<ActivityDependencies, 'outreach'>;
}

/** A time-skipping server and a Kept worker whose outreach is real, and how to stop them all. */
export interface OutreachStack {
  env: TestWorkflowEnvironment;
  worker: KeptWorkerHandle;
  smtp: CaptureServer;
  /** Where the capture server writes each message it receives. */
  mailDir: string;
  /** The SQLite delivery ledger's file. */
  ledgerFile: string;
  stop(): Promise<void>;
}

/**
 * What most journey tests start with: the time-skipping server, a real SMTP capture server
 * and a SQLite delivery ledger in a temporary folder, and a worker wired to both — so that
 * confirmations, promise messages and tasks really go out, as they would for a customer.
 *
 * `folder` is a prefix for a new temporary folder, or one the test made already (to put its
 * own files beside the stack's); `stop()` removes it either way.
 */
export async function startOutreachStack(
  folder: string | TemporaryDirectory,
  options: OutreachStackOptions = {},
  server: 'time-skipping' | 'dev' = 'time-skipping',
): Promise<OutreachStack> {
  const tmp = typeof folder === 'string' ? temporaryDirectory(folder) : folder;
  const mailDir = path.join(tmp.path, 'mail');
  const ledgerFile = path.join(tmp.path, 'ledger.sqlite');
  const { afterStore, moreDependencies, ...workerOptions } = options;
  // What is up so far is torn down again when a later part fails to start: the test then fails
  // with that error instead of hanging on a server nobody stops.
  const started: { env?: TestWorkflowEnvironment; smtp?: CaptureServer } = {};
  try {
    // The dev server where visibility or real histories matter, the time-skipping one for long timers.
    const env = (started.env = server === 'dev' ? await connectDevServer() : await connectTimeSkippingServer());
    const smtp = (started.smtp = await startCaptureServer({
      port: 0,
      host: '127.0.0.1',
      directory: mailDir,
      afterStore,
    }));
    const outreach = outreachDependencies({ smtpPort: smtp.port, ledgerFile });
    const worker = await startKeptWorker(env, {
      activityDependencies: { outreach, ...moreDependencies?.(ledgerFile) },
      ...workerOptions,
    });
    return {
      env,
      worker,
      smtp,
      mailDir,
      ledgerFile,
      async stop() {
        await stopWorker(worker);
        await smtp.close();
        await env.teardown();
        tmp.remove();
      },
    };
  } catch (error) {
    await started.smtp?.close();
    await started.env?.teardown();
    tmp.remove();
    throw error;
  }
}
