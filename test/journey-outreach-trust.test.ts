import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { KeptClient } from '../client/kept-client';
import { journeyWorkflowId } from '../common/ids';
import { startCaptureServer, type CaptureServer } from '../mail/capture-server';
import { listCapturedMail } from '../mail/mailbox';
import { journeyStateQuery, recordEventUpdate, requestContactUpdate } from '../workflows/journey/messages';
import { outreachDependencies, temporaryDirectory } from './helpers/outreach';
import { connectTimeSkippingServer, startKeptWorker, stopWorker, zoneWhereItIsNow } from './helpers/temporal';

/**
 * Issue 10 ("Trust"), the journey side: the outreach arbiter honoured by everything, and no
 * poison event can loop a workflow. Time-skipping server, real SMTP capture, real SQLite ledger.
 */
describe('journey outreach: trust', () => {
  let env: TestWorkflowEnvironment;
  let worker: Awaited<ReturnType<typeof startKeptWorker>>;
  let smtp: CaptureServer;
  let kept: KeptClient;
  const tmp = temporaryDirectory('kept-journey-trust-');
  const mailDir = path.join(tmp.path, 'mail');
  const ledgerFile = path.join(tmp.path, 'ledger.sqlite');

  beforeAll(async () => {
    env = await connectTimeSkippingServer();
    smtp = await startCaptureServer({ port: 0, host: '127.0.0.1', directory: mailDir });
    const outreach = outreachDependencies({ smtpPort: smtp.port, ledgerFile });
    worker = await startKeptWorker(env, { activityDependencies: { outreach } });
    kept = new KeptClient({ client: env.client, taskQueue: worker.taskQueue });
  });

  afterAll(async () => {
    await stopWorker(worker);
    await smtp.close();
    await env.teardown();
    tmp.remove();
  });

  const serverNow = async () => new Date(await env.currentTimeMs()).toISOString();
  const mailTo = (address: string) => listCapturedMail(mailDir).filter((mail) => mail.to.includes(address));

  async function customer(customerId: string) {
    await kept.recordEvent({
      type: 'profile.updated',
      eventId: `${customerId}-profile`,
      brand: 'nordhem',
      customerId,
      occurredAt: await serverNow(),
      name: 'Ada Lovelace',
      email: `${customerId}@example.com`,
      timezone: await zoneWhereItIsNow(env, 12),
    });
    return env.client.workflow.getHandle(journeyWorkflowId('nordhem', customerId));
  }

  type Handle = Awaited<ReturnType<typeof customer>>;

  /** Skips time until no contact is due any more, then returns the journey state. */
  async function settle(handle: Handle) {
    for (let i = 0; i < 50; i++) {
      await env.sleep(1_000);
      const state = await handle.query(journeyStateQuery);
      const now = Date.parse(await serverNow());
      if (state.outreach.pending.every((contact) => Date.parse(contact.dueAt) > now)) return state;
    }
    return handle.query(journeyStateQuery);
  }

  describe('a poison event (instants in year 9999)', () => {
    it('is applied without hanging the journey, and another customer on the same worker is still served', async () => {
      const poisoned = await customer('c-poison');
      // Straight to the journey's update: no client or HTTP boundary check in the way.
      const result = await poisoned.executeUpdate(recordEventUpdate, {
        args: [
          {
            type: 'issue.reported',
            eventId: 'c-poison-issue',
            brand: 'nordhem',
            customerId: 'c-poison',
            occurredAt: '9999-12-30T00:00:00Z',
            caseId: 'k-9999',
            category: 'damage',
            summary: 'a case from the far future',
          },
        ],
      });
      expect(result).toMatchObject({ applied: true, stage: 'repair' });
      // A second workflow task on the same journey completes too.
      expect((await poisoned.query(journeyStateQuery)).cases['k-9999']).toMatchObject({ status: 'open' });

      const healthy = await customer('c-healthy');
      await healthy.executeUpdate(requestContactUpdate, {
        args: [
          {
            key: 'order/o-1/confirmation',
            template: 'order.confirmation',
            category: 'transactional',
            reason: 'you placed an order',
            data: { orderId: 'o-1' },
          },
        ],
      });
      const state = await settle(healthy);
      expect(state.outreach.decisions.at(-1)).toMatchObject({ key: 'order/o-1/confirmation', outcome: 'sent' });
      expect(mailTo('c-healthy@example.com')).toHaveLength(1);
    }, 120_000);
  });
});
