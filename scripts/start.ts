import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporalTarget } from '../client/connection';
import { loadKeptEnv, projectPath } from '../common/config';
import { temporalCliPath } from '../common/tools';
import { registerSearchAttributes } from '../workers/search-attributes';

/**
 * `npm start`: Kept's whole dev stack in one command, with embedded defaults.
 *  1. the Temporal dev server, persisted to <data>/temporal.sqlite, Web UI on :8233;
 *  2. Kept's search attributes registered (idempotent);
 *  3. the Kept processes (mail capture unless KEPT_SMTP_HOST is set, the worker, the HTTP API) as children.
 * Ctrl-C / SIGTERM stops every child and waits for it. A worker that dies is restarted with
 * backoff (1 s doubling to 30 s; back to 1 s once it ran a minute), logged, while Temporal and
 * the API stay up: journeys just wait for it. Any other child dying stops the stack.
 * Set TEMPORAL_ADDRESS to use a server you run yourself instead of the embedded one.
 */
const env = loadKeptEnv();
const children: { name: string; process: ChildProcess }[] = [];
let stopping = false;

/** Waits before restarting a worker that died: doubling, capped, reset after a stable run. */
const RESTART_DELAYS_MS = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000];
const STABLE_RUN_MS = 60_000;

function log(message: string): void {
  console.log(`[kept] ${message}`);
}

interface ChildOptions {
  extraEnv?: NodeJS.ProcessEnv;
  /** Restart it when it dies instead of stopping the stack. */
  restart?: boolean;
}

function startChild(name: string, command: string, args: string[], options: ChildOptions = {}, failures = 0): void {
  const child = spawn(command, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...options.extraEnv },
  });
  const entry = { name, process: child };
  children.push(entry);
  const startedAt = Date.now();
  if (options.restart) log(`${name} started (pid ${child.pid})`);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    const how = signal ?? `code ${code}`;
    if (!options.restart) {
      log(`${name} exited unexpectedly (${how}); stopping everything`);
      void stop(1);
      return;
    }
    children.splice(children.indexOf(entry), 1);
    const streak = Date.now() - startedAt >= STABLE_RUN_MS ? 0 : failures;
    const delay = RESTART_DELAYS_MS[Math.min(streak, RESTART_DELAYS_MS.length - 1)]!;
    log(`${name} exited unexpectedly (${how}); restarting in ${delay / 1000} s (restart ${streak + 1} in a row)`);
    setTimeout(() => {
      if (!stopping) startChild(name, command, args, options, streak + 1);
    }, delay);
  });
}

function startTypeScript(name: string, file: string, options: ChildOptions = {}): void {
  startChild(name, process.execPath, ['--import', 'tsx', projectPath(file)], options);
}

async function stop(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  log('stopping...');
  // Stop Kept's processes before the server they talk to.
  for (const { name, process: child } of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timeout = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timeout);
    log(`${name} stopped`);
  }
  process.exit(exitCode);
}

async function waitForServer(address: string): Promise<Connection> {
  const { connectionOptions } = temporalTarget({ ...process.env, TEMPORAL_ADDRESS: address });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await Connection.connect({
        address,
        tls: connectionOptions.tls,
        apiKey: connectionOptions.apiKey,
        metadata: connectionOptions.metadata,
        connectTimeout: 1_000,
      });
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`Temporal server at ${address} did not answer in 60 s`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  const external = process.env.TEMPORAL_ADDRESS;
  const address = external ?? `127.0.0.1:${env.KEPT_TEMPORAL_PORT}`;
  if (!external) {
    const dataDir = projectPath(env.KEPT_DATA_DIR);
    mkdirSync(dataDir, { recursive: true });
    startChild('temporal', temporalCliPath(env), [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(env.KEPT_TEMPORAL_PORT),
      '--ui-port',
      String(env.KEPT_TEMPORAL_UI_PORT),
      '--namespace',
      env.KEPT_NAMESPACE,
      '--db-filename',
      path.join(dataDir, 'temporal.sqlite'),
      '--log-level',
      'warn',
    ]);
  }

  const connection = await waitForServer(address);
  const { namespace } = temporalTarget();
  const added = await registerSearchAttributes(connection, namespace);
  await connection.close();
  log(
    `Temporal at ${address}, namespace ${env.KEPT_NAMESPACE}${added.length ? `; registered ${added.join(', ')}` : ''}`,
  );
  if (!external) log(`Temporal Web UI: http://localhost:${env.KEPT_TEMPORAL_UI_PORT}`);

  // Mail stays on this machine (captured into <data>/mail) unless a relay is configured.
  if (!env.KEPT_SMTP_HOST) startTypeScript('mail', 'mail/capture-server.ts');
  // Embedded: the children find the dev server on 127.0.0.1:KEPT_TEMPORAL_PORT by default, and
  // without a TEMPORAL_ADDRESS they count as development (see common/deployment.ts).
  startTypeScript('worker', 'workers/main.ts', { restart: true });
  startTypeScript('api', 'api/main.ts');
  log(`HTTP API: http://localhost:${env.KEPT_API_PORT} (docs at /docs)`);
  log('running. Press Ctrl-C to stop.');
}

main().catch((error: unknown) => {
  console.error('[kept] failed to start:', error instanceof Error ? error.message : error);
  void stop(1);
});
