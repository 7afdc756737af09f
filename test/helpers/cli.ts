import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const KEPT_BIN = path.resolve(__dirname, '../../bin/kept.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment that points the real CLI at the test dev server and a worker's task queue. */
export function cliEnv(taskQueue: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TEMPORAL_ADDRESS: process.env.KEPT_TEST_DEV_ADDRESS,
    KEPT_TASK_QUEUE: taskQueue,
    ...extra,
  };
}

/** Runs `kept <args>` (bin/kept.js, as `npx kept` does) to completion. */
export function runKept(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [KEPT_BIN, ...args], { env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `kept <args>` and hands back the child, for tests that interrupt it. */
export function spawnKept(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(process.execPath, [KEPT_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const done = new Promise<CliRun>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code: code ?? (signal === 'SIGKILL' ? 137 : 1), stdout, stderr })),
  );
  return { child, done };
}
