import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { KeptClient } from '../client/kept-client';
import type { LifecycleEventInput } from '../common/events';
import { journeyWorkflowId } from '../common/ids';
import { recordEventUpdate } from '../workflows/journey/messages';
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

  it('rejects a malformed event at the client, naming the field', async () => {
    const customerId = `c-bad-${Date.now()}`;
    await expect(
      kept.recordEvent({
        type: 'order.placed',
        eventId: 'e1',
        brand: 'acme',
        customerId,
        occurredAt: new Date().toISOString(),
        orderId: 'o-1',
        items: [{ sku: 'kettle-1', name: 'Kettle', category: 'kitchen', price: -3 }],
      }),
    ).rejects.toThrow(/items\.0\.price/);
  });

  it("rejects malformed events sent past the client in the workflow's validator, and writes nothing", async () => {
    const customerId = `c-raw-${Date.now()}`;
    const envelope = { brand: 'acme', customerId, occurredAt: new Date().toISOString() };
    await kept.recordEvent({ type: 'product.viewed', eventId: 'raw-ok', sku: 'kettle-1', ...envelope });
    const handle = env.client.workflow.getHandle(journeyWorkflowId('acme', customerId));
    const before = await settledHistory(handle);
    const applied = (await kept.getJourney('acme', customerId)).counters.eventsApplied;

    const kettle = { sku: 'kettle-1', name: 'Kettle', category: 'kitchen', price: 49 };
    const malformed: [string, unknown, RegExp][] = [
      [
        'a negative price',
        { type: 'order.placed', eventId: 'raw-1', orderId: 'o-1', items: [{ ...kettle, price: -3 }], ...envelope },
        /items\.0\.price/,
      ],
      ['an unknown type', { type: 'order.teleported', eventId: 'raw-2', ...envelope }, /type: unknown event type/],
      ['no event id', { type: 'product.viewed', sku: 'kettle-1', ...envelope }, /eventId/],
      [
        'an instant that is not one',
        { type: 'product.viewed', eventId: 'raw-3', sku: 'kettle-1', ...envelope, occurredAt: 'yesterday' },
        /occurredAt/,
      ],
      [
        'another customer',
        { type: 'product.viewed', eventId: 'raw-4', sku: 'kettle-1', ...envelope, customerId: 'someone-else' },
        /not this journey/,
      ],
      ['not an object', 'order.placed', /expected object/],
    ];
    for (const [what, raw, field] of malformed) {
      const outcome = await handle.executeUpdate(recordEventUpdate, { args: [raw as LifecycleEventInput] }).then(
        () => ({ what, rejected: false, why: '' }),
        (error: unknown) => ({ what, rejected: true, why: errorChain(error) }),
      );
      expect(outcome).toEqual({ what, rejected: true, why: expect.stringMatching(field) });
      expect({ what, accepted: updatesAccepted(await handle.fetchHistory()) }).toEqual({
        what,
        accepted: updatesAccepted(before),
      });
    }
    // Nothing but workflow-task bookkeeping was added: no command, no event, no update. (The
    // server may keep one empty workflow task of a rejected update; see journey.test.ts.)
    const after = await handle.fetchHistory();
    const added = (after.events ?? []).slice(before.events?.length ?? 0);
    const bookkeeping = (event: (typeof added)[number]) =>
      Boolean(
        event.workflowTaskScheduledEventAttributes ??
        event.workflowTaskStartedEventAttributes ??
        event.workflowTaskCompletedEventAttributes,
      );
    expect(added.filter((event) => !bookkeeping(event))).toEqual([]);
    expect(added.length).toBeLessThanOrEqual(3);
    expect((await kept.getJourney('acme', customerId)).counters.eventsApplied).toBe(applied);
  });
});

/** The error's message and its causes' (an update rejection's reason is in its cause). */
function errorChain(error: unknown): string {
  const messages: string[] = [];
  for (let current = error; current instanceof Error; current = current.cause) messages.push(current.message);
  return messages.join(' <- ');
}

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

/** Update ids the workflow accepted: each one is written to history before its handler runs. */
function updatesAccepted(history: History): string[] {
  return (history.events ?? []).flatMap((event) => {
    const accepted = event.workflowExecutionUpdateAcceptedEventAttributes;
    return accepted ? [accepted.protocolInstanceId ?? '?'] : [];
  });
}

/** The history once the journey has finished its decision round (no event for a second). */
async function settledHistory(handle: WorkflowHandle): Promise<History> {
  let previous = await handle.fetchHistory();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const current = await handle.fetchHistory();
    if (current.events?.length === previous.events?.length) return current;
    previous = current;
  }
}

async function waitForVisibility(env: TestWorkflowEnvironment, query: string): Promise<string[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ids: string[] = [];
    for await (const execution of env.client.workflow.list({ query })) ids.push(execution.workflowId);
    if (ids.length > 0 || Date.now() > deadline) return ids;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
