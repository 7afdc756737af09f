import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eagerStartOptions } from '../client/eager-start';
import { journeyWorkflowId } from '../common/ids';
import { connectDevServer, startKeptWorker, stopWorker } from './helpers/temporal';

/**
 * Workflows that Kept's activities start (a delivery promise, an order journey) run their
 * first task on the worker that started them, without a trip through the server's matching
 * service: the activities' client shares the worker's connection (createKeptWorker's default).
 * Nothing a customer sees changes; the bench shows what it saves. What must not happen: the
 * option silently stops applying (an SDK upgrade, a client on another connection), or a client
 * that cannot start eagerly (the API's) is given the option, which the SDK refuses.
 */
describe('eager start of the workflows Kept starts from its worker', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await connectDevServer();
  });

  afterAll(async () => {
    await env.teardown();
  });

  it("is asked for on the worker's own connection, and not on another", () => {
    const onWorkerConnection = new Client({ connection: env.nativeConnection, namespace: 'default' });
    expect(eagerStartOptions(onWorkerConnection)).toEqual({ requestEagerStart: true });
    expect(eagerStartOptions(env.client)).toEqual({});
  });

  it("hands the new workflow's first task to the worker on that connection", async () => {
    const worker = await startKeptWorker(env);
    const client = new Client({ connection: env.nativeConnection, namespace: 'default' });
    const customerId = `eager-${Date.now()}`;
    try {
      const handle = await client.workflow.start('customerJourney', {
        workflowId: journeyWorkflowId('nordhem', customerId),
        taskQueue: worker.taskQueue,
        args: [{ brand: 'nordhem', customerId }],
        ...eagerStartOptions(client),
      });
      expect(handle.eagerlyStarted).toBe(true);
      await handle.terminate('test over');
    } finally {
      await stopWorker(worker);
    }
  });
});
