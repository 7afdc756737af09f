import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalTestServerPath } from '../common/tools';
import { registerSearchAttributes } from './search-attributes';

/**
 * Starts the pinned time-skipping test server (`temporal-test-server` from the tools folder,
 * never a download) on a free port, with Kept's search attributes registered: what tests and
 * backtests run journeys on in virtual time. `teardown()` stops the server process.
 */
export async function startTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalTestServerPath() } },
  });
  try {
    await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  } catch (error) {
    await env.teardown();
    throw error;
  }
  return env;
}
