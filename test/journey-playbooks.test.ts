import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { KeptClient } from '../client/kept-client';
import type { LifecycleEventInput } from '../common/events';
import { journeyWorkflowId } from '../common/ids';
import { messageIdFor } from '../activities/outreach/email';
import { listCapturedMail } from '../mail/mailbox';
import { journeyStateQuery } from '../workflows/journey/messages';
import type { JourneyState } from '../workflows/journey/state';
import { timerEvents } from './helpers/history-breakdown';
import { temporaryDirectory } from './helpers/outreach';
import { startOutreachStack, type OutreachStack } from './helpers/outreach-stack';
import { zoneWhereItIsNow } from './helpers/temporal';
import { wallTime } from './helpers/wall-time';

/**
 * Playbooks firing through real journeys on the time-skipping server, with a real SMTP
 * server and ledger: a delayed shipment is announced before the promised date under both
 * profiles; an exit goal keeps a nudge from going out; a playbook edited while a journey
 * runs is used from that journey's next decision on.
 */
const DAY = 24 * 3_600_000;

describe('playbooks in running journeys', () => {
  let stack: OutreachStack;
  let env: TestWorkflowEnvironment;
  let kept: KeptClient;
  // The worker reads its playbooks from a copy beside the stack's ledger and mail, which a test edits.
  const tmp = temporaryDirectory('kept-journey-playbooks-');
  const playbooksDir = path.join(tmp.path, 'playbooks');

  beforeAll(async () => {
    cpSync(path.resolve(__dirname, '../config/playbooks'), playbooksDir, { recursive: true });
    stack = await startOutreachStack(tmp, { playbooksDir });
    env = stack.env;
    kept = new KeptClient({ client: env.client, taskQueue: stack.worker.taskQueue });
  });

  afterAll(async () => (stack ? stack.stop() : tmp.remove()));

  /** A zone where it is now about midday, so quiet hours hold nothing back. */
  const middayZone = () => zoneWhereItIsNow(env, 12);

  async function journeyOf(brand: string, customerId: string) {
    let n = 0;
    const zone = await middayZone();
    const event = async (type: string, fields: Record<string, unknown> = {}) =>
      ({
        type,
        eventId: `${customerId}-${++n}`,
        brand,
        customerId,
        occurredAt: new Date(await env.currentTimeMs()).toISOString(),
        ...fields,
      }) as LifecycleEventInput;
    await kept.recordEvent(
      await event('profile.updated', { name: 'Ada Lovelace', email: `${customerId}@example.com`, timezone: zone }),
    );
    const handle = env.client.workflow.getHandle(journeyWorkflowId(brand, customerId));
    return {
      record: async (type: string, fields: Record<string, unknown> = {}) => kept.recordEvent(await event(type, fields)),
      state: (): Promise<JourneyState> => handle.query(journeyStateQuery),
    };
  }

  /** Lets the journey's decision round finish: activities and local activities, a few seconds of server time. */
  async function settle(): Promise<void> {
    for (let i = 0; i < 5; i++) await env.sleep(1_000);
  }

  const decisionsFor = (state: JourneyState, playbookId: string) =>
    state.outreach.decisions.filter((decision) => decision.key.startsWith(`${playbookId}/`));

  /**
   * The date as the late-delivery message renders it: the template's `{{date}}` helper writes
   * the instant in the recipient's zone, long form, in the reader's locale (nordhem's en-GB:
   * "10 December 2026"); the advisor's task quotes the playbook's reason, which gives the day
   * as YYYY-MM-DD.
   */
  const renderedDate = {
    customerMail: (instant: string, zone: string) =>
      new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: 'long', day: 'numeric', timeZone: zone }).format(
        new Date(instant),
      ),
    advisorTask: (instant: string, zone: string) =>
      new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: zone }).format(
        new Date(instant),
      ),
  };

  it.each([
    ['nordhem', 'c-late-nordhem@example.com', 'customerMail'],
    ['maison-laurent', 'client-advisors@maison-laurent.example', 'advisorTask'],
  ] as const)(
    '%s: a delayed shipment is announced before the promised date, with the new ETA',
    async (brand, recipient, rendering) => {
      const customerId = `c-late-${brand}`;
      const journey = await journeyOf(brand, customerId);
      const now = await env.currentTimeMs();
      const promised = new Date(now + 5 * DAY).toISOString();
      const newEta = new Date(now + 8 * DAY).toISOString();
      const item = { sku: 'armchair', name: 'Armchair', category: 'furniture', price: 640 };
      await journey.record('order.placed', { orderId: 'o-1', items: [item], promisedDeliveryAt: promised });
      await journey.record('shipment.dispatched', { orderId: 'o-1' });
      await journey.record('shipment.delayed', { orderId: 'o-1', newEstimatedDeliveryAt: newEta, reason: 'a storm' });
      await settle();

      const state = await journey.state();
      const notices = decisionsFor(state, 'delivery.late');
      expect(notices).toEqual([expect.objectContaining({ outcome: 'sent', proactive: true })]);
      expect(Date.parse(notices[0]!.at)).toBeLessThan(Date.parse(promised));
      // The late-delivery message itself, by the Message-ID its idempotency key gives, not the first mail about o-1.
      const key = `${journeyWorkflowId(brand, customerId)}/contact/${notices[0]!.key}`;
      const mail = listCapturedMail(stack.mailDir).filter((m) => m.messageId === messageIdFor(key));
      expect(mail).toHaveLength(1);
      expect(mail[0]!.to).toContain(recipient);
      // The customer is told (self-service) or their advisor gets the task (white-glove): either way with the new date.
      const zone = state.profile.timezone!;
      const expected = renderedDate[rendering](newEta, zone);
      expect(mail[0]!.text).toContain(
        rendering === 'customerMail' ? `It should now arrive by ${expected}.` : `now around ${expected},`,
      );
      // And the order confirmation went out too, exactly once.
      expect(decisionsFor(state, 'order.confirmation')).toHaveLength(1);
    },
  );

  it('keeps the setup check-in from going out when the customer reported a problem since delivery', async () => {
    const journey = await journeyOf('nordhem', 'c-goal');
    const item = { sku: 'desk', name: 'Standing desk', category: 'furniture', price: 420 };
    await journey.record('order.placed', { orderId: 'o-2', items: [item] });
    await journey.record('shipment.dispatched', { orderId: 'o-2' });
    await journey.record('shipment.delivered', { orderId: 'o-2' });
    await settle();
    expect((await journey.state()).outreach.pending.map((contact) => contact.playbookId)).toContain('setup.checkin');

    await env.sleep(DAY);
    await journey.record('issue.reported', {
      caseId: 'k-2',
      orderId: 'o-2',
      category: 'wobbly',
      summary: 'the desk wobbles',
    });
    await env.sleep(3 * DAY);
    await settle();
    const state = await journey.state();
    expect(decisionsFor(state, 'setup.checkin')).toEqual([
      expect.objectContaining({ outcome: 'skipped', why: expect.stringMatching(/issue\.reported/) }),
    ]);
    expect(
      listCapturedMail(stack.mailDir).filter((m) => m.to.includes('c-goal@') && /All set with your/.test(m.subject)),
    ).toEqual([]);
  });

  it('sends the setup check-in at its time, with a product viewed while it waited (the wake-up kept its timer)', async () => {
    const customerId = 'c-waits';
    const journey = await journeyOf('nordhem', customerId);
    const item = { sku: 'chair', name: 'Oak chair', category: 'furniture', price: 180 };
    await journey.record('order.placed', { orderId: 'o-4', items: [item] });
    await journey.record('shipment.dispatched', { orderId: 'o-4' });
    await journey.record('shipment.delivered', { orderId: 'o-4' });
    await settle();
    const planned = (await journey.state()).outreach.pending.find((contact) => contact.playbookId === 'setup.checkin');
    expect(planned).toBeDefined();
    const timersBefore = await timerEvents(env.client, journeyWorkflowId('nordhem', customerId));
    // Its summary in the UI's timeline gives the brand's local time (Nordhem's staff are in London).
    expect(timersBefore.at(-1)).toBe(`started next outreach decision at ${wallTime(planned!.dueAt, 'Europe/London')}`);

    await env.sleep(DAY);
    await journey.record('product.viewed', { sku: 'lamp' });
    await settle();
    // The view changed nothing the journey waits for: the same timer, neither cancelled nor started again.
    expect(await timerEvents(env.client, journeyWorkflowId('nordhem', customerId))).toEqual(timersBefore);

    await env.sleep(Math.max(0, Date.parse(planned!.dueAt) - (await env.currentTimeMs())) + 60_000);
    await settle();
    const [decision] = decisionsFor(await journey.state(), 'setup.checkin');
    expect(decision).toMatchObject({ outcome: 'sent' });
    // Sent when it was due (a task's minute or two of server time), not a day late or early.
    expect(Math.abs(Date.parse(decision!.at) - Date.parse(planned!.dueAt))).toBeLessThan(5 * 60_000);
    expect(
      listCapturedMail(stack.mailDir).filter(
        (m) => m.to.includes(`${customerId}@`) && /All set with your/.test(m.subject),
      ),
    ).toHaveLength(1);
  });

  it('uses a playbook changed while the journey runs from its next decision on', async () => {
    const journey = await journeyOf('nordhem', 'c-change');
    const item = { sku: 'lamp', name: 'Floor lamp', category: 'lighting', price: 90 };
    await journey.record('order.placed', { orderId: 'o-3', items: [item] });
    await journey.record('shipment.dispatched', { orderId: 'o-3' });
    await journey.record('shipment.delivered', { orderId: 'o-3' });
    await settle();
    const planned = (await journey.state()).outreach.pending.find((contact) => contact.playbookId === 'setup.checkin');
    expect(planned?.playbookVersion).toBe(1);

    // An operator turns the setup check-in off for everyone.
    const file = path.join(playbooksDir, 'default.json');
    const config = JSON.parse(readFileSync(file, 'utf8')) as {
      playbooks: { id: string; version: number; enabled?: boolean }[];
    };
    const checkin = config.playbooks.find((playbook) => playbook.id === 'setup.checkin')!;
    Object.assign(checkin, { version: 2, enabled: false });
    writeFileSync(file, JSON.stringify(config, null, 2));

    await env.sleep(4 * DAY);
    await settle();
    const [decision] = decisionsFor(await journey.state(), 'setup.checkin');
    expect(decision).toMatchObject({ outcome: 'skipped', why: expect.stringMatching(/setup\.checkin v2 is disabled/) });
    expect(
      listCapturedMail(stack.mailDir).filter((m) => m.to.includes('c-change@') && /All set with your/.test(m.subject)),
    ).toEqual([]);
  });
});
