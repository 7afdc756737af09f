import path from 'node:path';
import { createOutreachActivities } from '../activities/outreach/deliver';
import { SqliteDeliveryLedger } from '../activities/outreach/ledger';
import { parseLifecycleEvent, type LifecycleEventInput } from '../common/events';
import { isStillWanted, outreachRequestFor, planContacts, planSweepContacts } from '../common/playbooks/engine';
import { loadPlaybooks } from '../common/playbooks/load';
import type { PlannedContact } from '../common/playbooks/schema';
import { loadServiceProfile } from '../common/profiles/load-profiles';
import { startCaptureServer, type CaptureServer } from '../mail/capture-server';
import { applyEvent, initialJourneyState, type JourneyState } from '../workflows/journey/state';
import { outreachDependencies, temporaryDirectory } from './helpers/outreach';

/**
 * Every built-in playbook's message gets every value its template uses: each brand's journey
 * lives through a whole lifecycle, contacts are planned when their event happens and re-checked
 * when they are due (without the triggering event, as the journey does), and each is delivered
 * through the real deliverOutreach activity (strict templates, real SMTP capture, SQLite ledger).
 */
const DAY = 24 * 3_600_000;
const tmp = temporaryDirectory('kept-playbook-templates-');
let smtp: CaptureServer;
let ledger: SqliteDeliveryLedger;
let activities: ReturnType<typeof createOutreachActivities>;

beforeAll(async () => {
  smtp = await startCaptureServer({ port: 0, directory: path.join(tmp.path, 'mail') });
  ledger = new SqliteDeliveryLedger(path.join(tmp.path, 'ledger.sqlite'));
  activities = createOutreachActivities(outreachDependencies({ smtpPort: smtp.port, ledger }));
});

afterAll(async () => {
  await ledger.close();
  await smtp.close();
  tmp.remove();
});

const at = (start: string, days: number) => new Date(Date.parse(start) + days * DAY).toISOString();
const lamp = {
  sku: 'lamp',
  name: 'Aurore lamp',
  category: 'lighting',
  price: 90,
  warrantyEndsAt: '2027-03-01T00:00:00Z',
};
const beans = { sku: 'beans', name: 'Espresso beans', category: 'coffee', price: 24 };

/** One customer's lifecycle: buying, a late and failed delivery, use, a case, re-orders, a question. */
function lifecycle(): Omit<LifecycleEventInput, 'eventId' | 'brand' | 'customerId'>[] {
  const t0 = '2026-01-05T09:00:00.000Z';
  return [
    { type: 'profile.updated', occurredAt: t0, name: 'Ada Lovelace', email: 'ada@example.com', timezone: 'Etc/UTC' },
    { type: 'consent.changed', occurredAt: t0, category: 'educational', granted: true },
    { type: 'question.asked', occurredAt: at(t0, 1), questionId: 'q-1', text: 'Does it dim?' },
    { type: 'order.placed', occurredAt: at(t0, 2), orderId: 'o-1', items: [lamp], promisedDeliveryAt: at(t0, 9) },
    { type: 'shipment.dispatched', occurredAt: at(t0, 3), orderId: 'o-1' },
    {
      type: 'shipment.delayed',
      occurredAt: at(t0, 4),
      orderId: 'o-1',
      newEstimatedDeliveryAt: at(t0, 12),
      reason: 'storm',
    },
    { type: 'delivery.failed', occurredAt: at(t0, 12), orderId: 'o-1', reason: 'nobody home' },
    { type: 'shipment.delivered', occurredAt: at(t0, 13), orderId: 'o-1' },
    { type: 'usage.dropped', occurredAt: at(t0, 30), sku: 'lamp', previousLevel: 10, level: 2 },
    {
      type: 'issue.reported',
      occurredAt: at(t0, 40),
      caseId: 'k-1',
      orderId: 'o-1',
      category: 'damage',
      summary: 'the shade is cracked',
    },
    {
      type: 'case.resolved',
      occurredAt: at(t0, 45),
      caseId: 'k-1',
      outcome: 'resolved',
      rootCause: 'packaging',
    },
    ...[50, 80, 110].map((day, index) => ({
      type: 'order.placed' as const,
      occurredAt: at(t0, day),
      orderId: `b-${index}`,
      items: [beans],
    })),
    { type: 'usage.reported', occurredAt: at(t0, 400), level: 5 },
  ] as never;
}

/** Plans at each event, fires each contact at its due time against the journey as it is then. */
function liveThrough(brand: 'nordhem' | 'maison-laurent'): { state: JourneyState; fired: PlannedContact[] } {
  const playbooks = loadPlaybooks(brand).playbooks;
  const context = { profile: loadServiceProfile(path.resolve(__dirname, `../config/profiles/${brand}.json`)) };
  const state = initialJourneyState(brand, 'ada', '2026-01-01T00:00:00.000Z');
  const pending = new Map<string, PlannedContact>();
  const fired: PlannedContact[] = [];
  const fireUntil = (until: number) => {
    const due = [...pending.values()].filter((contact) => Date.parse(contact.dueAt) <= until);
    for (const contact of due.sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt))) {
      pending.delete(contact.key);
      const verdict = isStillWanted(state, contact, playbooks, contact.dueAt, context);
      // As the journey does: fresh values win, what only the triggering event knew stays.
      if (verdict.wanted) fired.push({ ...verdict.contact, data: { ...contact.data, ...verdict.contact.data } });
    }
  };
  lifecycle().forEach((input, index) => {
    const event = parseLifecycleEvent({
      ...input,
      eventId: `e-${index}`,
      brand,
      customerId: 'ada',
    } as LifecycleEventInput);
    fireUntil(Date.parse(event.occurredAt));
    applyEvent(state, event);
    const planned = planContacts(state, playbooks, event.occurredAt, { ...context, event });
    for (const contact of planned)
      if (!pending.has(contact.key) && !fired.some((done) => done.key === contact.key))
        pending.set(contact.key, contact);
  });
  const sweep = {
    sweepId: 's-1',
    key: 'checkin.quarterly/s-1',
    playbookId: 'checkin.quarterly',
    category: 'proactive' as const,
    reason: 'quarterly',
  };
  fired.push(...planSweepContacts(state, sweep as never, playbooks, '2027-02-10T09:00:00.000Z', context));
  fireUntil(Number.MAX_SAFE_INTEGER);
  return { state, fired };
}

describe.each(['nordhem', 'maison-laurent'] as const)('%s built-in playbooks', (brand) => {
  it('deliver every message with all the values its template uses', async () => {
    const { state, fired } = liveThrough(brand);
    const messages = fired.filter((contact) => contact.action.kind === 'send' || contact.action.kind === 'create-task');
    // Not vacuous: every message-sending playbook of the lifecycle fired.
    expect(new Set(messages.map((contact) => contact.playbookId))).toEqual(
      new Set([
        'question.answer',
        'order.confirmation',
        'delivery.late',
        'delivery.rescue',
        'setup.checkin',
        'usage.help',
        'usage.tips',
        'case.update',
        'case.survey',
        'case.fix-check',
        'warranty.expiring',
        'replenish',
        'loyalty.anniversary',
        ...(brand === 'maison-laurent' ? ['checkin.quarterly'] : []),
      ]),
    );
    const failures: string[] = [];
    for (const contact of messages) {
      const request = outreachRequestFor(contact, state, `kept/${brand}/customer/ada`)!;
      await activities
        .deliverOutreach(request)
        .catch((error: Error) => failures.push(`${contact.playbookId}: ${error.message}`));
    }
    expect(failures).toEqual([]);
  });
});
