import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually, freePort } from './helpers/api';

/**
 * `npm start` (scripts/start.ts) as a user runs it, on free ports and a fresh data folder:
 * a worker killed from outside comes back (logged, new pid) while Temporal and the HTTP API
 * keep answering; Ctrl-C still stops everything, Temporal included.
 */
jest.setTimeout(180_000);

function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(KEPT_|TEMPORAL_|NODE_ENV$)/.test(name)),
  );
  return { ...base, ...extra };
}

const workerPids = (log: string) =>
  [...log.matchAll(/\[kept\] worker started \(pid (\d+)\)/g)].map((m) => Number(m[1]));

function portIsOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

it('restarts a killed worker with the server and API still up, and stops the whole stack on SIGTERM', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kept-start-'));
  const [temporalPort, uiPort, apiPort, smtpPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const stack = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../scripts/start.ts')], {
    env: cleanEnv({
      KEPT_DATA_DIR: dataDir,
      KEPT_TEMPORAL_PORT: String(temporalPort),
      KEPT_TEMPORAL_UI_PORT: String(uiPort),
      KEPT_API_PORT: String(apiPort),
      KEPT_SMTP_PORT: String(smtpPort),
      KEPT_TASK_QUEUE: `start-test-${temporalPort}`,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  stack.stdout.on('data', (chunk) => (log += chunk));
  stack.stderr.on('data', (chunk) => (log += chunk));
  const exited = new Promise<number | null>((resolve) => stack.once('exit', (code) => resolve(code)));
  const api = `http://127.0.0.1:${apiPort}`;
  try {
    await eventually(async () => {
      expect((await fetch(`${api}/ready`)).status).toBe(200);
      expect(workerPids(log)).toHaveLength(1);
    }, 90_000);
    const [firstPid] = workerPids(log);

    process.kill(firstPid!, 'SIGKILL');
    await eventually(async () => {
      expect(log).toMatch(/\[kept\] worker exited unexpectedly \(SIGKILL\); restarting in 1 s/);
      expect(workerPids(log)).toHaveLength(2);
    }, 30_000);
    const secondPid = workerPids(log)[1];
    expect(secondPid).not.toBe(firstPid);
    expect(() => process.kill(secondPid!, 0)).not.toThrow();
    expect((await fetch(`${api}/ready`)).status).toBe(200);
    expect(stack.exitCode).toBeNull();

    stack.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await portIsOpen(temporalPort)).toBe(false);
    expect(() => process.kill(secondPid!, 0)).toThrow();
  } finally {
    if (stack.exitCode === null) {
      stack.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
});
