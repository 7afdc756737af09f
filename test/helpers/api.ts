import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DeliveryResult, OutreachRequest } from '../../common/outreach/contract';
import { loadServiceProfile } from '../../common/profiles/load-profiles';
import type { ServiceProfile } from '../../common/profiles/schema';

/** Test brands get a profile open around the clock, so promise due times behave the same at any hour. */
export function testProfile(brand: string): ServiceProfile {
  const base = loadServiceProfile(path.resolve(__dirname, '../../config/profiles/nordhem.json'));
  const allDay = [{ start: '00:00', end: '23:59' }];
  return {
    ...base,
    brand,
    businessHours: {
      timezone: 'Europe/London',
      week: { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay },
      holidays: [],
    },
  };
}

/** Outreach answered at once, for workers whose tests are not about delivery. */
export async function deliverOutreach(request: OutreachRequest): Promise<DeliveryResult> {
  return { idempotencyKey: request.idempotencyKey, status: 'sent', channel: 'email', sentAt: new Date().toISOString() };
}

export const UNSUBSCRIBE_SECRET = 'test-unsubscribe-secret-0123456789';

/** A free loopback port (the OS picks it; we release it for the child to take). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ApiProcess {
  baseUrl: string;
  /** The profiles folder the process reads (one profile per test brand). */
  profilesDir: string;
  stop(): Promise<void>;
}

/**
 * Runs the real API process (api/main.ts, as `npm start` does) against the test dev server and
 * a worker's task queue, with API keys from KEPT_API_KEYS and one profile per test brand.
 * (A child process also keeps Fastify's ESM-only dependencies out of jest's module loader.)
 */
export async function startApiProcess(options: {
  taskQueue: string;
  keys: Record<string, string>;
  env?: NodeJS.ProcessEnv;
}): Promise<ApiProcess> {
  const brands = Object.keys(options.keys);
  const profilesDir = mkdtempSync(path.join(tmpdir(), 'kept-api-profiles-'));
  for (const brand of brands)
    writeFileSync(path.join(profilesDir, `${brand}.json`), JSON.stringify(testProfile(brand)));
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../api/main.ts')], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: process.env.KEPT_TEST_DEV_ADDRESS,
      KEPT_TASK_QUEUE: options.taskQueue,
      KEPT_API_PORT: String(port),
      KEPT_API_KEYS: brands.map((brand) => `${brand}:${options.keys[brand]}`).join(','),
      KEPT_PROFILES_DIR: profilesDir,
      KEPT_UNSUBSCRIBE_SECRET: UNSUBSCRIBE_SECRET,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`api exited: ${output}`);
    const response = await fetch(`${baseUrl}/health`);
    if (!response.ok) throw new Error(`health ${response.status}`);
  }, 30_000);
  return {
    baseUrl,
    profilesDir,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(profilesDir, { recursive: true, force: true });
    },
  };
}

/** Retries an assertion while visibility catches up (it lags a change by about a second). */
export async function eventually(check: () => Promise<void>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
