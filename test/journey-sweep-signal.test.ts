import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { KeptClient } from '../client/kept-client';
import { journeyWorkflowId } from '../common/ids';
import type { ProactiveContactRequest } from '../common/sweep/schema';
import { journeyStateQuery } from '../workflows/journey/messages';
import { proactiveContactSignal } from '../workflows/sweep/messages';
import { eventually } from './helpers/api';
import { connectDevServer, startKeptWorker, stopWorker } from './helpers/temporal';

/**
 * A sweep's signal cannot be rejected like an update: on the dev server, a journey handed a
 * malformed request (no template, no playbook; a category that does not exist) drops it and
 * goes on, and the well-formed request after it becomes a contact as before.
 */
describe("a journey handed a sweep's request", () => {
  let env: TestWorkflowEnvironment;
  let worker: Awaited<ReturnType<typeof startKeptWorker>>;

  beforeAll(async () => {
    env = await connectDevServer();
    worker = await startKeptWorker(env);
  });

  afterAll(async () => {
    await stopWorker(worker);
    await env.teardown();
  });

  it('drops a malformed one, logged, and plans the well-formed one after it', async () => {
    const brand = 'plainbrand';
    const customerId = `c-sweep-${Date.now().toString(36)}`;
    const kept = new KeptClient({ client: env.client, taskQueue: worker.taskQueue });
    await kept.recordEvent({
      type: 'profile.updated',
      eventId: `${customerId}-profile`,
      brand,
      customerId,
      occurredAt: new Date().toISOString(),
      name: 'Ada',
      email: `${customerId}@example.com`,
    });
    const journey = env.client.workflow.getHandle(journeyWorkflowId(brand, customerId));
    const malformed = [
      { sweepId: 'sweep-1', key: 'no-template', category: 'proactive', reason: 'checking in' },
      { sweepId: 'sweep-1', key: 'bad-category', template: 'setup.checkin', category: 'junk', reason: 'checking in' },
    ];
    for (const request of malformed) await journey.signal(proactiveContactSignal, request as ProactiveContactRequest);
    const wellFormed: ProactiveContactRequest = {
      sweepId: 'sweep-1',
      key: 'well-formed',
      template: 'setup.checkin',
      category: 'proactive',
      reason: 'checking in',
    };
    await journey.signal(proactiveContactSignal, wellFormed);

    const contactKeys = async () => {
      const { outreach } = await journey.query(journeyStateQuery);
      return [...outreach.pending.map((contact) => contact.key), ...outreach.decisions.map((decision) => decision.key)];
    };
    await eventually(async () => expect(await contactKeys()).toContain('well-formed'), 30_000);
    expect(await contactKeys()).toEqual(['well-formed']);
    expect((await journey.describe()).status.name).toBe('RUNNING');
  });
});
