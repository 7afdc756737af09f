import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createKeptWorker, type KeptWorkerOptions } from '../../workers/worker';

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
 * The time-skipping server. The SDK attaches to an existing server only without time
 * skipping; its internal factory is the one that turns it on for a server we started
 * ourselves in globalSetup (so one server serves the whole run).
 */
export function connectTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  const factory = TestWorkflowEnvironment as unknown as {
    create(options: object): Promise<TestWorkflowEnvironment>;
  };
  return factory.create({
    server: { type: 'existing' },
    address: required('KEPT_TEST_TIME_SKIPPING_ADDRESS'),
    namespace: 'default',
    supportsTimeSkipping: true,
  });
}

export function uniqueTaskQueue(prefix = 'kept-test'): string {
  return `${prefix}-${randomUUID()}`;
}

export async function startKeptWorker(
  env: TestWorkflowEnvironment,
  options: Partial<Omit<KeptWorkerOptions, 'connection' | 'namespace' | 'client'>> = {},
): Promise<{ worker: Worker; taskQueue: string; running: Promise<void> }> {
  const taskQueue = options.taskQueue ?? uniqueTaskQueue();
  const worker = await createKeptWorker({
    connection: env.nativeConnection,
    client: env.client,
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
