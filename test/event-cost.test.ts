import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { configAnnouncer } from '../client/config-announcer';
import { KeptClient } from '../client/kept-client';
import { loadKeptEnv, projectPath } from '../common/config';
import type { LifecycleEventInput } from '../common/events';
import { journeyWorkflowId, orderWorkflowId, promiseWorkflowId } from '../common/ids';
import { deliveryPromiseId } from '../workflows/journey/implicit-promises';
import { journeyStateQuery } from '../workflows/journey/messages';
import { orderStateQuery } from '../workflows/order/messages';
import { runningPromises } from '../workflows/journey/operator-view';
import { historyCost, timerEvents, type HistoryCost } from './helpers/history-breakdown';
import { startOutreachStack, type OutreachStack } from './helpers/outreach-stack';
import { uniqueTaskQueue } from './helpers/temporal';

/**
 * What one lifecycle event costs in Temporal terms (history events, workflow tasks,
 * activities, markers), counted from the real histories on the dev server once the
 * customer's workflows have settled: Temporal Cloud bills per action, and every workflow
 * task is a round trip worker ↔ server.
 */
jest.setTimeout(120_000);

const brand = 'nordhem';
const DAY = 86_400_000;

let stack: OutreachStack;
let env: TestWorkflowEnvironment;
let kept: KeptClient;
const taskQueue = uniqueTaskQueue('cost');

beforeAll(async () => {
  stack = await startOutreachStack('kept-event-cost-', { taskQueue }, 'dev');
  env = stack.env;
  kept = new KeptClient({ client: env.client, taskQueue });
});

afterAll(() => stack?.stop());

function customerWorkflows(customerId: string, orderId: string): string[] {
  return [
    journeyWorkflowId(brand, customerId),
    orderWorkflowId(brand, orderId),
    promiseWorkflowId(brand, deliveryPromiseId(orderId)),
  ];
}

/** Waits until no workflow of the customer has a task or activity in flight and none changed for a while. */
async function settledCosts(workflowIds: string[]): Promise<Map<string, HistoryCost>> {
  let previous = '';
  for (let attempt = 0; attempt < 120; attempt += 1) {
    const costs = new Map<string, HistoryCost>();
    let busy = false;
    for (const workflowId of workflowIds) {
      const handle = env.client.workflow.getHandle(workflowId);
      const description = await handle.describe().catch(() => undefined);
      if (!description) continue;
      const raw = description.raw;
      if ((raw.pendingActivities?.length ?? 0) > 0 || raw.pendingWorkflowTask) busy = true;
      costs.set(workflowId, await historyCost(env.client, workflowId));
    }
    const fingerprint = JSON.stringify([...costs.entries()].map(([id, cost]) => [id, cost.historyEvents]));
    if (!busy && fingerprint === previous) return costs;
    previous = fingerprint;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`workflows of ${workflowIds.join(', ')} did not settle`);
}

function total(costs: Map<string, HistoryCost>): Omit<HistoryCost, 'kinds' | 'sequence'> & { workflows: number } {
  const values = [...costs.values()];
  const sum = (pick: (cost: HistoryCost) => number) => values.reduce((acc, cost) => acc + pick(cost), 0);
  return {
    workflows: values.length,
    historyEvents: sum((cost) => cost.historyEvents),
    workflowTasks: sum((cost) => cost.workflowTasks),
    activities: sum((cost) => cost.activities),
    markers: sum((cost) => cost.markers),
  };
}

function difference(after: Map<string, HistoryCost>, before: Map<string, HistoryCost>) {
  const [a, b] = [total(after), total(before)];
  return {
    workflows: a.workflows - b.workflows,
    historyEvents: a.historyEvents - b.historyEvents,
    workflowTasks: a.workflowTasks - b.workflowTasks,
    activities: a.activities - b.activities,
    markers: a.markers - b.markers,
  };
}

/** The breakdown, per workflow, for a reader of the test log who wants to know where the cost goes. */
function describeCosts(title: string, costs: Map<string, HistoryCost>): string {
  const lines = [title];
  for (const [workflowId, cost] of costs) {
    lines.push(`  ${workflowId}: ${cost.historyEvents} events, ${cost.workflowTasks} tasks`);
    for (const [kind, count] of Object.entries(cost.kinds)) lines.push(`    ${count} × ${kind}`);
  }
  return lines.join('\n');
}

function orderPlaced(customerId: string, orderId: string, promisedDeliveryAt: string): LifecycleEventInput {
  return {
    type: 'order.placed',
    eventId: `${customerId}-placed`,
    brand,
    customerId,
    occurredAt: new Date().toISOString(),
    orderId,
    items: [{ sku: 'lamp', name: 'Lamp', category: 'lighting', price: 59 }],
    promisedDeliveryAt,
  };
}

function shipmentDispatched(customerId: string, orderId: string): LifecycleEventInput {
  return {
    type: 'shipment.dispatched',
    eventId: `${customerId}-dispatched`,
    brand,
    customerId,
    occurredAt: new Date().toISOString(),
    orderId,
  };
}

function shipmentDelayed(customerId: string, orderId: string, newEstimatedDeliveryAt: string): LifecycleEventInput {
  return {
    type: 'shipment.delayed',
    eventId: `${customerId}-delayed`,
    brand,
    customerId,
    occurredAt: new Date().toISOString(),
    orderId,
    newEstimatedDeliveryAt,
  };
}

function productViewed(customerId: string): LifecycleEventInput {
  return {
    type: 'product.viewed',
    eventId: `${customerId}-viewed`,
    brand,
    customerId,
    occurredAt: new Date().toISOString(),
    sku: 'lamp',
  };
}

describe('the cost of one event', () => {
  test('order.placed with a promised date, then shipment.dispatched, stay within their history budget; a delay starts the order', async () => {
    const customerId = `cost-${Date.now().toString(36)}`;
    const orderId = `o-${customerId}`;
    const workflowIds = customerWorkflows(customerId, orderId);

    await kept.recordEvent(orderPlaced(customerId, orderId, new Date(Date.now() + 3 * DAY).toISOString()));
    const afterPlaced = await settledCosts(workflowIds);
    console.log(describeCosts('after order.placed', afterPlaced));
    if (process.env.KEPT_COST_SEQUENCE)
      for (const [id, cost] of afterPlaced) console.log(`${id}\n  ${cost.sequence.join('\n  ')}`);

    await kept.recordEvent(shipmentDispatched(customerId, orderId));
    const afterDispatched = await settledCosts(workflowIds);
    console.log(describeCosts('after shipment.dispatched', afterDispatched));

    await kept.recordEvent(shipmentDelayed(customerId, orderId, new Date(Date.now() + 5 * DAY).toISOString()));
    const afterDelayed = await settledCosts(workflowIds);
    console.log(describeCosts('after shipment.delayed', afterDelayed));

    const placed = total(afterPlaced);
    const dispatched = difference(afterDispatched, afterPlaced);
    const delayed = difference(afterDelayed, afterDispatched);
    console.log(JSON.stringify({ placed, dispatched, delayed }));

    // The work was done: the order is on its way, late, and its delivery date is an open promise.
    const journey = await env.client.workflow.getHandle(journeyWorkflowId(brand, customerId)).query(journeyStateQuery);
    expect(journey.orders[orderId]?.status).toBe('delayed');
    expect(runningPromises(journey).map(({ promiseId, status }) => ({ promiseId, status }))).toEqual([
      { promiseId: deliveryPromiseId(orderId), status: 'open' },
    ]);

    // Measured on the dev server (journey + order + promise workflows):
    //   order.placed         before 78 events, 8 tasks, 3 activities, 15 markers; after 53, 7, 2, 6;
    //                        without the promise's opening report (madeByJourney) 44, 5, 2, 6
    //                        generation 2 (one round activity, no unchanged upserts) 36, 4, 1, 6
    //                        generation 3 (reads in the round activity, one publish) 32, 4, 1, 4
    //                        generation declared in the input (no patch markers), the order
    //                        started with its event instead of signalled: 25, 4, 1, 1
    //                        generation 4 (a small round is a local activity): 20, 3, 0, 2
    //                        generation 5 (the order waits in the journey): 15, 2, 0, 2
    //   shipment.dispatched  before 29 events, 4 tasks, 2 activities, 3 markers;  after 21-23, 3, 1, 3
    //                        generation 3: 19, 3, 1, 0;  generation 4: 14, 2, 0, 1
    //                        generation 5 (a routine order has no workflow): 9, 1, 0, 1
    //   shipment.delayed     generation 5: the order leaves its routine path, its workflow starts
    // Markers and activities are deterministic. Workflow tasks (3 history events each) depend on
    // whether an activity's completion and a signal arrive in one task (or a slow machine makes
    // a task heartbeat), so the budgets count the events net of tasks beyond one per workflow.
    // The placement starts the journey and the delivery promise; the order waits in the journey.
    expect(placed.workflows).toBe(2);
    expect(afterPlaced.has(orderWorkflowId(brand, orderId))).toBe(false);
    // The markers are the round's local activity and the ledger's; none of the runs asked a patch.
    expect(placed.markers).toBe(2);
    expect([...afterPlaced.values()].filter((cost) => cost.kinds['MarkerRecorded core_patch'])).toEqual([]);
    expect(placed.activities).toBe(0);
    expect(placed.historyEvents - 3 * (placed.workflowTasks - placed.workflows)).toBeLessThanOrEqual(15);
    // The dispatch is the journey's alone: the order is on its routine path.
    expect(dispatched.workflows).toBe(0);
    expect(afterDispatched.has(orderWorkflowId(brand, orderId))).toBe(false);
    expect(dispatched.activities).toBe(0);
    expect(dispatched.markers).toBe(1);
    expect(dispatched.historyEvents - 3 * (dispatched.workflowTasks - 1)).toBeLessThanOrEqual(9);
    // The delay starts the order's workflow, from the journey's state of it.
    expect(delayed.workflows).toBe(1);
    const order = await env.client.workflow.getHandle(orderWorkflowId(brand, orderId)).query(orderStateQuery);
    expect({ status: order.status, events: order.events.map((event) => event.type) }).toEqual({
      status: 'delayed',
      events: ['order.placed', 'shipment.dispatched', 'shipment.delayed'],
    });
  });

  test('an event that leaves the next wake-up where it was leaves its timer pending (generation 9)', async () => {
    // As the API sends events: each says which config its sender read, so the journey reads it only once.
    const configHashOf = configAnnouncer(projectPath(loadKeptEnv().KEPT_PROFILES_DIR));
    const api = new KeptClient({ client: env.client, taskQueue, configHashOf });
    const customerId = `wake-${Date.now().toString(36)}`;
    const orderId = `o-${customerId}`;
    const workflowIds = customerWorkflows(customerId, orderId);
    await api.recordEvent(orderPlaced(customerId, orderId, new Date(Date.now() + 3 * DAY).toISOString()));
    await api.recordEvent(shipmentDispatched(customerId, orderId));
    const afterDispatched = await settledCosts(workflowIds);
    // The dispatch gave the journey a wake-up (its next outreach decision): one pending timer.
    const timers = await timerEvents(env.client, journeyWorkflowId(brand, customerId));
    expect(timers).toHaveLength(1);
    expect(timers[0]).toMatch(/^started /);

    await api.recordEvent(productViewed(customerId));
    const afterViewed = await settledCosts(workflowIds);
    const viewed = difference(afterViewed, afterDispatched);
    console.log(describeCosts('after product.viewed', afterViewed));

    // The same timer, neither cancelled nor started again: the event costs its task and its update.
    expect(await timerEvents(env.client, journeyWorkflowId(brand, customerId))).toEqual(timers);
    expect(viewed.workflows).toBe(0);
    expect(viewed.markers).toBe(0);
    expect(viewed.historyEvents - 3 * (viewed.workflowTasks - 1)).toBeLessThanOrEqual(5);
    const journey = await env.client.workflow.getHandle(journeyWorkflowId(brand, customerId)).query(journeyStateQuery);
    expect(journey.orders[orderId]?.status).toBe('dispatched');
  });
});
