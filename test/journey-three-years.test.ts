import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { KeptClient } from '../client/kept-client';
import type { LifecycleEventInput } from '../common/events';
import { journeyWorkflowId, promiseWorkflowId } from '../common/ids';
import { journeyStateQuery, recordEventsUpdate } from '../workflows/journey/messages';
import type { customerJourney } from '../workflows/journey/journey-workflow';
import { journeyRuns } from './helpers/journey-runs';
import { startOutreachStack, type OutreachStack } from './helpers/outreach-stack';

/**
 * One customer of nordhem, three years, on the time-skipping server: thousands of usage
 * events, six orders (one of them late), three service cases with surveys. The journey
 * continues as new whenever its history reaches MAX_HISTORY_EVENTS; the bounds we state and
 * check: no run's history exceeds MAX_HISTORY_EVENTS + HISTORY_SLACK (the events one
 * workflow task can add after the check: one update batch, its forwarding and planning),
 * and no run carries more than CARRIED_BYTES_BOUND into the next (about 58 KB here, most of
 * it the 2,000 recent event ids kept to recognise redeliveries).
 */
const MAX_HISTORY_EVENTS = 150;
const HISTORY_SLACK = 60;
const CARRIED_BYTES_BOUND = 80 * 1024;
/**
 * The first year is live (outreach planned, implicit promises made); later years are sent as
 * imported history: the promise capacity check counts business days from the worker's wall
 * clock, which the time-skipping server's clock leaves years behind.
 */
const LIVE_WEEKS = 52;
const DAY = 24 * 60 * 60 * 1000;
const WEEKS = 156;

describe('a three-year customer journey with continue-as-new', () => {
  let env: TestWorkflowEnvironment;
  let worker: OutreachStack['worker'];
  let stack: OutreachStack;

  // Real outreach (SMTP capture, SQLite ledger): the live year's confirmations and promise
  // messages go out through the journey, as they would for a real customer.
  beforeAll(async () => {
    stack = await startOutreachStack('kept-three-years-');
    ({ env, worker } = stack);
  });

  afterAll(() => stack.stop());

  it('keeps every run bounded and ends in the exact state', async () => {
    const brand = 'nordhem';
    const customerId = 'c-3y';
    const workflowId = journeyWorkflowId(brand, customerId);
    const startOperation = new WithStartWorkflowOperation<typeof customerJourney>('customerJourney', {
      workflowId,
      taskQueue: worker.taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [{ brand, customerId, maxHistoryEvents: MAX_HISTORY_EVENTS }],
    });
    let sent = 0;
    let sequence = 0;
    const event = (type: string, at: number, fields: Record<string, unknown> = {}): LifecycleEventInput => {
      sequence += 1;
      return {
        type,
        eventId: `e-${sequence}`,
        brand,
        customerId,
        occurredAt: new Date(at).toISOString(),
        ...fields,
      } as LifecycleEventInput;
    };
    const send = async (batch: LifecycleEventInput[], week: number) => {
      sent += batch.length;
      const options = week < LIVE_WEEKS ? {} : { outreach: 'none' as const };
      if (sent === batch.length) {
        await env.client.workflow.executeUpdateWithStart(recordEventsUpdate, {
          args: [batch, options],
          startWorkflowOperation: startOperation,
        });
      } else {
        await new KeptClient({ client: env.client, taskQueue: worker.taskQueue }).recordEvents(batch, options);
      }
    };

    const item = { sku: 'filter', name: 'Water filter', category: 'consumable', price: 12, expectedUseDays: 60 };
    // A live order's delivery arrives with the next week's batch, so its promise is made while it is still ahead.
    let deliveredNextWeek: LifecycleEventInput[] = [];
    for (let week = 0; week < WEEKS; week++) {
      await env.sleep(7 * DAY);
      const weekStart = (await env.currentTimeMs()) - 7 * DAY;
      const batch: LifecycleEventInput[] = deliveredNextWeek;
      deliveredNextWeek = [];
      for (let day = 0; day < 7; day++) {
        batch.push(event('usage.reported', weekStart + day * DAY + 3_600_000, { sku: 'filter', level: week + day }));
        batch.push(event('usage.reported', weekStart + day * DAY + 7_200_000, { sku: 'filter', level: week + day }));
      }
      batch.push(event('product.viewed', weekStart + 5 * DAY, { sku: `sku-${week % 9}` }));
      if (week % 26 === 0) {
        const orderId = `o-${week / 26}`;
        const late = week === 52;
        const live = week < LIVE_WEEKS;
        batch.push(
          event('order.placed', weekStart + DAY, {
            orderId,
            items: [item],
            promisedDeliveryAt: new Date(weekStart + (live ? 10 : 4) * DAY).toISOString(),
          }),
        );
        batch.push(event('shipment.dispatched', weekStart + 2 * DAY, { orderId }));
        if (live) deliveredNextWeek.push(event('shipment.delivered', weekStart + 9 * DAY, { orderId }));
        else batch.push(event('shipment.delivered', weekStart + (late ? 6 : 3) * DAY, { orderId }));
      }
      if (week % 52 === 30) {
        const caseId = `k-${week}`;
        batch.push(event('issue.reported', weekStart + DAY, { caseId, category: 'leak', summary: 'filter leaks' }));
        batch.push(event('case.updated', weekStart + 2 * DAY, { caseId, note: 'replacement sent' }));
        batch.push(
          event('case.resolved', weekStart + 4 * DAY, { caseId, outcome: 'resolved', rootCause: 'seal-batch-7' }),
        );
        batch.push(event('survey.answered', weekStart + 5 * DAY, { caseId, score: 4 }));
      }
      await send(batch, week);
    }

    const handle = env.client.workflow.getHandle(workflowId);
    const state = await handle.query(journeyStateQuery);
    expect(sent).toBeGreaterThan(2_000);
    expect(state.counters).toMatchObject({
      eventsApplied: sent,
      duplicatesIgnored: 0,
      ordersPlaced: 6,
      casesOpened: 3,
      casesResolved: 3,
      surveysAnswered: 3,
      satisfactionTotal: 12,
      productsViewed: WEEKS,
    });
    expect(Object.values(state.orders).map((order) => order.status)).toEqual(Array(6).fill('delivered'));
    expect(state.orders['o-2']!.lateByMs).toBe(2 * DAY);
    expect(Object.values(state.cases).every((item) => item.resolved && item.satisfactionScore === 4)).toBe(true);
    expect(state.stage).toBe('use');
    expect(state.counters.continuedAsNew).toBeGreaterThan(3);

    // The first year's promised delivery dates became promises (implicit), kept when the parcels arrived.
    for (const orderId of ['o-0', 'o-1']) {
      const promise = env.client.workflow.getHandle(promiseWorkflowId(brand, `delivery-${orderId}`));
      expect(await promise.result()).toMatchObject({ outcome: 'kept' });
    }

    const runs = await journeyRuns(env, workflowId);
    expect(runs.length).toBe(state.counters.continuedAsNew + 1);
    expect(Math.max(...runs.map((run) => run.historyLength))).toBeLessThanOrEqual(MAX_HISTORY_EVENTS + HISTORY_SLACK);
    expect(Math.max(...runs.flatMap((run) => run.carriedBytes ?? []))).toBeLessThan(CARRIED_BYTES_BOUND);
  });
});
