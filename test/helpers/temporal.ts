import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { z } from 'zod';
import { PromiseClient } from '../../client/promises';
import type { ServiceProfile } from '../../common/profiles/schema';
import { startTimeSkippingServer } from '../../workers/time-skipping-server';
import { createKeptWorker, type KeptWorkerOptions } from '../../workers/worker';
import { shippedProfiles } from './outreach';

/**
 * Test access to the servers that test/global-setup.ts started once for the run.
 * Each test file connects, runs a worker on its own task queue, and closes both.
 */
function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run tests with npm test (jest globalSetup starts the servers)`);
  return value;
}

/** The dev server: visibility, search attributes, schedules. */
export function connectDevServer(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createFromExistingServer({ address: required('KEPT_TEST_DEV_ADDRESS') });
}

/**
 * A time-skipping server of the test file's own. Its clock is global to the server, and it
 * stops skipping while any workflow has a task waiting for a worker — so workflows an earlier
 * test file left behind (promises with timers months ahead) would freeze a later file's
 * clock. One server per file (about a second to start) keeps test files independent.
 */
export async function connectTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  const env = await startTimeSkippingServer();
  try {
    await startClockAt(env, testClock());
  } catch (error) {
    await env.teardown();
    throw error;
  }
  return env;
}

/**
 * `KEPT_TEST_CLOCK=2027-01-18T09:30:00Z`: the instant time-skipping tests start at, instead
 * of today. A test that passes only on some dates (a day whose digits occur in the year, a
 * weekday, a month end) is found by running it on others, with any `TZ`.
 */
export const testClockSchema = z.iso
  .datetime({
    offset: true,
    message: 'KEPT_TEST_CLOCK: expected an ISO instant with a zone, e.g. 2027-01-18T09:30:00Z',
  })
  .transform((value) => Date.parse(value));

export function testClock(value = process.env.KEPT_TEST_CLOCK): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const parsed = testClockSchema.safeParse(value.trim());
  if (!parsed.success) throw new Error(parsed.error.issues.map((issue) => issue.message).join('; '));
  return parsed.data;
}

/** Skips a fresh time-skipping server's clock forward to `at`; its clock never goes back. */
export async function startClockAt(env: TestWorkflowEnvironment, at: number | undefined): Promise<void> {
  if (at === undefined) return;
  const now = await env.currentTimeMs();
  if (at < now) {
    throw new Error(
      `KEPT_TEST_CLOCK=${new Date(at).toISOString()} is before the time-skipping server's clock ` +
        `(${new Date(now).toISOString()}): its clock only moves forward, so give an instant after now`,
    );
  }
  await env.sleep(at - now);
}

export function uniqueTaskQueue(prefix = 'kept-test'): string {
  return `${prefix}-${randomUUID()}`;
}

export async function startKeptWorker(
  env: TestWorkflowEnvironment,
  options: Partial<Omit<KeptWorkerOptions, 'connection' | 'namespace' | 'client'>> = {},
): Promise<{ worker: Worker; taskQueue: string; running: Promise<void> }> {
  const taskQueue = options.taskQueue ?? uniqueTaskQueue();
  // No client of the test's own: activities use the worker's connection, as in production
  // (workers/main.ts), so the eager start of promise and order workflows is what tests run.
  const worker = await createKeptWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: { codePath: required('KEPT_TEST_WORKFLOW_BUNDLE') },
    ...options,
  });
  const running = worker.run();
  return { worker, taskQueue, running };
}

/** Shuts the worker down and waits for it, so no handle stays open at exit. */
export async function stopWorker(handle: { worker: Worker; running: Promise<void> }): Promise<void> {
  if (handle.worker.getState() === 'RUNNING') handle.worker.shutdown();
  await handle.running;
}

/** An IANA zone in which it is now about `hour` o'clock on the server's clock (Etc/GMT-N is UTC+N). */
export async function zoneWhereItIsNow(env: TestWorkflowEnvironment, hour: number): Promise<string> {
  return zoneWhereItIsAt(await env.currentTimeMs(), hour);
}

/** An IANA zone in which it is about `hour` o'clock at the instant `ms` (Etc/GMT-N is UTC+N). */
export function zoneWhereItIsAt(ms: number, hour: number): string {
  const utcHour = new Date(ms).getUTCHours();
  let offset = (hour - utcHour + 24) % 24;
  if (offset > 12) offset -= 24;
  return offset === 0 ? 'Etc/UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

/**
 * On the time-skipping server: lets workflows and what they start run, one server second a
 * step (a minute at most), until `done` says so; fails naming `what` never came.
 */
export async function settleOn(
  env: TestWorkflowEnvironment,
  what: string,
  done: () => Promise<boolean>,
): Promise<void> {
  for (let i = 0; i < 60; i++) {
    if (await done()) return;
    await env.sleep(1_000);
  }
  throw new Error(`never settled: ${what}`);
}

/**
 * A PromiseClient on a test server, reading the server's clock (a time-skipping server's time is
 * not the wall clock). The time-skipping server has no visibility list, so no other promise is
 * open as far as the capacity check knows.
 */
export function promiseClientOn(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  profiles: Map<string, ServiceProfile> = shippedProfiles(),
): PromiseClient {
  return new PromiseClient({
    client: env.client,
    taskQueue,
    profiles,
    openPromises: async () => [],
    now: () => env.currentTimeMs(),
  });
}
