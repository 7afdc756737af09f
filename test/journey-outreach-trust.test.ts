import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { KeptClient } from '../client/kept-client';
import { caseWorkflowId, journeyWorkflowId } from '../common/ids';
import { PromiseClient } from '../client/promises';
import { listCapturedMail } from '../mail/mailbox';
import {
  cancelOutreachUpdate,
  journeyStateQuery,
  pauseOutreachUpdate,
  recordEventUpdate,
  requestContactUpdate,
  resumeOutreachUpdate,
} from '../workflows/journey/messages';
import Database from 'better-sqlite3';
import { SqliteDeliveryLedger } from '../activities/outreach/ledger';
import { outreachDependencies, shippedProfiles, temporaryDirectory, waitFor } from './helpers/outreach';
import { startOutreachStack, type OutreachStack } from './helpers/outreach-stack';
import { startKeptWorker, stopWorker, zoneWhereItIsNow } from './helpers/temporal';

/**
 * Issue 10 ("Trust"), the journey side: the outreach arbiter honoured by everything, and no
 * poison event can loop a workflow. Time-skipping server, real SMTP capture, real SQLite ledger.
 */
describe('journey outreach: trust', () => {
  let stack: OutreachStack;
  let env: TestWorkflowEnvironment;
  let worker: OutreachStack['worker'];
  let smtp: OutreachStack['smtp'];
  let ledgerFile: string;
  let kept: KeptClient;
  // The stack's folder, where a test also writes playbooks of its own.
  const tmp = temporaryDirectory('kept-journey-trust-');
  /** While set, the SMTP server holds its "250 accepted" until the test opens the gate. */
  let smtpGate: { entered: boolean; open: Promise<void> } | undefined;

  beforeAll(async () => {
    const holdWhileGated = async () => {
      if (!smtpGate) return;
      smtpGate.entered = true;
      await smtpGate.open;
    };
    stack = await startOutreachStack(tmp, { afterStore: holdWhileGated });
    ({ env, worker, smtp, ledgerFile } = stack);
    kept = new KeptClient({ client: env.client, taskQueue: worker.taskQueue });
  });

  afterAll(async () => (stack ? stack.stop() : tmp.remove()));

  const serverNow = async () => new Date(await env.currentTimeMs()).toISOString();
  const mailTo = (address: string) => listCapturedMail(stack.mailDir).filter((mail) => mail.to.includes(address));

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
    it('is refused by the journey itself, writes nothing, and another customer on the same worker is still served', async () => {
      const poisoned = await customer('c-poison');
      const acceptedUpdates = async () =>
        ((await poisoned.fetchHistory()).events ?? []).filter(
          (event) => event.workflowExecutionUpdateAcceptedEventAttributes,
        ).length;
      const acceptedBefore = await acceptedUpdates();
      // Straight to the journey's update: no client or HTTP boundary check in the way. The
      // engine also copes with such instants (playbook-engine.test.ts), for state carried
      // from runs recorded before the bounds; new ones never get in.
      await expect(
        poisoned.executeUpdate(recordEventUpdate, {
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
        }),
      ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/occurredAt/) } });
      expect(await acceptedUpdates()).toBe(acceptedBefore);
      expect((await poisoned.query(journeyStateQuery)).cases['k-9999']).toBeUndefined();

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

  describe('an operator acting while a decision round is sending', () => {
    const confirmation = (key: string) => ({
      key,
      template: 'order.confirmation',
      category: 'transactional' as const,
      reason: 'you placed an order',
      data: { orderId: key },
    });

    /** Three contacts due at once; the round blocks on the first one's SMTP answer. */
    async function roundBlockedOnFirstSend(customerId: string) {
      const handle = await customer(customerId);
      await handle.executeUpdate(pauseOutreachUpdate, { args: [{ reason: 'gather the contacts' }] });
      for (const key of ['o-1', 'o-2', 'o-3'])
        await handle.executeUpdate(requestContactUpdate, { args: [confirmation(key)] });
      let release = () => {};
      smtpGate = { entered: false, open: new Promise<void>((resolve) => (release = resolve)) };
      await handle.executeUpdate(resumeOutreachUpdate, { args: [{}] });
      await waitFor(() => smtpGate?.entered === true, 20_000, 'the first message to reach the SMTP server');
      return {
        handle,
        release: () => {
          smtpGate = undefined;
          release();
        },
      };
    }

    it('cancelOutreach: the contacts cancelled mid-round are not sent, the one on its way is recorded as sent', async () => {
      const { handle, release } = await roundBlockedOnFirstSend('c-cancel-mid');
      const answer = await handle.executeUpdate(cancelOutreachUpdate, { args: [{ reason: 'customer called' }] });
      release();
      expect(answer).toEqual({ cancelled: 2, sending: 'o-1' });
      const state = await settle(handle);
      expect(state.outreach.decisions.map((decision) => [decision.key, decision.outcome])).toEqual([
        ['o-2', 'cancelled'],
        ['o-3', 'cancelled'],
        ['o-1', 'sent'],
      ]);
      expect(state.outreach.pending).toEqual([]);
      expect(mailTo('c-cancel-mid@example.com')).toHaveLength(1);
    });

    it('pauseOutreach: the rest of the round waits for the resume', async () => {
      const { handle, release } = await roundBlockedOnFirstSend('c-pause-mid');
      await handle.executeUpdate(pauseOutreachUpdate, { args: [{ reason: 'customer on holiday' }] });
      release();
      const paused = await settle(handle);
      expect(paused.outreach.decisions.map((decision) => [decision.key, decision.outcome])).toEqual([['o-1', 'sent']]);
      expect(paused.outreach.pending.map((contact) => contact.key)).toEqual(['o-2', 'o-3']);
      expect(mailTo('c-pause-mid@example.com')).toHaveLength(1);

      await handle.executeUpdate(resumeOutreachUpdate, { args: [{}] });
      await settle(handle);
      expect(mailTo('c-pause-mid@example.com')).toHaveLength(3);
    });
  });

  describe('consent and profile answers', () => {
    it('keep the newest by occurredAt: an imported old opt-in does not override a newer opt-out', async () => {
      const handle = await customer('c-consent');
      const now = await serverNow();
      const monthAgo = new Date(Date.parse(now) - 30 * 24 * 3_600_000).toISOString();
      const envelope = { brand: 'nordhem', customerId: 'c-consent' };
      await kept.recordEvent({
        ...envelope,
        type: 'consent.changed',
        eventId: 'c-consent-opt-out',
        occurredAt: now,
        category: 'proactive',
        granted: false,
      });
      await kept.recordEvents(
        [
          {
            ...envelope,
            type: 'consent.changed',
            eventId: 'c-consent-old-opt-in',
            occurredAt: monthAgo,
            category: 'proactive',
            channel: 'email',
            granted: true,
          },
          {
            ...envelope,
            type: 'profile.updated',
            eventId: 'c-consent-old-profile',
            occurredAt: monthAgo,
            email: 'old-address@example.com',
          },
        ],
        { outreach: 'none' },
      );
      const state = await handle.query(journeyStateQuery);
      expect(state.profile.consent.proactive).toEqual({ '*': false });
      expect(state.profile.email).toBe('c-consent@example.com');

      await handle.executeUpdate(requestContactUpdate, {
        args: [{ key: 'checkin', template: 'checkin.quarterly', category: 'proactive', reason: 'a check-in' }],
      });
      const decided = await settle(handle);
      expect(decided.outreach.decisions.at(-1)).toMatchObject({ key: 'checkin', outcome: 'suppressed' });
      expect(decided.outreach.decisions.at(-1)!.why).toMatch(/consent/);
      expect(listCapturedMail(stack.mailDir).filter((mail) => mail.to.includes('old-address@example.com'))).toEqual([]);
    });
  });

  describe('an imported history', () => {
    const lamp = { sku: 'lamp-aurore', name: 'Aurore lamp', category: 'lighting', price: 90 };

    it('keeps Kept quiet about the imported events only: a future-dated row does not silence a live order', async () => {
      const handle = await customer('c-import');
      const now = Date.parse(await serverNow());
      const at = (hours: number) => new Date(now + hours * 3_600_000).toISOString();
      const envelope = { brand: 'nordhem', customerId: 'c-import' };
      await kept.recordEvents(
        [
          // Recent enough for a playbook's grace: only the import mark keeps it quiet.
          {
            ...envelope,
            type: 'order.placed',
            eventId: 'c-import-old-order',
            occurredAt: at(-2),
            orderId: 'o-old',
            items: [lamp],
          },
          // One bad row, a year ahead.
          {
            ...envelope,
            type: 'product.viewed',
            eventId: 'c-import-future-view',
            occurredAt: at(24 * 365),
            sku: 'lamp-aurore',
          },
        ],
        { outreach: 'none' },
      );
      await kept.recordEvent({
        ...envelope,
        type: 'order.placed',
        eventId: 'c-import-live-order',
        occurredAt: at(0),
        orderId: 'o-live',
        items: [lamp],
      });
      const state = await settle(handle);
      const confirmations = state.outreach.decisions.filter((decision) => decision.template === 'order.confirmation');
      expect(confirmations.map((decision) => [decision.key.split('/')[1], decision.outcome])).toEqual([
        ['o-live', 'sent'],
      ]);
      expect(mailTo('c-import@example.com').map((mail) => mail.subject)).toEqual([expect.stringContaining('o-live')]);
    });
  });

  describe('every message is sent with all its data', () => {
    it('usage.help names the product the customer uses less (planned from usage.dropped, sent later)', async () => {
      const handle = await customer('c-usage');
      const envelope = { brand: 'nordhem', customerId: 'c-usage' };
      const lamp = { sku: 'lamp-aurore', name: 'Aurore lamp', category: 'lighting', price: 90 };
      await kept.recordEvent({
        ...envelope,
        type: 'order.placed',
        eventId: 'u-1',
        occurredAt: await serverNow(),
        orderId: 'o-u',
        items: [lamp],
      });
      await kept.recordEvent({
        ...envelope,
        type: 'shipment.dispatched',
        eventId: 'u-2',
        occurredAt: await serverNow(),
        orderId: 'o-u',
      });
      await kept.recordEvent({
        ...envelope,
        type: 'shipment.delivered',
        eventId: 'u-3',
        occurredAt: await serverNow(),
        orderId: 'o-u',
      });
      await kept.recordEvent({
        ...envelope,
        type: 'usage.dropped',
        eventId: 'u-4',
        occurredAt: await serverNow(),
        sku: 'lamp-aurore',
        previousLevel: 10,
        level: 2,
      });
      const state = await settle(handle);
      expect(state.outreach.decisions.find((decision) => decision.template === 'usage.help')).toMatchObject({
        outcome: 'sent',
      });
      const help = mailTo('c-usage@example.com').filter((mail) => mail.subject.startsWith('Need a hand'));
      expect(help.map((mail) => mail.subject)).toEqual(['Need a hand with your Aurore lamp?']);
    });

    it('a template value missing from the data fails the contact at once, recorded as a decision, nothing sent', async () => {
      const handle = await customer('c-hole');
      await handle.executeUpdate(requestContactUpdate, {
        args: [
          // warranty.expiring needs the product and the warranty's end: neither is given.
          {
            key: 'warranty/x',
            template: 'warranty.expiring',
            category: 'proactive',
            reason: 'your warranty',
            data: {},
          },
        ],
      });
      const state = await settle(handle);
      const decision = state.outreach.decisions.at(-1)!;
      expect(decision).toMatchObject({ key: 'warranty/x', outcome: 'failed' });
      expect(decision.why).toMatch(/warranty\.expiring\.subject: a value is missing/);
      expect(mailTo('c-hole@example.com')).toEqual([]);
    });
  });

  describe('playbook actions beyond messages', () => {
    const sofa = { sku: 'sofa', name: 'Velvet sofa', category: 'furniture', price: 2400 };
    async function failedDelivery(client: KeptClient, brand: string, customerId: string) {
      const envelope = { brand, customerId };
      await client.recordEvent({
        ...envelope,
        type: 'profile.updated',
        eventId: `${customerId}-p`,
        occurredAt: await serverNow(),
        name: 'Ada Lovelace',
        email: `${customerId}@example.com`,
        timezone: await zoneWhereItIsNow(env, 12),
      });
      await client.recordEvent({
        ...envelope,
        type: 'order.placed',
        eventId: `${customerId}-1`,
        occurredAt: await serverNow(),
        orderId: 'o-f',
        items: [sofa],
      });
      await client.recordEvent({
        ...envelope,
        type: 'shipment.dispatched',
        eventId: `${customerId}-2`,
        occurredAt: await serverNow(),
        orderId: 'o-f',
      });
      await client.recordEvent({
        ...envelope,
        type: 'delivery.failed',
        eventId: `${customerId}-3`,
        occurredAt: await serverNow(),
        orderId: 'o-f',
        reason: 'nobody home',
      });
      return env.client.workflow.getHandle(journeyWorkflowId(brand, customerId));
    }

    it("make-promise: Maison Laurent's redelivery promise is made, as a promise workflow of its own", async () => {
      const handle = await failedDelivery(kept, 'maison-laurent', 'c-redeliver');
      const state = await settle(handle);
      const decision = state.outreach.decisions.find((candidate) => candidate.key.endsWith('/make-promise-1'));
      expect(decision).toMatchObject({ outcome: 'sent' });
      const promiseId = /^promise (\S+) made/.exec(decision!.why!)![1]!;
      const promises = new PromiseClient({
        client: env.client,
        taskQueue: worker.taskQueue,
        profiles: shippedProfiles(),
      });
      expect(await promises.getPromise('maison-laurent', promiseId)).toMatchObject({
        customerId: 'c-redeliver',
        kind: 'delivery',
        text: 'Arrange a new delivery at a time that suits the customer',
        orderId: 'o-f',
        // Live: made and not ended. Whether it is already at risk depends on the weekday the
        // test clock starts on (settling may skip a weekend of business time).
        status: expect.stringMatching(/^(open|at-risk)$/),
      });
    });

    it('open-case: a playbook opens a service case on the journey, routed to its own case workflow', async () => {
      // A brand playbook that opens a case when a delivery fails.
      const playbooksDir = path.join(tmp.path, 'playbooks');
      mkdirSync(playbooksDir, { recursive: true });
      copyFileSync(
        path.resolve(__dirname, '../config/playbooks/default.json'),
        path.join(playbooksDir, 'default.json'),
      );
      writeFileSync(
        path.join(playbooksDir, 'nordhem.json'),
        JSON.stringify({
          playbooks: [
            {
              id: 'delivery.failed-case',
              version: 1,
              stage: 'receive',
              description: 'A failed delivery becomes a case the team owns.',
              reason: 'Your order {orderId} could not be delivered.',
              proactive: true,
              trigger: { on: 'delivery.failed' },
              actions: [
                {
                  kind: 'open-case',
                  caseCategory: 'delivery',
                  severity: 'high',
                  summary: 'Delivery failed: arrange a new one',
                },
              ],
            },
          ],
        }),
      );
      const caseWorker = await startKeptWorker(env, {
        playbooksDir,
        activityDependencies: { outreach: outreachDependencies({ smtpPort: smtp.port, ledgerFile }) },
      });
      try {
        const client = new KeptClient({ client: env.client, taskQueue: caseWorker.taskQueue });
        const handle = await failedDelivery(client, 'nordhem', 'c-open-case');
        const state = await settle(handle);
        const opened = Object.values(state.cases);
        expect(opened).toEqual([
          expect.objectContaining({ status: 'open', severity: 'high', category: 'delivery', orderId: 'o-f' }),
        ]);
        expect(state.counters.casesOpened).toBe(1);
        expect(state.stage).toBe('repair');
        const caseHandle = env.client.workflow.getHandle(caseWorkflowId('nordhem', opened[0]!.caseId));
        expect((await caseHandle.describe()).status.name).toBe('RUNNING');
      } finally {
        await stopWorker(caseWorker);
      }
    });
  });

  // Last in this file: it takes the ledger's decisions table away for a while.
  describe('a delivery ledger outage', () => {
    const decisionRows = (key: string) => {
      const db = new Database(ledgerFile, { readonly: true });
      try {
        return db.prepare('SELECT decision FROM outreach_decisions WHERE idempotency_key = ?').all(key);
      } finally {
        db.close();
      }
    };

    it('does not halt the journey: later contacts go out, and the ledger catches up when it is back', async () => {
      const handle = await customer('c-ledger');
      // The ledger cannot take decisions: its table is gone.
      const db = new Database(ledgerFile);
      db.exec('DROP TABLE outreach_decisions');
      db.close();
      // Educational without an opt-in: suppressed, and that decision cannot be written.
      await handle.executeUpdate(requestContactUpdate, {
        args: [
          {
            key: 'tips',
            template: 'usage.tips',
            category: 'educational',
            reason: 'tips',
            data: { productName: 'lamp' },
          },
        ],
      });
      await handle.executeUpdate(requestContactUpdate, {
        args: [
          {
            key: 'o-7',
            template: 'order.confirmation',
            category: 'transactional',
            reason: 'your order',
            data: { orderId: 'o-7' },
          },
        ],
      });
      const during = await settle(handle);
      expect(during.outreach.decisions.map((decision) => [decision.key, decision.outcome])).toEqual([
        ['tips', 'suppressed'],
        ['o-7', 'sent'],
      ]);
      expect(mailTo('c-ledger@example.com')).toHaveLength(1);

      // The ledger is back (the worker's ledger re-creates its tables as on start); the next round writes what it missed.
      await new SqliteDeliveryLedger(ledgerFile).close();
      await handle.executeUpdate(requestContactUpdate, {
        args: [
          {
            key: 'o-8',
            template: 'order.confirmation',
            category: 'transactional',
            reason: 'your order',
            data: { orderId: 'o-8' },
          },
        ],
      });
      const after = await settle(handle);
      expect(after.outreach.unrecorded ?? []).toEqual([]);
      expect(decisionRows('kept/nordhem/customer/c-ledger/contact/tips')).toEqual([{ decision: 'suppress' }]);
    }, 120_000);
  });
});
