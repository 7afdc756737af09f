import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PromiseClient } from '../client/promises';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature } from '../activities/outreach/webhook';
import { DateTime } from 'luxon';
import { messageIdFor } from '../activities/outreach/email';
import { KeptClient } from '../client/kept-client';
import { addBusinessDuration } from '../common/business-time';
import { journeyWorkflowId } from '../common/ids';
import { listCapturedMail, type CapturedMail } from '../mail/mailbox';
import { journeyStateQuery, requestContactUpdate } from '../workflows/journey/messages';
import { outreachDependencies, shippedProfiles, temporaryDirectory, waitFor } from './helpers/outreach';
import { startOutreachStack, type OutreachStack } from './helpers/outreach-stack';
import { startKeptWorker, stopWorker, zoneWhereItIsNow } from './helpers/temporal';
import { planSteps } from '../workflows/promise/plan';
import { digestBoundary, staffTime } from '../common/staff/time';
import { staffDigestWorkflowId } from '../common/staff/digest';
import { promiseWorkflowId } from '../common/ids';
import type { PromiseProfile } from '../common/promises/schema';

/**
 * What colleagues read (issue 14, "Staff and task messages"): on the time-skipping server
 * with a real SMTP capture server and a SQLite delivery ledger.
 */
describe('staff messages', () => {
  let stack: OutreachStack;
  let kept: KeptClient;

  beforeAll(async () => {
    stack = await startOutreachStack('kept-staff-messages-');
    kept = new KeptClient({ client: stack.env.client, taskQueue: stack.worker.taskQueue });
  });
  afterAll(async () => stack?.stop());

  const serverNow = async () => new Date(await stack.env.currentTimeMs()).toISOString();
  /** Polls in real time (the test clock stands still meanwhile). */
  async function until(what: string, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`not within 20 s: ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const mailWithKey = (key: string): CapturedMail | undefined =>
    listCapturedMail(stack.mailDir).find((mail) => mail.messageId === messageIdFor(key));

  describe('a task for a colleague', () => {
    it('greets the team, says who the customer is, what to do, by when in the team’s time, and how to mark it done', async () => {
      const brand = 'maison-laurent';
      const customerId = 'claire';
      const base = { brand, customerId };
      const now = await serverNow();
      const inAWeek = new Date(Date.parse(now) + 7 * 86_400_000).toISOString();
      await kept.recordEvents([
        {
          ...base,
          type: 'profile.updated',
          eventId: 'claire-profile',
          occurredAt: now,
          name: 'Claire Dubois',
          email: 'claire@example.com',
          // Midday for her: no quiet hours in the way.
          timezone: await zoneWhereItIsNow(stack.env, 12),
        },
        {
          ...base,
          type: 'order.placed',
          eventId: 'claire-order',
          occurredAt: now,
          orderId: 'o-scarf',
          items: [{ sku: 'scarf', name: 'Cashmere scarf', category: 'accessories', price: 420 }],
          promisedDeliveryAt: inAWeek,
        },
      ]);
      const journey = stack.env.client.workflow.getHandle(journeyWorkflowId(brand, customerId));
      await journey.executeUpdate(requestContactUpdate, {
        args: [
          {
            key: 'checkin-q4',
            template: 'checkin.quarterly',
            category: 'proactive',
            reason: 'It has been a few months since her last order',
          },
        ],
      });
      const key = `${journeyWorkflowId(brand, customerId)}/contact/checkin-q4`;
      await waitFor(() => mailWithKey(key) !== undefined, 20_000, 'the task mail');
      const task = mailWithKey(key)!;
      const decided = async () =>
        (await journey.query(journeyStateQuery)).outreach.decisions.find((d) => d.key === 'checkin-q4');
      for (let tries = 0; !(await decided()) && tries < 100; tries += 1) await new Promise((r) => setTimeout(r, 100));
      const decision = (await decided())!;
      expect(decision).toMatchObject({ outcome: 'sent', task: true });

      // To the team that handles white-glove touchpoints, greeting them, not the customer.
      expect(task.envelope.to).toEqual(['client-advisors@maison-laurent.example']);
      expect(task.text).toMatch(/^Hello Client advisors,/);
      expect(task.text).not.toMatch(/Hello Claire/);
      // No template id anywhere a person reads.
      expect(`${task.subject}\n${task.text}`).not.toContain('checkin.quarterly');
      // Who the customer is, and what is open.
      expect(task.subject).toContain('Claire Dubois');
      expect(task.text).toContain('Claire Dubois (customer id claire)');
      expect(task.text).toMatch(/Open order o-scarf: placed, due /);
      expect(task.text).toContain('No open cases.');
      // What to do, in words.
      expect(task.text).toContain(
        'What to do: A personal check-in: ask how everything they bought from us is serving them',
      );
      // By when: the profile's 4 business hours from the hand-over, in Paris time.
      const byText = /by (\w{3} \d{1,2} \w{3} \d{4}, \d{2}:\d{2}) ([^\s.]+)\.?\n/.exec(task.text);
      expect(byText).not.toBeNull();
      const stated = DateTime.fromFormat(byText![1]!, 'ccc d LLL yyyy, HH:mm', {
        zone: 'Europe/Paris',
        locale: 'en-GB',
      });
      expect(stated.isValid).toBe(true);
      const hours = shippedProfiles().get(brand)!.businessHours;
      const expected = addBusinessDuration(Date.parse(decision.at), 'PT4H', hours);
      expect(Math.abs(stated.toMillis() - expected)).toBeLessThanOrEqual(60_000);
      expect(byText![2]).toBe(
        DateTime.fromMillis(expected, { zone: 'Europe/Paris' }).setLocale('en-GB').toFormat('ZZZZ'),
      );
      // How to mark it done: a command that works as written.
      const command = /npm run kept -- done maison-laurent claire (t-[0-9a-f]{8})/.exec(task.text);
      expect(command).not.toBeNull();
      const taskId = command![1]!;
      await kept.recordEvent({
        ...base,
        type: 'task.completed',
        eventId: `${taskId}-done`,
        occurredAt: await serverNow(),
        taskId,
        by: 'camille',
      });
      const state = await journey.query(journeyStateQuery);
      expect(state.completedTasks?.map((done) => [done.taskId, done.by])).toEqual([[taskId, 'camille']]);
    });
  });

  describe('delivery promises the system keeps', () => {
    const brand = 'nordhem';
    const nordhem = shippedProfiles().get(brand)!;
    const promiseProfile: PromiseProfile = {
      businessHours: nordhem.businessHours,
      escalation: nordhem.escalation,
      promises: nordhem.promises,
      staff: nordhem.staff,
      webhookSubscriptions: [],
    };
    const HOUR = 3_600_000;
    const DAY = 24 * HOUR;
    const atRiskAt = (placedAt: number, dueAt: number) =>
      planSteps(
        {
          windowStartedAt: new Date(placedAt).toISOString(),
          dueAt: new Date(dueAt).toISOString(),
          renegotiations: 0,
          owner: { kind: 'system', id: 'fulfilment' },
        },
        promiseProfile,
        'P30D',
        { atRiskByRecipient: true },
      ).find((step) => step.action === 'at-risk')!.at;

    it('reach the team as ONE daily digest listing what is at risk, not a mail per order', async () => {
      const placedAt = await stack.env.currentTimeMs();
      // A promised date whose at-risk point is followed by a business-day start before it is due (any weekday, any season).
      const dueAt = [5, 6, 7, 8, 9, 10, 11, 12]
        .map((days) => placedAt + days * DAY)
        .find((due) => digestBoundary(atRiskAt(placedAt, due), 'daily', nordhem.businessHours) < due - HOUR)!;
      const atRisk = atRiskAt(placedAt, dueAt);
      const boundary = digestBoundary(atRisk, 'daily', nordhem.businessHours);
      const names = [
        'Ada Lovelace',
        'Grace Hopper',
        'Alan Turing',
        'Edsger Dijkstra',
        'Barbara Liskov',
        'Donald Knuth',
      ];
      const customers = names.map((name, index) => ({ id: `d-${index + 1}`, name, orderId: `o-d${index + 1}` }));
      for (const customer of customers) {
        const base = { brand, customerId: customer.id, occurredAt: new Date(placedAt).toISOString() };
        await kept.recordEvents([
          {
            ...base,
            type: 'profile.updated',
            eventId: `${customer.id}-p`,
            name: customer.name,
            email: `${customer.id}@example.com`,
          },
          {
            ...base,
            type: 'order.placed',
            eventId: `${customer.id}-o`,
            orderId: customer.orderId,
            items: [{ sku: 'sofa', name: 'Sofa', category: 'furniture', price: 900 }],
            promisedDeliveryAt: new Date(dueAt).toISOString(),
          },
        ]);
      }
      const promiseOpen = async (orderId: string) =>
        stack.env.client.workflow
          .getHandle(promiseWorkflowId(brand, `delivery-${orderId}`))
          .describe()
          .then(
            () => true,
            () => false,
          );
      for (const customer of customers)
        await until(`the delivery promise of ${customer.orderId}`, () => promiseOpen(customer.orderId));

      // Past the at-risk point, one parcel arrives before the digest goes out: it is taken off.
      await stack.env.sleep(atRisk + 10 * 60_000 - (await stack.env.currentTimeMs()));
      const delivered = customers[0]!;
      await kept.recordEvent({
        brand,
        customerId: delivered.id,
        type: 'shipment.delivered',
        eventId: `${delivered.id}-delivered`,
        occurredAt: new Date(await stack.env.currentTimeMs()).toISOString(),
        orderId: delivered.orderId,
      });
      await stack.env.sleep(boundary + 10 * 60_000 - (await stack.env.currentTimeMs()));

      const digestKey = `${staffDigestWorkflowId(brand, { kind: 'team', id: 'support' })}/${new Date(boundary).toISOString()}`;
      await waitFor(() => mailWithKey(digestKey) !== undefined, 20_000, 'the digest of the at-risk day');
      const digest = mailWithKey(digestKey)!;
      expect(digest.envelope.to).toEqual(['support@nordhem.example']);
      const due = staffTime(dueAt, 'Europe/London');
      const lines = digest.text.split('\n').filter((line) => line.startsWith('- '));
      expect(lines.sort()).toEqual(
        customers
          .slice(1)
          .map((customer) => `- ${customer.name} — order ${customer.orderId} — due ${due} — at risk`)
          .sort(),
      );
      expect(digest.subject).toMatch(/^5 delivery promises need a look \(5 at risk\)/);
      expect(digest.html).toContain('<table');

      // Not one reminder or at-risk mail per order: every staff mail about these orders is a digest.
      const staffMail = listCapturedMail(stack.mailDir).filter((mail) =>
        mail.envelope.to.some((to) => to.endsWith('@nordhem.example')),
      );
      const perOrder = staffMail.filter((mail) => customers.some((customer) => mail.subject.includes(customer.name)));
      expect(perOrder).toEqual([]);
      const digests = staffMail.filter((mail) => mail.subject.includes('delivery promise'));
      expect(digests.length).toBeLessThanOrEqual(2);
    });
  });

  describe('webhooks out', () => {
    interface Received {
      key: string;
      type: string;
      signed: boolean;
      status: number;
      body: { id: string; type: string; data: Record<string, unknown> };
    }
    const received: Received[] = [];
    let receiver: Server;
    let worker: Awaited<ReturnType<typeof startKeptWorker>>;
    let promises: PromiseClient;
    const tmp = temporaryDirectory('kept-webhooks-out-');
    const events = [
      'promise.at-risk',
      'promise.breached',
      'promise.kept',
      'promise.renegotiated',
      'outreach.sent',
    ] as const;

    beforeAll(async () => {
      // A real receiver that checks the signature, and fails the first attempt of every event.
      receiver = createServer((request, response) => {
        let raw = '';
        request.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
        request.on('end', () => {
          const key = String(request.headers['idempotency-key']);
          const first = !received.some((earlier) => earlier.key === key);
          const body = JSON.parse(raw) as Received['body'];
          const signed = verifyWebhookSignature({
            secret: 'acme-hook-secret-0123456789',
            timestamp: request.headers[TIMESTAMP_HEADER.toLowerCase()] as string | undefined,
            signature: request.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined,
            body: raw,
            now: new Date(),
            toleranceSeconds: 10 * 365 * 86_400,
          });
          const status = first ? 503 : 200;
          received.push({ key, type: body.type, signed, status, body });
          response.writeHead(status).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/kept`;
      process.env.NORDHEM_HOOK_SECRET = 'acme-hook-secret-0123456789';
      const base = shippedProfiles().get('nordhem')!;
      const webhooks = {
        ...base.webhooks,
        subscriptions: [{ url, secretEnv: 'NORDHEM_HOOK_SECRET', events: [...events] }],
      };
      const profiles = shippedProfiles({ nordhem: { webhooks } });
      // The journeys read the brand's profile file: the same subscription, in a profiles folder of this test's own.
      const profilesDir = path.join(tmp.path, 'profiles');
      mkdirSync(profilesDir);
      const file = JSON.parse(readFileSync(path.resolve(__dirname, '../config/profiles/nordhem.json'), 'utf8'));
      writeFileSync(path.join(profilesDir, 'nordhem.json'), JSON.stringify({ ...file, webhooks }));
      const outreach = outreachDependencies({
        smtpPort: stack.smtp.port,
        ledgerFile: path.join(tmp.path, 'ledger.sqlite'),
        profiles,
      });
      worker = await startKeptWorker(stack.env, { activityDependencies: { outreach }, profilesDir });
      promises = new PromiseClient({
        client: stack.env.client,
        taskQueue: worker.taskQueue,
        profiles,
        openPromises: async () => [],
        now: () => stack.env.currentTimeMs(),
      });
    });
    afterAll(async () => {
      if (worker) await stopWorker(worker);
      await new Promise((resolve) => receiver?.close(resolve));
      delete process.env.NORDHEM_HOOK_SECRET;
      tmp.remove();
    });

    const delivered = (type: string) => received.filter((request) => request.type === type && request.status === 200);

    it('sends each subscribed event once, signed, although the receiver fails the first attempt', async () => {
      const now = await stack.env.currentTimeMs();
      const promise = (promiseId: string, hours: number) => ({
        brand: 'nordhem',
        customerId: 'w-ada',
        promiseId,
        text: 'Send the missing sofa leg',
        kind: 'other' as const,
        owner: { kind: 'person' as const, id: 'sam' },
        channel: 'email' as const,
        contact: { name: 'Ada Lovelace', email: 'w-ada@example.com' },
        due: { at: new Date(now + hours * 3_600_000).toISOString() },
      });
      await promises.makePromise(promise('w-kept', 30 * 24));
      await promises.makePromise(promise('w-broken', 30 * 24));
      await promises.renegotiatePromise('nordhem', 'w-kept', {
        due: { within: 'P12D' },
        reason: 'the part ships later',
      });
      await stack.env.sleep(31 * 24 * 3_600_000);
      await promises.fulfilPromise('nordhem', 'w-kept', { note: 'sent' }).catch(() => undefined);
      await until('every event delivered', async () => events.every((type) => delivered(type).length > 0));

      for (const type of events) {
        const attempts = received.filter((request) => request.type === type);
        expect(attempts.every((request) => request.signed)).toBe(true);
        // Effectively once: per event one delivered POST, after the one the receiver failed.
        const keys = [...new Set(attempts.map((request) => request.key))];
        for (const key of keys) {
          expect(attempts.filter((request) => request.key === key).map((request) => request.status)).toEqual([
            503, 200,
          ]);
        }
      }
      expect(delivered('promise.breached').map((request) => request.body.data.promiseId)).toContain('w-broken');
      expect(delivered('promise.renegotiated').map((request) => request.body.data.promiseId)).toEqual(['w-kept']);
    });
  });
});
