import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import { messageIdFor } from '../activities/outreach/email';
import type { MakePromiseAnswer, PromiseClient } from '../client/promises';
import { journeyWorkflowId, promiseWorkflowId } from '../common/ids';
import { promiseContactKey, type PromiseContactRequestInput } from '../common/promises/customer-contact';
import type { MakePromiseInput, PromiseState } from '../common/promises/schema';
import { listCapturedMail, type CapturedMail } from '../mail/mailbox';
import { journeyStateQuery, promiseContactSignal } from '../workflows/journey/messages';
import { promiseStateQuery } from '../workflows/promise/messages';
import type { JourneyState } from '../workflows/journey/state';
import { staffTime } from '../common/staff/time';
import { waitFor } from './helpers/outreach';
import { startOutreachStack, type OutreachStack } from './helpers/outreach-stack';
import { promiseClientOn, zoneWhereItIsNow } from './helpers/temporal';

/**
 * A promise's messages to the customer go through the customer's journey — the one arbiter
 * of outreach — on the time-skipping server, with the capture server as the SMTP server and a
 * real SQLite delivery ledger: quiet hours defer them (never drop them), an unreachable
 * channel falls back to one the customer can be reached on, a human touchpoint becomes a
 * task, one key is one mail, and the owner's "Broken promise" mail says what really happened.
 */
describe('promise messages to the customer go through the journey', () => {
  let stack: OutreachStack;
  let env: TestWorkflowEnvironment;
  let promises: PromiseClient;

  beforeAll(async () => {
    stack = await startOutreachStack('kept-promise-messages-');
    env = stack.env;
    promises = promiseClientOn(env, stack.worker.taskQueue);
  });

  afterAll(() => stack?.stop());

  const mailTo = (address: string): CapturedMail[] =>
    listCapturedMail(stack.mailDir).filter((mail) => mail.envelope.to.includes(address));
  const breachMail = (brand: string, promiseId: string) =>
    listCapturedMail(stack.mailDir).find(
      (mail) => mail.messageId === messageIdFor(`${promiseWorkflowId(brand, promiseId)}/breach`),
    );
  const customerKey = (brand: string, customerId: string, promiseId: string, step: string) =>
    `${journeyWorkflowId(brand, customerId)}/contact/${promiseContactKey(promiseId, step)}`;
  const promiseState = (brand: string, promiseId: string): Promise<PromiseState> =>
    env.client.workflow.getHandle(promiseWorkflowId(brand, promiseId)).query(promiseStateQuery);
  const journeyState = (brand: string, customerId: string): Promise<JourneyState> =>
    env.client.workflow.getHandle(journeyWorkflowId(brand, customerId)).query(journeyStateQuery);
  const decisionsFor = (journey: JourneyState, key: string) =>
    journey.outreach.decisions.filter((decision) => decision.key === key);

  /** Polls in real time (the test clock stands still meanwhile). */
  async function until(check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('condition not met within 20 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function skipTo(instant: number): Promise<void> {
    const now = await env.currentTimeMs();
    if (instant <= now) throw new Error(`the test clock is already past ${new Date(instant).toISOString()}`);
    await env.sleep(instant - now);
  }

  /** A promise due at the next full hour (whole-hour zones: the next local full hour too). */
  async function makeDueAtNextHour(input: Omit<MakePromiseInput, 'due'>): Promise<number> {
    const now = await env.currentTimeMs();
    const dueAt = Math.ceil((now + 60_000) / 3_600_000) * 3_600_000;
    const answer: MakePromiseAnswer = await promises.makePromise({
      ...input,
      due: { at: new Date(dueAt).toISOString() },
    });
    if (!answer.made) throw new Error(`not made: ${answer.note}`);
    return dueAt;
  }

  const nordhemPromise = (promiseId: string, customerId: string, timezone: string) => ({
    brand: 'nordhem',
    customerId,
    promiseId,
    text: 'Send the missing sofa leg',
    kind: 'other' as const,
    owner: { kind: 'person' as const, id: 'sam' },
    channel: 'email' as const,
    // The customer has no journey yet: the promise's contact details are all Kept knows.
    contact: { name: 'Ada Lovelace', email: `${customerId}@example.com`, timezone },
  });

  it("defers an apology due at the customer's midnight to the end of quiet hours, and tells the owner so", async () => {
    const zone = await zoneWhereItIsNow(env, 23);
    const dueAt = await makeDueAtNextHour(nordhemPromise('p-midnight', 'c-midnight', zone));
    expect(DateTime.fromMillis(dueAt, { zone }).toFormat('HH:mm')).toBe('00:00');
    // nordhem's quiet hours are 21:00–08:00 in the customer's zone
    const quietEnd = DateTime.fromMillis(dueAt, { zone }).set({ hour: 8 }).toMillis();

    await skipTo(dueAt + 5_000);
    await waitFor(() => breachMail('nordhem', 'p-midnight') !== undefined, 20_000, 'the breach mail');
    const breach = breachMail('nordhem', 'p-midnight')!;
    expect(breach.envelope.to).toEqual(['sam@nordhem.example']);
    // Staff read times in their team's zone (nordhem: Europe/London), weekday, date, time and zone.
    const untilInBrandTime = staffTime(quietEnd, 'Europe/London');
    expect(breach.text).toContain(`Nothing yet: our apology waits until ${untilInBrandTime}`);
    expect(breach.text).not.toMatch(/apologised|has received our apology/);
    expect(mailTo('c-midnight@example.com')).toEqual([]);
    const waiting = await promiseState('nordhem', 'p-midnight');
    expect(waiting.customerContacts.apology).toMatchObject({
      outcome: 'deferred',
      until: new Date(quietEnd).toISOString(),
    });

    // Still quiet a minute before 08:00 local; the apology arrives at 08:00, not dropped.
    await skipTo(quietEnd - 60_000);
    expect(mailTo('c-midnight@example.com')).toEqual([]);
    await skipTo(quietEnd + 60_000);
    await waitFor(() => mailTo('c-midnight@example.com').length === 1, 20_000, 'the apology');
    const [apology] = mailTo('c-midnight@example.com');
    expect(apology!.subject).toBe('Sorry: we did not keep our promise');
    expect(apology!.messageId).toBe(messageIdFor(customerKey('nordhem', 'c-midnight', 'p-midnight', 'apology')));
    const journey = await journeyState('nordhem', 'c-midnight');
    const sent = decisionsFor(journey, promiseContactKey('p-midnight', 'apology')).at(-1)!;
    expect(sent).toMatchObject({ outcome: 'sent', channel: 'email' });
    expect(DateTime.fromISO(sent.at, { zone }).toFormat('HH:mm')).toBe('08:00');
    // ...and the journey tells the promise, whose state now says the apology went out.
    await until(async () => (await promiseState('nordhem', 'p-midnight')).customerContacts.apology?.outcome === 'sent');
  });

  it('tells the owner the apology was sent, when it was', async () => {
    const zone = await zoneWhereItIsNow(env, 12);
    const dueAt = await makeDueAtNextHour(nordhemPromise('p-noon', 'c-noon', zone));
    await skipTo(dueAt + 5_000);
    await waitFor(() => breachMail('nordhem', 'p-noon') !== undefined, 20_000, 'the breach mail');
    const breach = breachMail('nordhem', 'p-noon')!;
    expect(mailTo('c-noon@example.com').map((mail) => mail.subject)).toEqual(['Sorry: we did not keep our promise']);
    const sentAt = staffTime(dueAt, 'Europe/London');
    expect(breach.text).toContain(`We apologised to the customer by email at ${sentAt}.`);
    expect(breach.text).not.toMatch(/waits until|task|being arranged/);
  });

  it('a promise on chat for a customer reachable only by email reaches them by email, once per key', async () => {
    const zone = await zoneWhereItIsNow(env, 12);
    await makeDueAtNextHour({
      ...nordhemPromise('p-chat', 'c-chat', zone),
      channel: 'chat',
      customerText: 'your missing sofa leg',
    });
    await promises.renegotiatePromise('nordhem', 'p-chat', {
      due: { within: 'P2D' },
      reason: 'the part ships from the other warehouse',
    });
    await waitFor(() => mailTo('c-chat@example.com').length === 1, 20_000, 'the renegotiation message');
    const key = customerKey('nordhem', 'c-chat', 'p-chat', 'renegotiated-1');
    expect(mailTo('c-chat@example.com')[0]).toMatchObject({
      subject: expect.stringMatching(/^Your new date: \d{1,2} [A-Z][a-z]+ \d{4}$/),
      messageId: messageIdFor(key),
    });
    // The customer reads the promise's customer text; the staff note and the operator's reason stay inside.
    const renegotiated = mailTo('c-chat@example.com')[0]!;
    expect(renegotiated.text).toContain('a new time for your missing sofa leg');
    for (const part of [renegotiated.text, renegotiated.html]) {
      expect(part).not.toContain('Send the missing sofa leg');
      expect(part).not.toContain('the other warehouse');
    }
    await until(async () => (await promiseState('nordhem', 'p-chat')).customerContacts['renegotiated-1'] !== undefined);
    const state = await promiseState('nordhem', 'p-chat');
    expect(state.deliveryFailures).toEqual([]);
    expect(state.customerContacts['renegotiated-1']).toMatchObject({ outcome: 'sent', channel: 'email' });

    // The same request again (a retried activity, a replayed step): no second decision, no second mail.
    const journey = env.client.workflow.getHandle(journeyWorkflowId('nordhem', 'c-chat'));
    const again: PromiseContactRequestInput = {
      promiseId: 'p-chat',
      step: 'renegotiated-1',
      template: 'promise.renegotiated',
      reason: 'the part ships from the other warehouse',
      data: { promiseText: 'Send the missing sofa leg', dueAt: state.dueAt },
      channel: 'chat',
      contact: { email: 'c-chat@example.com' },
    };
    await journey.signal(promiseContactSignal, again);
    // An invalid request is dropped (logged), never half-applied.
    await journey.signal(promiseContactSignal, { ...again, step: 'Not A Step' });
    await env.sleep(60_000);
    const after = await journey.query(journeyStateQuery);
    expect(decisionsFor(after, promiseContactKey('p-chat', 'renegotiated-1'))).toHaveLength(1);
    expect(after.outreach.pending.filter((contact) => contact.source === 'promise')).toEqual([]);
    expect(mailTo('c-chat@example.com')).toHaveLength(1);
    expect(mailTo('c-chat@example.com')[0]!.duplicatesCollapsed).toBe(0);
    await promises.cancelPromise('nordhem', 'p-chat', { reason: 'no longer needed' });
  });

  it('a white-glove apology becomes a task for the owner, and the breach mail says so', async () => {
    const zone = await zoneWhereItIsNow(env, 12);
    const dueAt = await makeDueAtNextHour({
      brand: 'maison-laurent',
      customerId: 'c-glove',
      promiseId: 'p-glove',
      text: 'Call back about the handbag clasp',
      kind: 'callback',
      owner: { kind: 'person', id: 'camille' },
      channel: 'phone',
      contact: { name: 'Ada Lovelace', email: 'c-glove@example.com', timezone: zone, locale: 'fr-FR' },
    });
    await skipTo(dueAt + 5_000);
    const camille = 'camille@maison-laurent.example';
    await waitFor(() => breachMail('maison-laurent', 'p-glove') !== undefined, 20_000, 'the breach mail');
    const apologyKey = messageIdFor(customerKey('maison-laurent', 'c-glove', 'p-glove', 'apology'));
    const task = mailTo(camille).filter((mail) => mail.messageId === apologyKey);
    expect(task.map((mail) => mail.subject)).toEqual([expect.stringMatching(/^Task for you: Ada Lovelace, by /)]);
    expect(task[0]!.text).toContain(
      'What to do: Apologise to them personally: we did not keep a promise we made them.',
    );
    const breach = breachMail('maison-laurent', 'p-glove')!;
    expect(breach.envelope.to).toEqual([camille]);
    expect(breach.text).toContain('Nothing yet: our apology is a personal touchpoint, handed to camille as a task');
    expect(breach.text).not.toMatch(/apologised|has received our apology/);
    // a white-glove customer hears from a person, not from a template
    expect(mailTo('c-glove@example.com')).toEqual([]);
    expect((await promiseState('maison-laurent', 'p-glove')).customerContacts.apology).toMatchObject({
      outcome: 'task',
    });
  });
});
