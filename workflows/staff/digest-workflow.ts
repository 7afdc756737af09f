import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { DeliveryResult, OutreachRequestInput } from '../../common/outreach/contract';
import {
  staffDigestInputSchema,
  staffDigestItemSchema,
  staffDigestWithdrawSchema,
  type StaffDigestInput,
  type StaffDigestItem,
} from '../../common/staff/digest';
import { digestBoundary, staffTime } from '../../common/staff/time';
import { staffDigestItemSignal, staffDigestWithdrawSignal } from './messages';

const { deliverOutreach } = proxyActivities<{
  deliverOutreach(request: OutreachRequestInput): Promise<DeliveryResult>;
}>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 12 },
});

/** A digest workflow lives as long as its team; its history is kept short. */
const MAX_HISTORY_EVENTS = 2_000;

/**
 * One per brand and team (`kept/<brand>/digest/team-<id>`): collects the reminders and at-risk
 * alerts of promises the system keeps, and at each period boundary (the start of the team's
 * business day, or each business hour) sends ONE message listing them, through the one
 * outreach path. Its idempotency key is the team and the boundary, so a retry or a replay
 * never sends a period's digest twice. A promise kept before the boundary is taken off.
 */
export async function staffDigest(raw: StaffDigestInput): Promise<void> {
  const input = staffDigestInputSchema.parse(raw);
  const items: Record<string, StaffDigestItem> = { ...input.carried };
  let sent = 0;

  setHandler(staffDigestItemSignal, (rawItem) => {
    // A signal cannot be rejected: an invalid one is logged and dropped.
    const parsed = staffDigestItemSchema.safeParse(rawItem);
    if (!parsed.success) return log.warn('invalid staff digest item dropped', { issues: parsed.error.issues });
    const earlier = items[parsed.data.promiseId];
    // At risk outranks a reminder: the line shows the promise's latest state.
    if (!earlier || earlier.status !== 'at-risk' || parsed.data.status === 'at-risk')
      items[parsed.data.promiseId] = parsed.data;
    describe(input, items, sent);
  });
  setHandler(staffDigestWithdrawSignal, (rawWithdraw) => {
    const parsed = staffDigestWithdrawSchema.safeParse(rawWithdraw);
    if (parsed.success) delete items[parsed.data.promiseId];
    describe(input, items, sent);
  });

  describe(input, items, sent);
  for (;;) {
    await condition(() => Object.keys(items).length > 0 || historyIsLong());
    if (Object.keys(items).length > 0) {
      const boundary = digestBoundary(Date.now(), input.period, input.businessHours);
      await condition(() => false, Math.max(1, boundary - Date.now()), {
        summary: `digest at ${staffTime(boundary, input.businessHours.timezone)}`,
      });
      const batch = Object.values(items).sort(
        (a, b) => a.dueAt.localeCompare(b.dueAt) || a.promiseId.localeCompare(b.promiseId),
      );
      for (const item of batch) delete items[item.promiseId];
      if (batch.length > 0) {
        await sendDigest(input, boundary, batch);
        sent += 1;
      }
      describe(input, items, sent);
    }
    if (historyIsLong()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof staffDigest>({ ...input, carried: items });
    }
  }
}

function historyIsLong(): boolean {
  return workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= MAX_HISTORY_EVENTS;
}

async function sendDigest(
  input: ReturnType<typeof staffDigestInputSchema.parse>,
  boundary: number,
  batch: StaffDigestItem[],
): Promise<void> {
  const zone = input.businessHours.timezone;
  const atRisk = batch.filter((item) => item.status === 'at-risk').length;
  try {
    await deliverOutreach({
      idempotencyKey: `${workflowInfo().workflowId}/${new Date(boundary).toISOString()}`,
      brand: input.brand,
      recipient: input.recipient,
      category: 'service',
      template: 'staff.digest',
      reason: `you are first to hear about delivery promises the system keeps (digest ${input.period})`,
      data: {
        period: input.period === 'daily' ? 'today' : 'this hour',
        count: batch.length,
        single: batch.length === 1,
        atRisk,
        asOf: staffTime(boundary, zone),
        rows: batch.map((item) => ({
          customer: item.customerName ?? `customer ${item.customerId}`,
          customerId: item.customerId,
          what: item.orderId ? `order ${item.orderId}` : item.promiseText,
          due: staffTime(item.dueAt, zone),
          status: item.status === 'at-risk' ? 'at risk' : 'not yet delivered',
          promiseId: item.promiseId,
        })),
      },
    });
  } catch (error) {
    // A digest that cannot be delivered after its retries is logged; the next period carries on.
    log.error('staff digest not delivered', { error, count: batch.length });
  }
}

function describe(
  input: ReturnType<typeof staffDigestInputSchema.parse>,
  items: Record<string, StaffDigestItem>,
  sent: number,
): void {
  const waiting = Object.keys(items).length;
  setCurrentDetails(
    `**Staff digest** for ${input.recipient.kind} ${input.recipient.id} at ${input.brand}, ${input.period}.\n\n` +
      `${waiting} promise(s) waiting for the next digest; ${sent} digest(s) sent in this run.`,
  );
}
