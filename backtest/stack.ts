import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, type WorkflowClientInterceptor } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker, WorkerOptions } from '@temporalio/worker';
import { createOutreachActivities, type OutreachDependencies } from '../activities/outreach/deliver';
import { createMailTransport } from '../activities/outreach/email';
import { SqliteDeliveryLedger } from '../activities/outreach/ledger';
import { TemplateLibrary } from '../activities/outreach/templates';
import { projectPath } from '../common/config';
import { loadServiceProfiles } from '../common/profiles/load-profiles';
import type { ServiceProfile } from '../common/profiles/schema';
import { startCaptureServer, type CaptureServer } from '../mail/capture-server';
import { startTimeSkippingServer } from '../workers/time-skipping-server';
import { createKeptWorker } from '../workers/worker';
import { activityScheduledClock, tapDeliveries, type TappedDelivery } from './delivery-tap';
import { startPostReceiver, type PostReceiver } from './receivers';

/** Where a backtest's configuration comes from: `<configDir>/profiles`, `/playbooks`, and `/templates` if present. */
export interface BacktestConfigPaths {
  profilesDir: string;
  playbooksDir: string;
  templatesDir: string;
}

export function configPaths(configDir: string): BacktestConfigPaths {
  const root = path.resolve(configDir);
  const own = path.join(root, 'templates');
  return {
    profilesDir: path.join(root, 'profiles'),
    playbooksDir: path.join(root, 'playbooks'),
    templatesDir: existsSync(own) ? own : projectPath('templates'),
  };
}

/**
 * Everything a backtest runs on, all its own: a time-skipping server on a free port, a Kept
 * worker on a task queue of its own, a capture SMTP server, a webhook/task receiver and a
 * SQLite ledger in a temporary folder. Nothing here touches a running `npm start`.
 */
export interface BacktestStack {
  env: TestWorkflowEnvironment;
  /** The client the worker's activities use; it notes every workflow they start. */
  client: Client;
  taskQueue: string;
  workDir: string;
  mailDir: string;
  ledger: SqliteDeliveryLedger;
  smtp: CaptureServer;
  receiver: PostReceiver;
  delivered: Map<string, TappedDelivery>;
  /** Ids of every workflow the worker's activities started (promises, orders, cases), in start order. */
  startedWorkflows: Map<string, string>;
  stop(): Promise<void>;
}

export interface StackOptions {
  config: BacktestConfigPaths;
  /** A pre-built workflow bundle (tests build one per run); otherwise the worker bundles `workflows/`. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Keep the temporary folder (mail, ledger) after stop, e.g. to read the captured mail. */
  keepWorkDir?: boolean;
}

export async function startBacktestStack(options: StackOptions): Promise<BacktestStack> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'kept-backtest-'));
  const cleanups: (() => Promise<void> | void)[] = [() => (options.keepWorkDir ? undefined : removeDir(workDir))];
  // Once, whoever asks first (an abort while the run is under way, or the run's own end).
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    })());
  try {
    const mailDir = path.join(workDir, 'mail');
    const env = await startTimeSkippingServer();
    cleanups.push(() => env.teardown());
    const smtp = await startCaptureServer({ port: 0, host: '127.0.0.1', directory: mailDir });
    cleanups.push(() => smtp.close());
    const receiver = await startPostReceiver();
    cleanups.push(() => receiver.close());
    const ledger = new SqliteDeliveryLedger(path.join(workDir, 'ledger.sqlite'));
    cleanups.push(() => ledger.close());

    const startedWorkflows = new Map<string, string>();
    const client = new Client({
      connection: env.connection,
      namespace: env.namespace ?? 'default',
      interceptors: { workflow: [noteStarts(startedWorkflows)] },
    });
    const outreach = outreachDependencies(options.config, smtp.port, receiver.url, ledger);
    const tap = tapDeliveries(createOutreachActivities(outreach));
    const taskQueue = `kept-backtest-${randomUUID()}`;
    const worker = await createKeptWorker({
      connection: env.nativeConnection,
      client,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowBundle: options.workflowBundle,
      activityDependencies: { outreach },
      profilesDir: options.config.profilesDir,
      playbooksDir: options.config.playbooksDir,
      extraActivities: tap.activities,
    });
    const running = worker.run();
    cleanups.push(() => stopWorker(worker, running));
    return {
      env,
      client,
      taskQueue,
      workDir,
      mailDir,
      ledger,
      smtp,
      receiver,
      delivered: tap.delivered,
      startedWorkflows,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function outreachDependencies(
  config: BacktestConfigPaths,
  smtpPort: number,
  receiverUrl: string,
  ledger: SqliteDeliveryLedger,
): OutreachDependencies {
  return {
    ledger,
    profiles: withLocalWebhooks(loadServiceProfiles(config.profilesDir), receiverUrl),
    templates: new TemplateLibrary(config.templatesDir),
    mail: createMailTransport({ host: '127.0.0.1', port: smtpPort, secure: false, connectionTimeoutMs: 5_000 }),
    // Throwaway secrets: nothing signed in a backtest is ever checked outside it.
    webhookSecret: randomBytes(24).toString('hex'),
    unsubscribe: { secret: randomBytes(24).toString('hex'), baseUrl: 'https://backtest.kept.invalid' },
    now: activityScheduledClock,
  };
}

/** Every provider and task webhook a profile names goes to the backtest's own receiver instead. */
function withLocalWebhooks(profiles: Map<string, ServiceProfile>, receiverUrl: string): Map<string, ServiceProfile> {
  return new Map(
    [...profiles].map(([brand, profile]) => [
      brand,
      {
        ...profile,
        webhooks: Object.fromEntries(
          Object.keys(profile.webhooks).map((channel) => [channel, `${receiverUrl}/${channel}`]),
        ) as ServiceProfile['webhooks'],
      },
    ]),
  );
}

/** Notes the id and type of every workflow started through the client (the server here cannot list them). */
function noteStarts(started: Map<string, string>): WorkflowClientInterceptor {
  return {
    async startWithDetails(input, next) {
      const output = await next(input);
      started.set(input.options.workflowId, input.workflowType);
      return output;
    },
    async signalWithStart(input, next) {
      const runId = await next(input);
      started.set(input.options.workflowId, input.workflowType);
      return runId;
    },
  };
}

async function stopWorker(worker: Worker, running: Promise<void>): Promise<void> {
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await running.catch(() => undefined);
}

function removeDir(directory: string): void {
  rmSync(directory, { recursive: true, force: true });
}
