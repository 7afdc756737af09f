import path from 'node:path';
import { taskMessageData } from '../activities/outreach/task-message';
import { outreachRequestSchema } from '../common/outreach/contract';
import { loadServiceProfile } from '../common/profiles/load-profiles';

/**
 * What a colleague is asked to tell a customer about a late parcel (maison-laurent hands
 * delivery.late to its advisors): the carrier's word is a fact, our own prediction only a risk.
 */
const profile = loadServiceProfile(path.resolve(__dirname, '../config/profiles/maison-laurent.json'));

function whatToDo(data: Record<string, unknown>): string {
  const request = outreachRequestSchema.parse({
    idempotencyKey: 'kept/maison-laurent/customer/claire/contact/delivery.at-risk/o-1/2026-11-18T09:00:00.000Z',
    brand: 'maison-laurent',
    recipient: { kind: 'customer', customerId: 'claire', name: 'Claire Dubois', email: 'claire@example.com' },
    category: 'service',
    template: 'delivery.late',
    reason: 'Your order o-1 may arrive after the 2026-11-20 we promised.',
    data: { orderId: 'o-1', promisedDeliveryAt: '2026-11-20T18:00:00.000Z', ...data },
  });
  const task = taskMessageData(request, profile, Date.parse('2026-11-18T09:00:00.000Z')).task as { what: string };
  return task.what;
}

it('a predicted delay is told as a risk, not as the carrier’s word', () => {
  const predicted = whatToDo({ predictedLate: true, newEstimatedDeliveryAt: null });
  expect(predicted).toMatch(/may miss the date we gave/);
  expect(predicted).toMatch(/carrier has not reported a delay/);
  expect(predicted).not.toMatch(/is running late/);
});

it('a delay the carrier reported is told as it is, with the new date', () => {
  const reported = whatToDo({ newEstimatedDeliveryAt: '2026-11-23T12:00:00.000Z' });
  expect(reported).toMatch(/is running late: the new date/);
});
