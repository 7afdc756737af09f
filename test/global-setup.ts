import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { writeFile } from 'node:fs/promises';
import { keptSearchAttributes } from '../common/search-attributes';
import { temporalCliPath } from '../common/tools';
import { keptWorkflowBundleOptions } from '../workers/workflow-bundle';

/**
 * Starts the Temporal CLI's dev server (visibility, search attributes, schedules) once for
 * the whole run and bundles the workflow code once; the address and the bundle path reach
 * the test files through the environment. Time-skipping tests start a time-skipping server
 * of their own (see helpers/temporal.ts for why).
 */
export default async function globalSetup(): Promise<void> {
  const artifacts = path.resolve(__dirname, '.artifacts');
  mkdirSync(artifacts, { recursive: true });

  const [dev, bundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: temporalCliPath() },
        ip: '127.0.0.1',
        searchAttributes: [...keptSearchAttributes],
        extraArgs: ['--log-level', 'error'],
      },
    }),
    bundleWorkflowCode(keptWorkflowBundleOptions({ logger: quietLogger })),
  ]);

  const bundlePath = path.join(artifacts, 'workflow-bundle.js');
  await writeFile(bundlePath, bundle.code);

  process.env.KEPT_TEST_DEV_ADDRESS = dev.address;
  process.env.KEPT_TEST_WORKFLOW_BUNDLE = bundlePath;
  (globalThis as { __keptTestServers?: TestWorkflowEnvironment[] }).__keptTestServers = [dev];
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
