import { WithStartWorkflowOperation } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { KeptClient } from '../client/kept-client';
import type { LifecycleEventInput } from '../common/events';
import { journeyWorkflowId, orderWorkflowId } from '../common/ids';
import { orderCount } from '../workflows/journey/archive';
import type { customerJourney } from '../workflows/journey/journey-workflow';
import { journeyStateQuery, recordEventsUpdate } from '../workflows/journey/messages';
import { orderStateQuery } from '../workflows/order/messages';
import { journeyRuns } from './helpers/journey-runs';
import { startOutreachStack, type OutreachStack } from './helpers/outreach-stack';

/**
 * The heaviest customer we plan for, on the time-skipping server: ten years, 200 orders,
 * 50 service cases, 20,000 events, the nordhem profile. The bounds we state and check:
 *  - the state a run carries into the next (the continue-as-new input) stays under
 *    CARRIED_BYTES_BOUND, however long the customer has been with the brand;
 *  - no run's history exceeds MAX_HISTORY_EVENTS + HISTORY_SLACK (the events one workflow
 *    task can add after the check: an update batch, its forwarding chunks and planning).
 */
const CARRIED_BYTES_BOUND = 128 * 1024;
// Low, so the customer's ten years take several runs: since generation 4 a small round costs a
// marker, not an activity and a workflow task, and 400 events held the whole decade in four runs.
const MAX_HISTORY_EVENTS = 250;
const HISTORY_SLACK = 80;
const DAY = 24 * 60 * 60 * 1000;
const BATCHES = 200;
const EVENTS_PER_BATCH = 100;
const PERIOD = (3652 * DAY) / BATCHES;
/**
 * The first year is live traffic: the journey plans outreach and makes its implicit promises.
 * (Later years are imported history: the promise capacity check counts business days from the
 * worker's wall clock, which the time-skipping server's clock leaves years behind.)
 */
const LIVE_BATCHES = 20;

describe('a ten-year customer with 200 orders and 50 cases', () => {
  let env: TestWorkflowEnvironment;
  let worker: OutreachStack['worker'];
  let stack: OutreachStack;

  // Real outreach (SMTP capture, SQLite ledger): the live part's messages go out as they would.
  beforeAll(async () => {
    stack = await startOutreachStack('kept-bounded-');
    ({ env, worker } = stack);
  });

  afterAll(() => stack.stop());

  it('carries a bounded state and keeps predictions and stage right', async () => {
    const brand = 'nordhem';
    const customerId = 'c-heavy';
    const workflowId = journeyWorkflowId(brand, customerId);
    const kept = new KeptClient({ client: env.client, taskQueue: worker.taskQueue });
    let sequence = 0;
    const event = (type: string, at: number, fields: Record<string, unknown> = {}): LifecycleEventInput => {
      sequence += 1;
      const occurredAt = new Date(at).toISOString();
      return { type, eventId: `e-${sequence}`, brand, customerId, occurredAt, ...fields } as LifecycleEventInput;
    };
    const coffeeOrders: number[] = [];

    for (let batch = 0; batch < BATCHES; batch++) {
      await env.sleep(PERIOD);
      const start = (await env.currentTimeMs()) - PERIOD;
      const events = [
        ...orderEvents(batch, start, event, coffeeOrders),
        ...(batch % 4 === 0 ? caseEvents(batch, start, event) : []),
      ];
      for (let n = 0; events.length < EVENTS_PER_BATCH; n++) {
        events.push(event('usage.reported', start + 6 * DAY + n * 60_000, { sku: 'coffee', level: n }));
      }
      const options = batch < LIVE_BATCHES ? {} : { outreach: 'none' as const };
      if (batch === 0) {
        await env.client.workflow.executeUpdateWithStart(recordEventsUpdate, {
          args: [events, options],
          startWorkflowOperation: new WithStartWorkflowOperation<typeof customerJourney>('customerJourney', {
            workflowId,
            taskQueue: worker.taskQueue,
            workflowIdConflictPolicy: 'USE_EXISTING',
            args: [{ brand, customerId, maxHistoryEvents: MAX_HISTORY_EVENTS }],
          }),
        });
      } else await kept.recordEvents(events, options);
    }

    const state = await env.client.workflow.getHandle(workflowId).query(journeyStateQuery);
    expect(state.counters).toMatchObject({
      eventsApplied: BATCHES * EVENTS_PER_BATCH,
      duplicatesIgnored: 0,
      ordersPlaced: 200,
      casesOpened: 50,
      casesResolved: 50,
      surveysAnswered: 50,
    });
    expect(orderCount(state)).toBe(200);
    expect(state.stage).toBe('use');
    // The coffee is re-ordered every other batch: the prediction is the last order + that cadence.
    const lastCoffee = coffeeOrders.at(-1)!;
    const replenish = state.predictedNeeds.find((need) => need.kind === 'replenish' && need.sku === 'coffee');
    expect(replenish?.method).toBe('own-intervals');
    expect(Math.abs(Date.parse(replenish!.at) - (lastCoffee + 2 * PERIOD))).toBeLessThan(DAY);
    // The sofa's warranty still runs: its order stays whole, and the warranty is predicted.
    expect(state.predictedNeeds.some((need) => need.kind === 'warranty-ending' && need.orderId === 'o-150')).toBe(true);
    // The long case kept its latest events, and its older updates still count.
    const longCase = state.cases['k-196'];
    expect(longCase).toMatchObject({ updates: 40, status: 'resolved', satisfactionScore: 5 });
    expect(longCase!.events.length).toBeLessThanOrEqual(20);
    // An order journey gets only the new events, and knows the whole order.
    const lastOrder = await env.client.workflow.getHandle(orderWorkflowId(brand, 'o-199')).query(orderStateQuery);
    expect(lastOrder).toMatchObject({ status: 'delivered', items: [{ sku: 'coffee' }] });

    const runs = await journeyRuns(env, workflowId);
    expect(runs.length).toBe(state.counters.continuedAsNew + 1);
    const carried = runs.flatMap((run) => run.carriedBytes ?? []);
    console.log(
      `heavy customer: ${runs.length} runs; carried bytes max ${Math.max(...carried)}, last ${carried.at(-1)}; history max ${Math.max(...runs.map((run) => run.historyLength))}`,
    );
    expect(runs.length).toBeGreaterThan(5);
    expect(Math.max(...carried)).toBeLessThan(CARRIED_BYTES_BOUND);
    expect(Math.max(...runs.map((run) => run.historyLength))).toBeLessThanOrEqual(MAX_HISTORY_EVENTS + HISTORY_SLACK);
  }, 600_000);
});

type MakeEvent = (type: string, at: number, fields?: Record<string, unknown>) => LifecycleEventInput;

const coffee = { sku: 'coffee', name: 'Coffee beans', category: 'consumable', price: 14, expectedUseDays: 30 };
const filter = { sku: 'filter', name: 'Water filter', category: 'consumable', price: 12, expectedUseDays: 60 };

/** One order per batch: coffee and filters alternate; o-150 is a sofa with a fifteen-year warranty. */
function orderEvents(batch: number, start: number, event: MakeEvent, coffeeOrders: number[]): LifecycleEventInput[] {
  const orderId = `o-${batch}`;
  const placedAt = start + DAY;
  const sofa = {
    sku: 'sofa',
    name: 'Sofa',
    category: 'furniture',
    price: 900,
    warrantyEndsAt: new Date(placedAt + 15 * 365 * DAY).toISOString(),
  };
  const item = batch === 150 ? sofa : batch % 2 === 1 ? coffee : filter;
  if (item === coffee) coffeeOrders.push(placedAt);
  const late = batch % 10 === 3;
  return [
    event('order.placed', placedAt, {
      orderId,
      items: [item],
      promisedDeliveryAt: new Date(start + 5 * DAY).toISOString(),
    }),
    event('shipment.dispatched', start + 2 * DAY, { orderId }),
    ...(late
      ? [
          event('shipment.delayed', start + 3 * DAY, {
            orderId,
            newEstimatedDeliveryAt: new Date(start + 7 * DAY).toISOString(),
          }),
        ]
      : []),
    event('shipment.delivered', start + (late ? 7 : 4) * DAY, { orderId }),
  ];
}

/** A case every fourth batch; the last one (k-196) drags on with forty updates. */
function caseEvents(batch: number, start: number, event: MakeEvent): LifecycleEventInput[] {
  const caseId = `k-${batch}`;
  const updates = batch === 196 ? 40 : 2;
  return [
    event('issue.reported', start + 2 * DAY, { caseId, category: 'leak', summary: 'it leaks' }),
    ...Array.from({ length: updates }, (_, n) =>
      event('case.updated', start + 2 * DAY + (n + 1) * 3_600_000, { caseId, note: `update ${n + 1}` }),
    ),
    event('case.resolved', start + 5 * DAY, { caseId, outcome: 'resolved', rootCause: `cause-${batch % 7}` }),
    event('survey.answered', start + 5 * DAY + 3_600_000, { caseId, score: batch === 196 ? 5 : 4 }),
  ];
}
