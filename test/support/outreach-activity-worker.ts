import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { buildOutreachDependencies } from '../../activities/outreach/dependencies';
import { loadKeptEnv } from '../../common/config';

/**
 * A Kept activity worker in its own process, built exactly as the production worker builds
 * its outreach dependencies (from the environment), so a test can SIGKILL it mid-send.
 * Env: KEPT_TEST_DEV_ADDRESS, KEPT_TEST_ACTIVITY_QUEUE, plus Kept's own variables.
 */
async function main(): Promise<void> {
  const address = process.env.KEPT_TEST_DEV_ADDRESS;
  const taskQueue = process.env.KEPT_TEST_ACTIVITY_QUEUE;
  if (!address || !taskQueue) throw new Error('KEPT_TEST_DEV_ADDRESS and KEPT_TEST_ACTIVITY_QUEUE are required');
  const outreach = await buildOutreachDependencies(loadKeptEnv());
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue,
    activities: createActivities({ outreach }),
  });
  const running = worker.run();
  console.log('outreach-activity-worker: ready');
  await running;
  await outreach.ledger.close();
  await connection.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
