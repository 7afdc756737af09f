import { condition, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { BareActivities } from './bare-activities';
import { bareEventUpdate, type BareEvent } from './bare-messages';

/**
 * The baseline: the least a workflow per customer needs to do Kept's job, on bare Temporal.
 * It takes each event as an update (once per event id), answers at once, and then, like
 * Kept, confirms an order by email when it knows the customer's address and keeps one timer
 * per promised time. Nothing here is validated or planned: it is the floor, not a product.
 */
const { sendConfirmation } = proxyActivities<BareActivities>({ startToCloseTimeout: '30 seconds' });

/** Remembered event ids, like Kept's (a journey remembers its latest 2,000). */
const REMEMBERED_EVENT_IDS = 2_000;

export async function bareCustomer(): Promise<void> {
  const seen: string[] = [];
  const outbox: BareEvent[] = [];
  let email: string | undefined;
  setHandler(bareEventUpdate, (event) => {
    if (seen.includes(event.eventId)) return { applied: false, duplicate: true };
    seen.push(event.eventId);
    if (seen.length > REMEMBERED_EVENT_IDS) seen.shift();
    outbox.push(event);
    return { applied: true, duplicate: false };
  });
  for (;;) {
    await condition(() => outbox.length > 0);
    const event = outbox.shift()!;
    if (event.email) email = event.email;
    if (event.dueAt) void sleep(Math.max(1, Date.parse(event.dueAt) - Date.now()));
    if (event.type === 'order.placed' && email) await sendConfirmation({ to: email, eventId: event.eventId });
  }
}
