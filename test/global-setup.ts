import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { writeFile } from 'node:fs/promises';
import { keptSearchAttributes } from '../common/search-attributes';
import { temporalCliPath, temporalTestServerPath } from '../common/tools';
import { registerSearchAttributes } from '../workers/search-attributes';

/**
 * Starts the real servers once for the whole run and bundles the workflow code once:
 * - the Temporal CLI's dev server (visibility, search attributes, schedules);
 * - the time-skipping test server (long timers), with Kept's search attributes registered.
 * Addresses and the bundle path reach the test files through the environment.
 */
export default async function globalSetup(): Promise<void> {
  const artifacts = path.resolve(__dirname, '.artifacts');
  mkdirSync(artifacts, { recursive: true });

  const [dev, timeSkipping, bundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: temporalCliPath() },
        ip: '127.0.0.1',
        searchAttributes: [...keptSearchAttributes],
        extraArgs: ['--log-level', 'error'],
      },
    }),
    TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: temporalTestServerPath() } },
    }),
    bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quietLogger }),
  ]);
  await registerSearchAttributes(timeSkipping.connection, 'default');

  const bundlePath = path.join(artifacts, 'workflow-bundle.js');
  await writeFile(bundlePath, bundle.code);

  process.env.KEPT_TEST_DEV_ADDRESS = dev.address;
  process.env.KEPT_TEST_TIME_SKIPPING_ADDRESS = timeSkipping.address;
  process.env.KEPT_TEST_WORKFLOW_BUNDLE = bundlePath;
  (globalThis as { __keptTestServers?: TestWorkflowEnvironment[] }).__keptTestServers = [dev, timeSkipping];
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
