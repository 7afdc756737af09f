import path from 'node:path';
import { DateTime } from 'luxon';
import { messageIdFor } from '../activities/outreach/email';
import { KeptClient } from '../client/kept-client';
import { addBusinessDuration } from '../common/business-time';
import { journeyWorkflowId } from '../common/ids';
import { listCapturedMail, type CapturedMail } from '../mail/mailbox';
import { journeyStateQuery, requestContactUpdate } from '../workflows/journey/messages';
import { shippedProfiles, waitFor } from './helpers/outreach';
import { startOutreachStack, type OutreachStack } from './helpers/outreach-stack';
import { zoneWhereItIsNow } from './helpers/temporal';
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
});
