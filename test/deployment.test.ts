import { spawn } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import path from 'node:path';

/**
 * Safe to deploy: in a deployment (TEMPORAL_ADDRESS set, or NODE_ENV=production) the real
 * worker and API processes refuse the committed development secrets and keys, name the
 * variable to set, and exit before they connect. The "Temporal server" here is a TCP trap
 * that only counts connections.
 */
let trap: Server;
let trapAddress: string;
let connections = 0;

beforeAll(async () => {
  trap = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  trapAddress = `127.0.0.1:${(trap.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => trap.close(resolve));
});

/** The test's environment without any Kept, Temporal or NODE_ENV setting of its own. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(KEPT_|TEMPORAL_|NODE_ENV$)/.test(name)),
  );
  return { ...base, ...extra };
}

interface Run {
  code: number | null;
  stderr: string;
}

/** Runs a Kept process until it exits, or until `until` holds (then stops it). */
function runProcess(file: string, env: NodeJS.ProcessEnv, until?: () => boolean): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '..', file)], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const poll = until && setInterval(() => until() && child.kill('SIGKILL'), 100);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      if (poll) clearInterval(poll);
      resolve({ code, stderr });
    }),
  );
}

it('the worker refuses development secrets when TEMPORAL_ADDRESS is set, naming each variable, before connecting', async () => {
  const before = connections;
  const run = await runProcess('workers/main.ts', cleanEnv({ TEMPORAL_ADDRESS: trapAddress }));
  expect(run.code).toBe(1);
  expect(run.stderr).toContain('refusing to start');
  expect(run.stderr).toMatch(/^ {2}KEPT_UNSUBSCRIBE_SECRET: /m);
  expect(run.stderr).toMatch(/^ {2}KEPT_WEBHOOK_SECRET: /m);
  expect(run.stderr).toMatch(/^ {2}KEPT_PUBLIC_URL: /m);
  expect(connections).toBe(before);
});

it('the API refuses the committed development keys under NODE_ENV=production, before connecting', async () => {
  const before = connections;
  const port = trapAddress.split(':')[1]!;
  const run = await runProcess(
    'api/main.ts',
    cleanEnv({
      NODE_ENV: 'production',
      KEPT_TEMPORAL_PORT: port,
      KEPT_UNSUBSCRIBE_SECRET: 'a-real-secret-0123456789abcdef',
    }),
  );
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/^ {2}KEPT_API_KEYS \(or KEPT_API_KEYS_FILE\): .*nordhem/m);
  expect(run.stderr).not.toContain('KEPT_UNSUBSCRIBE_SECRET');
  expect(connections).toBe(before);
});

it('with real secrets and keys the API goes on to connect to Temporal', async () => {
  const before = connections;
  const run = await runProcess(
    'api/main.ts',
    cleanEnv({
      TEMPORAL_ADDRESS: trapAddress,
      KEPT_UNSUBSCRIBE_SECRET: 'a-real-secret-0123456789abcdef',
      KEPT_API_KEYS: 'nordhem:a-real-key-0123456789abcdef',
    }),
    () => connections > before,
  );
  expect(connections).toBeGreaterThan(before);
  expect(run.stderr).not.toContain('refusing to start');
});
