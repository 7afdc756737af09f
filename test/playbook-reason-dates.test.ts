import path from 'node:path';
import { parseLifecycleEvent, type LifecycleEvent, type LifecycleEventInput } from '../common/events';
import { planContacts } from '../common/playbooks/engine';
import { loadPlaybooks } from '../common/playbooks/load';
import { loadServiceProfile } from '../common/profiles/load-profiles';
import { applyEvent, initialJourneyState } from '../workflows/journey/state';

/**
 * A playbook's reason ("now around {newEstimatedDeliveryAt}") is shown to the customer in the
 * footer of the message whose body gives the same date through the template's date helper,
 * in the customer's zone. Both must name the same day: the customer's, not UTC's.
 * Fixed instants near midnight UTC, zones on both sides of it.
 */
const nordhem = loadServiceProfile(path.resolve(__dirname, '../config/profiles/nordhem.json'));

function lateNoticeReason(timezone: string | undefined, newEstimatedDeliveryAt: string): string {
  const state = initialJourneyState('nordhem', 'ada', '2026-11-01T00:00:00.000Z');
  let count = 0;
  let last: LifecycleEvent | undefined;
  const add = (input: Record<string, unknown>) => {
    last = parseLifecycleEvent({
      eventId: `e-${++count}`,
      brand: 'nordhem',
      customerId: 'ada',
      ...input,
    } as LifecycleEventInput);
    applyEvent(state, last);
  };
  add({
    type: 'profile.updated',
    occurredAt: '2026-11-10T09:00:00.000Z',
    name: 'Ada',
    email: 'ada@example.com',
    timezone,
  });
  const item = { sku: 'lamp', name: 'Lamp', category: 'lighting', price: 90 };
  add({
    type: 'order.placed',
    occurredAt: '2026-11-10T10:00:00.000Z',
    orderId: 'o-9',
    items: [item],
    promisedDeliveryAt: '2026-11-17T12:00:00.000Z',
  });
  add({ type: 'shipment.dispatched', occurredAt: '2026-11-12T10:00:00.000Z', orderId: 'o-9' });
  add({ type: 'shipment.delayed', occurredAt: '2026-11-13T10:00:00.000Z', orderId: 'o-9', newEstimatedDeliveryAt });
  const contacts = planContacts(state, loadPlaybooks('nordhem').playbooks, '2026-11-13T10:00:00.000Z', {
    profile: nordhem,
    event: last,
  });
  const late = contacts.filter((contact) => contact.playbookId === 'delivery.late');
  expect(late).toHaveLength(1);
  return late[0]!.reason;
}

describe("a playbook reason gives dates as the customer's day", () => {
  it.each([
    ['Pacific/Kiritimati', '2026-11-20T18:00:00Z', '2026-11-21'], // UTC+14: already the next day
    ['America/Los_Angeles', '2026-11-21T05:00:00Z', '2026-11-20'], // UTC-8: still the day before
    ['Europe/London', '2026-11-20T23:30:00Z', '2026-11-20'],
    [undefined, '2026-11-20T23:30:00Z', '2026-11-20'], // no zone known: the brand's (nordhem: Europe/London)
  ])('in %s, an ETA of %s is "now around %s"', (timezone, eta, day) => {
    expect(lateNoticeReason(timezone, eta)).toContain(`now around ${day},`);
  });

  it('uses the brand zone, not UTC, when the customer has none (British summer time)', () => {
    expect(lateNoticeReason(undefined, '2027-06-20T23:30:00Z')).toContain('now around 2027-06-21,');
  });
});
