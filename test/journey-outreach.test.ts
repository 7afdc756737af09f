import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { KeptClient } from '../client/kept-client';
import { messageIdFor } from '../activities/outreach/email';
import { journeyWorkflowId } from '../common/ids';
import { listCapturedMail } from '../mail/mailbox';
import {
  cancelOutreachUpdate,
  journeyStateQuery,
  pauseOutreachUpdate,
  requestContactUpdate,
  resumeOutreachUpdate,
} from '../workflows/journey/messages';
import { startOutreachStack, type OutreachStack } from './helpers/outreach-stack';
import { zoneWhereItIsNow } from './helpers/temporal';

/**
 * The journey as the per-customer arbiter of outreach, on the time-skipping server with a
 * real SMTP server (the capture server) and a real SQLite delivery ledger: contacts are
 * sent, deferred across the customer's quiet hours, paused, resumed and cancelled.
 */
describe('journey outreach through the contact policy', () => {
  let stack: OutreachStack;
  let env: TestWorkflowEnvironment;
  let kept: KeptClient;

  beforeAll(async () => {
    stack = await startOutreachStack('kept-journey-outreach-');
    env = stack.env;
    kept = new KeptClient({ client: env.client, taskQueue: stack.worker.taskQueue });
  });

  afterAll(() => stack?.stop());

  const zoneWhereItIs = (hour: number) => zoneWhereItIsNow(env, hour);

  async function customer(customerId: string, timezone: string) {
    await kept.recordEvent({
      type: 'profile.updated',
      eventId: `${customerId}-profile`,
      brand: 'nordhem',
      customerId,
      occurredAt: new Date(await env.currentTimeMs()).toISOString(),
      name: 'Ada <script>alert(1)</script>',
      email: `${customerId}@example.com`,
      timezone,
    });
    return env.client.workflow.getHandle(journeyWorkflowId('nordhem', customerId));
  }

  const mailTo = (address: string) => listCapturedMail(stack.mailDir).filter((mail) => mail.to.includes(address));

  async function settle(handle: ReturnType<TestWorkflowEnvironment['client']['workflow']['getHandle']>) {
    // A query is answered after the workflow task that handled our update; a short skip lets
    // the decision round (activities) finish.
    for (let i = 0; i < 50; i++) {
      await env.sleep(1_000);
      const state = await handle.query(journeyStateQuery);
      const now = new Date(await env.currentTimeMs()).toISOString();
      if (state.outreach.pending.every((contact) => contact.dueAt > now)) return state;
    }
    return handle.query(journeyStateQuery);
  }

  it('sends a requested contact once, with a Message-ID from the journey and the key', async () => {
    const handle = await customer('c-send', await zoneWhereItIs(12));
    const request = {
      key: 'order/o-1/confirmation',
      template: 'order.confirmation',
      category: 'transactional' as const,
      reason: 'you placed an order',
      data: { orderId: 'o-1' },
    };
    expect(await handle.executeUpdate(requestContactUpdate, { args: [request] })).toEqual({
      key: request.key,
      added: true,
    });
    const state = await settle(handle);
    expect(state.outreach.decisions.at(-1)).toMatchObject({ key: request.key, outcome: 'sent', channel: 'email' });
    expect(await handle.executeUpdate(requestContactUpdate, { args: [request] })).toEqual({
      key: request.key,
      added: false,
    });
    await settle(handle);

    const mails = mailTo('c-send@example.com');
    expect(mails).toHaveLength(1);
    expect(mails[0]!.messageId).toBe(messageIdFor('kept/nordhem/customer/c-send/contact/order/o-1/confirmation'));
    expect(mails[0]!.html).not.toContain('<script>');
  });

  it("defers a service message through the customer's quiet hours and sends it when they end", async () => {
    const handle = await customer('c-night', await zoneWhereItIs(23));
    await handle.executeUpdate(requestContactUpdate, {
      args: [
        {
          key: 'case/k-1/update-1',
          template: 'case.update',
          category: 'service',
          reason: 'an update on your case',
          data: { caseId: 'k-1', update: 'a technician visits on Thursday' },
        },
      ],
    });
    const deferred = await settle(handle);
    const decision = deferred.outreach.decisions.at(-1)!;
    expect(decision).toMatchObject({ outcome: 'deferred' });
    expect(decision.why).toMatch(/quiet-hours/);
    expect(mailTo('c-night@example.com')).toHaveLength(0);
    // Quiet hours end at 08:00 local, nine hours after 23:xx.
    const waitMs = Date.parse(decision.until!) - (await env.currentTimeMs());
    expect(waitMs).toBeGreaterThan(8 * 3_600_000);
    expect(waitMs).toBeLessThanOrEqual(9 * 3_600_000);
    await env.sleep(waitMs + 60_000);
    const after = await settle(handle);
    expect(after.outreach.decisions.at(-1)).toMatchObject({ key: 'case/k-1/update-1', outcome: 'sent' });
    expect(mailTo('c-night@example.com')).toHaveLength(1);
  });

  it('holds contacts while paused, sends them on resume, and cancels one order’s contacts at once', async () => {
    const handle = await customer('c-pause', await zoneWhereItIs(12));
    await handle.executeUpdate(pauseOutreachUpdate, { args: [{ reason: 'customer asked for a break' }] });
    const contact = (key: string, orderId?: string) => ({
      key,
      template: 'order.confirmation',
      category: 'transactional' as const,
      reason: 'your order',
      data: { orderId: orderId ?? 'o-9' },
      orderId,
    });
    await handle.executeUpdate(requestContactUpdate, { args: [contact('a')] });
    await handle.executeUpdate(requestContactUpdate, { args: [contact('b', 'o-5')] });
    await handle.executeUpdate(requestContactUpdate, { args: [contact('c', 'o-5')] });
    await env.sleep(60_000);
    expect(mailTo('c-pause@example.com')).toHaveLength(0);

    expect(
      await handle.executeUpdate(cancelOutreachUpdate, { args: [{ orderId: 'o-5', reason: 'order cancelled' }] }),
    ).toEqual({
      cancelled: 2,
    });
    expect(await handle.executeUpdate(resumeOutreachUpdate, { args: [{}] })).toEqual({ resumed: 1 });
    const state = await settle(handle);
    expect(state.outreach.decisions.map((decision) => [decision.key, decision.outcome])).toEqual([
      ['b', 'cancelled'],
      ['c', 'cancelled'],
      ['a', 'sent'],
    ]);
    expect(mailTo('c-pause@example.com')).toHaveLength(1);
  });

  it('rejects a bad contact request or pause in the validator, writing nothing', async () => {
    const handle = await customer('c-bad', 'Europe/London');
    await settle(handle);
    const before = (await handle.fetchHistory()).events!.length;
    await expect(
      handle.executeUpdate(requestContactUpdate, {
        args: [{ key: 'x', template: 't', category: 'spam' as never, reason: 'r' }],
      }),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/category/) } });
    await expect(
      handle.executeUpdate(pauseOutreachUpdate, { args: [{ reason: 'r', until: '2001-01-01T00:00:00Z' }] }),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/until: .* is in the past/) } });
    // The time-skipping server records the (speculative) workflow tasks that rejected the
    // updates; the dev server drops them. Either way no update and no state change is written.
    const added = (await handle.fetchHistory()).events!.slice(before);
    const kinds = added.map((event) => Object.keys(event).find((key) => key.endsWith('Attributes')));
    expect(kinds.every((kind) => kind?.startsWith('workflowTask'))).toBe(true);
  });
});
