import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { KeptClient } from '../client/kept-client';
import { journeyWorkflowId } from '../common/ids';
import { connectDevServer, startKeptWorker, stopWorker } from './helpers/temporal';

describe('customer journey skeleton on the dev server', () => {
  let env: TestWorkflowEnvironment;
  let worker: Awaited<ReturnType<typeof startKeptWorker>>;
  let kept: KeptClient;

  beforeAll(async () => {
    env = await connectDevServer();
    worker = await startKeptWorker(env);
    kept = new KeptClient({ client: env.client, taskQueue: worker.taskQueue });
  });

  afterAll(async () => {
    await stopWorker(worker);
    await env.teardown();
  });

  it('starts a journey with one event, moves its stage and is found by KeptStage', async () => {
    const customerId = `c-${Date.now()}`;
    const result = await kept.recordEvent({
      type: 'order.placed',
      eventId: `${customerId}-e1`,
      brand: 'acme',
      customerId,
      occurredAt: '2026-11-20T10:00:00Z',
      orderId: 'o-1',
      items: [{ sku: 'kettle-1', name: 'Kettle', category: 'kitchen', price: 49 }],
      promisedDeliveryAt: '2026-11-25T18:00:00Z',
    });
    expect(result).toMatchObject({ applied: true, duplicate: false, stage: 'purchase' });

    const state = await kept.getJourney('acme', customerId);
    expect(state.stage).toBe('purchase');
    expect(state.stageHistory.map((change) => change.stage)).toEqual(['research', 'purchase']);

    const query = `KeptKind = 'journey' AND KeptStage = 'purchase' AND KeptCustomerId = '${customerId}' AND KeptBrand = 'acme'`;
    const found = await waitForVisibility(env, query);
    expect(found).toEqual([journeyWorkflowId('acme', customerId)]);
  });

  it('rejects a malformed event naming the field, and writes nothing', async () => {
    const customerId = `c-bad-${Date.now()}`;
    await expect(
      kept.recordEvent({
        type: 'order.placed',
        eventId: 'e1',
        brand: 'acme',
        customerId,
        occurredAt: '2026-11-20T10:00:00Z',
        orderId: 'o-1',
        items: [{ sku: 'kettle-1', name: 'Kettle', category: 'kitchen', price: -3 }],
      }),
    ).rejects.toThrow(/items\.0\.price/);
  });
});

async function waitForVisibility(env: TestWorkflowEnvironment, query: string): Promise<string[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ids: string[] = [];
    for await (const execution of env.client.workflow.list({ query })) ids.push(execution.workflowId);
    if (ids.length > 0 || Date.now() > deadline) return ids;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
