import { WorkflowNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { KeptClient } from '../client/kept-client';
import { OwnershipConflictError } from '../client/ownership';
import type { LifecycleEventInput } from '../common/events';
import { journeyWorkflowId, orderWorkflowId, promiseWorkflowId } from '../common/ids';
import { KeptCustomerId, KeptFlags, KeptKind, KeptStatus } from '../common/search-attributes';
import { deliveryPromiseId } from '../workflows/journey/implicit-promises';
import { recordEventUpdate } from '../workflows/journey/messages';
import { journeyDetails } from '../workflows/journey/summary';
import { orderStateQuery } from '../workflows/order/messages';
import { promiseStateQuery } from '../workflows/promise/messages';
import { timerEvents } from './helpers/history-breakdown';
import { journeyRuns } from './helpers/journey-runs';
import { startOutreachStack, type OutreachStack } from './helpers/outreach-stack';
import { uniqueTaskQueue, settleOn } from './helpers/temporal';
import { wallTime } from './helpers/wall-time';

/**
 * Generation 5 (workflows/journey/held-orders.ts): an order with a delivery promise lives in its
 * journey, without a workflow of its own, while nothing goes wrong with it. On the time-skipping
 * server, with a real SMTP capture server and delivery ledger: a routine order never has one;
 * an order that leaves its routine path (a delay, a failed payment or delivery) or whose promise
 * breaches gets one, once, with every event the journey held, whatever order they arrived in,
 * and every later event; one whose promise cannot be made has one at once; another customer
 * cannot claim a held order; and a journey that placed its order on generation 4 goes on after
 * continuing as new onto generation 5.
 */
jest.setTimeout(120_000);

const brand = 'nordhem';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const items = [{ sku: 'lamp', name: 'Lamp', category: 'lighting', price: 59 }];

let stack: OutreachStack;
let env: TestWorkflowEnvironment;
let kept: KeptClient;
const taskQueue = uniqueTaskQueue('held-orders');

beforeAll(async () => {
  stack = await startOutreachStack('kept-held-orders-', { taskQueue });
  env = stack.env;
  kept = new KeptClient({ client: env.client, taskQueue });
});

afterAll(() => stack?.stop());

const iso = (ms: number): string => new Date(ms).toISOString();
const serverNow = (): Promise<number> => env.currentTimeMs();

function orderEvent(
  customerId: string,
  orderId: string,
  type: string,
  at: number,
  fields: Record<string, unknown> = {},
) {
  return {
    type,
    eventId: `${orderId}-${type}`,
    brand,
    customerId,
    occurredAt: iso(at),
    orderId,
    ...fields,
  } as LifecycleEventInput;
}

const placed = (customerId: string, orderId: string, at: number, promisedAt: number) =>
  orderEvent(customerId, orderId, 'order.placed', at, { items, promisedDeliveryAt: iso(promisedAt) });

/** The order workflow's description, or undefined while it has none. */
async function orderWorkflow(orderId: string) {
  try {
    return await env.client.workflow.getHandle(orderWorkflowId(brand, orderId)).describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

/** Lets the journey's rounds and the workflows they start run, until `done` says so. */
const settle = (what: string, done: () => Promise<boolean>) => settleOn(env, what, done);

const deliveryPromiseOpen = async (customerId: string, orderId: string) =>
  (await kept.getJourney(brand, customerId)).implicitPromises?.confirmed[deliveryPromiseId(orderId)]?.status === 'open';

/** Places an order promised in three days and waits until its delivery promise is open. */
async function placeWithOpenPromise(customerId: string, orderId: string, now: number): Promise<void> {
  await kept.recordEvent(placed(customerId, orderId, now, now + 3 * DAY));
  await settle('the delivery promise is open', () => deliveryPromiseOpen(customerId, orderId));
}

const orderEventTypes = async (orderId: string) =>
  (await env.client.workflow.getHandle(orderWorkflowId(brand, orderId)).query(orderStateQuery)).events.map(
    (event) => event.type,
  );

describe('an order held in its journey', () => {
  it('has no workflow of its own on its routine path: placed, dispatched, delivered', async () => {
    const [customerId, orderId] = ['c-routine', 'o-routine'];
    const now = await serverNow();
    await placeWithOpenPromise(customerId, orderId, now);
    await kept.recordEvent(orderEvent(customerId, orderId, 'shipment.dispatched', now + HOUR));
    await kept.recordEvent(orderEvent(customerId, orderId, 'shipment.delivered', now + DAY));
    const promiseStatus = async () =>
      (await kept.getJourney(brand, customerId)).implicitPromises?.confirmed[deliveryPromiseId(orderId)]?.status;
    await settle('the delivery promise is kept', async () => (await promiseStatus()) === 'kept');

    expect(await orderWorkflow(orderId)).toBeUndefined();
    const journey = await kept.getJourney(brand, customerId);
    expect(journey.orders[orderId]?.status).toBe('delivered');
    expect(journey.heldOrders).toEqual([orderId]);
  });

  it('gets its workflow, with every event so far, when the carrier reports a delay; later events follow', async () => {
    const [customerId, orderId] = ['c-held-delayed', 'o-held-delayed'];
    const now = await serverNow();
    await kept.recordEvent(placed(customerId, orderId, now, now + 3 * DAY));
    await kept.recordEvent(orderEvent(customerId, orderId, 'shipment.dispatched', now + HOUR));
    await settle('the delivery promise is open', () => deliveryPromiseOpen(customerId, orderId));
    expect(await orderWorkflow(orderId)).toBeUndefined();

    await kept.recordEvent(
      orderEvent(customerId, orderId, 'shipment.delayed', now + 2 * HOUR, {
        newEstimatedDeliveryAt: iso(now + 5 * DAY),
      }),
    );
    await settle('the order has its workflow', async () => (await orderWorkflow(orderId)) !== undefined);
    const order = (await orderWorkflow(orderId))!;
    expect({
      kind: order.typedSearchAttributes.get(KeptKind),
      customer: order.typedSearchAttributes.get(KeptCustomerId),
      status: order.typedSearchAttributes.get(KeptStatus),
      flags: order.typedSearchAttributes.get(KeptFlags),
    }).toEqual({ kind: 'order', customer: customerId, status: 'delayed', flags: ['late'] });
    expect(await orderEventTypes(orderId)).toEqual(['order.placed', 'shipment.dispatched', 'shipment.delayed']);
    // It watches the promised date; its timer tells the operator when in the brand's time (London).
    const [firstTimer] = await timerEvents(env.client, orderWorkflowId(brand, orderId));
    expect(firstTimer).toBe(`started promised delivery ${wallTime(now + 3 * DAY, 'Europe/London')}`);

    // Back on its way and delivered: the order's workflow hears of it, though the status is routine again.
    await kept.recordEvent(orderEvent(customerId, orderId, 'shipment.delivered', now + 4 * DAY));
    await settle('the order is delivered', async () => (await orderEventTypes(orderId)).length === 4);
    expect((await orderWorkflow(orderId))!.typedSearchAttributes.get(KeptStatus)).toBe('delivered');
  });

  it('is flagged late, in a workflow of its own, when its delivery promise breaches', async () => {
    const [customerId, orderId] = ['c-held-late', 'o-held-late'];
    const now = await serverNow();
    await kept.recordEvent(placed(customerId, orderId, now, now + 2 * DAY));
    await kept.recordEvent(orderEvent(customerId, orderId, 'shipment.dispatched', now + HOUR));
    await settle('the delivery promise is open', () => deliveryPromiseOpen(customerId, orderId));
    expect(await orderWorkflow(orderId)).toBeUndefined();

    await env.sleep(3 * DAY);
    await settle('the late order has its workflow, flagged late', async () => {
      const order = await orderWorkflow(orderId);
      return (order?.typedSearchAttributes.get(KeptFlags) ?? []).includes('late');
    });
    expect((await orderWorkflow(orderId))!.typedSearchAttributes.get(KeptStatus)).toBe('dispatched');
    expect(await orderEventTypes(orderId)).toEqual(['order.placed', 'shipment.dispatched']);
  });

  it.each([
    ['a brand without a service profile', 'plainco', 2 * DAY],
    ['a date past the promise horizon', brand, 3 * 365 * DAY],
  ])('has its workflow at once when its delivery promise cannot be made: %s', async (_, orderBrand, promisedIn) => {
    const [customerId, orderId] = [`c-unpromised-${orderBrand}`, `o-unpromised-${orderBrand}`];
    const now = await serverNow();
    await kept.recordEvent({ ...placed(customerId, orderId, now, now + promisedIn), brand: orderBrand });
    const order = () => env.client.workflow.getHandle(orderWorkflowId(orderBrand, orderId));
    await settle(
      'the order has its workflow',
      async () =>
        (await order()
          .describe()
          .catch(() => undefined)) !== undefined,
    );
    expect((await order().query(orderStateQuery)).events.map((event) => event.type)).toEqual(['order.placed']);
    const journey = await kept.getJourney(orderBrand, customerId);
    expect(journey.implicitPromises?.confirmed[deliveryPromiseId(orderId)]?.status).toBe('none');
    expect(journey.heldOrders ?? []).toEqual([]);
  });

  it('starts its workflow once when placement, dispatch and a failed delivery come in one batch', async () => {
    const [customerId, orderId] = ['c-held-batch', 'o-held-batch'];
    const now = await serverNow();
    // Sent newest first: the client sorts by occurredAt, and the journey applies them so.
    await kept.recordEvents([
      orderEvent(customerId, orderId, 'delivery.failed', now, { reason: 'nobody at home' }),
      orderEvent(customerId, orderId, 'shipment.dispatched', now - DAY),
      placed(customerId, orderId, now - 2 * DAY, now + DAY),
    ]);
    await settle('the order has its workflow', async () => (await orderWorkflow(orderId)) !== undefined);
    await settle('the order has all three events', async () => (await orderEventTypes(orderId)).length === 3);
    expect(await orderEventTypes(orderId)).toEqual(['order.placed', 'shipment.dispatched', 'delivery.failed']);
    expect((await orderWorkflow(orderId))!.typedSearchAttributes.get(KeptStatus)).toBe('delivery-failed');
  });

  it('is not held when the dispatch came first: the placement follows it to the workflow', async () => {
    const [customerId, orderId] = ['c-held-reversed', 'o-held-reversed'];
    const now = await serverNow();
    await kept.recordEvent(orderEvent(customerId, orderId, 'shipment.dispatched', now));
    await settle('the order has its workflow', async () => (await orderWorkflow(orderId)) !== undefined);
    await kept.recordEvent(placed(customerId, orderId, now - HOUR, now + 2 * DAY));
    await settle('the order has both events', async () => (await orderEventTypes(orderId)).length === 2);
    expect(await orderEventTypes(orderId)).toEqual(['order.placed', 'shipment.dispatched']);
  });

  it("refuses another customer's event for a held order, before and after its delivery", async () => {
    const orderId = 'o-held-owned';
    const now = await serverNow();
    await placeWithOpenPromise('c-owner', orderId, now);
    expect(await orderWorkflow(orderId)).toBeUndefined();
    const intrude = () =>
      kept.recordEvent({
        ...orderEvent('c-intruder', orderId, 'shipment.delivered', now),
        eventId: `x-${Date.now()}`,
      });
    await expect(intrude()).rejects.toBeInstanceOf(OwnershipConflictError);

    await kept.recordEvent(orderEvent('c-owner', orderId, 'shipment.delivered', now + DAY));
    await settle('the delivery promise is kept', async () => {
      const journey = await kept.getJourney(brand, 'c-owner');
      return journey.implicitPromises?.confirmed[deliveryPromiseId(orderId)]?.status === 'kept';
    });
    await expect(intrude()).rejects.toBeInstanceOf(OwnershipConflictError);
    await expect(kept.hasJourney(brand, 'c-intruder')).resolves.toBe(false);
    expect(await orderWorkflow(orderId)).toBeUndefined();
  });

  it('asks no describe for an order its journey knows or whose owner it has found, and gives the same answers', async () => {
    const orderId = 'o-held-known';
    const now = await serverNow();
    // A client of its own, so the owners other tests' events found are not known to it.
    const client = new KeptClient({ client: env.client, taskQueue });
    await client.recordEvent(placed('c-known', orderId, now, now + 3 * DAY));
    await settle('the delivery promise is open', () => deliveryPromiseOpen('c-known', orderId));
    const describes = jest.spyOn(env.client.workflowService, 'describeWorkflowExecution');
    try {
      // The journey knows the order it placed: it vouches, nobody is asked.
      await client.recordEvent(orderEvent('c-known', orderId, 'shipment.dispatched', now + HOUR));
      await client.recordEvent(orderEvent('c-known', orderId, 'shipment.delivered', now + DAY));
      expect(describes).not.toHaveBeenCalled();
      // Vouched for, so known: another customer is refused without a describe either.
      const intruder = { ...orderEvent('c-intruder-2', orderId, 'shipment.delivered', now), eventId: 'x-known' };
      await expect(client.recordEvent(intruder)).rejects.toBeInstanceOf(OwnershipConflictError);
      expect(describes).not.toHaveBeenCalled();
    } finally {
      describes.mockRestore();
    }
    await expect(kept.hasJourney(brand, 'c-intruder-2')).resolves.toBe(false);
    expect((await kept.getJourney(brand, 'c-known')).orders[orderId]?.status).toBe('delivered');
  });

  it("refuses another customer's follow-up event that the intruder's own journey cannot vouch for", async () => {
    const [orderId, intruderOrderId] = ['o-held-vouch', 'o-intruder-own'];
    const now = await serverNow();
    await placeWithOpenPromise('c-vouch-owner', orderId, now);
    // The intruder has a journey of its own (its own order), so the event reaches it first.
    await kept.recordEvent(placed('c-vouch-intruder', intruderOrderId, now, now + 3 * DAY));
    const intruderHistory = () =>
      env.client.workflow.getHandle(journeyWorkflowId(brand, 'c-vouch-intruder')).fetchHistory();
    const updatesBefore = (await intruderHistory()).events!.filter(
      (e) => e.workflowExecutionUpdateAcceptedEventAttributes,
    );
    // A client that has found no owner: only the describe after the journey's refusal can say.
    const fresh = new KeptClient({ client: env.client, taskQueue });
    const intrusion = {
      ...orderEvent('c-vouch-intruder', orderId, 'shipment.delivered', now + HOUR),
      eventId: 'x-vouch',
    };
    await expect(fresh.recordEvent(intrusion)).rejects.toBeInstanceOf(OwnershipConflictError);
    const updatesAfter = (await intruderHistory()).events!.filter(
      (e) => e.workflowExecutionUpdateAcceptedEventAttributes,
    );
    expect(updatesAfter).toHaveLength(updatesBefore.length);
    expect((await kept.getJourney(brand, 'c-vouch-intruder')).orders[orderId]).toBeUndefined();
    // And a customer's event for an order nobody has yet (dispatch before placement) still lands.
    const early = orderEvent('c-vouch-intruder', 'o-early', 'shipment.dispatched', now + HOUR);
    await expect(fresh.recordEvent(early)).resolves.toMatchObject({ applied: true });
  });

  it('neither vouches for nor keeps an order that another customer placed in the same instant', async () => {
    const [orderId, ownOrderId] = ['o-held-race', 'o-race-own'];
    const now = await serverNow();
    await placeWithOpenPromise('c-race-first', orderId, now);
    await kept.recordEvent(placed('c-race-second', ownOrderId, now, now + 3 * DAY));
    // The race README "Order and case ids" leaves: the second customer's placement of the same
    // id passed the check before the first's promise existed (sent here past the check).
    const second = env.client.workflow.getHandle(journeyWorkflowId(brand, 'c-race-second'));
    const raced = (type: string, at: number, fields: Record<string, unknown> = {}) =>
      second.executeUpdate(recordEventUpdate, {
        args: [{ ...orderEvent('c-race-second', orderId, type, at, fields), eventId: `race-${type}` }],
      });
    await raced('order.placed', now, { items, promisedDeliveryAt: iso(now + 4 * DAY) });
    await settle("the second journey learns that the order's promise is another customer's", async () => {
      const journey = await kept.getJourney(brand, 'c-race-second');
      return journey.implicitPromises?.confirmed[deliveryPromiseId(orderId)]?.status === 'foreign';
    });

    // Operators see it: a flag to search by, and a warning in the journey's details.
    const flags = (await second.describe()).typedSearchAttributes.get(KeptFlags) ?? [];
    expect(flags).toContain('id-conflict');
    expect(journeyDetails(await kept.getJourney(brand, 'c-race-second'))).toContain(
      `Promise delivery-${orderId} belongs to another customer`,
    );
    const first = env.client.workflow.getHandle(journeyWorkflowId(brand, 'c-race-first'));
    expect((await first.describe()).typedSearchAttributes.get(KeptFlags) ?? []).not.toContain('id-conflict');

    // Its journey does not vouch, so the describe answers: the first customer's.
    const fresh = new KeptClient({ client: env.client, taskQueue });
    const later = orderEvent('c-race-second', orderId, 'shipment.dispatched', now + HOUR);
    await expect(fresh.recordEvent(later)).rejects.toBeInstanceOf(OwnershipConflictError);
    // A delivery the second journey took in the race keeps nothing of the first customer's.
    await raced('shipment.delivered', now + 2 * HOUR);
    await settle('the second journey has applied its delivery', async () => {
      const journey = await kept.getJourney(brand, 'c-race-second');
      return journey.orders[orderId]?.status === 'delivered' && journey.implicitPromises?.failing.length === 0;
    });
    const promise = env.client.workflow.getHandle(promiseWorkflowId(brand, deliveryPromiseId(orderId)));
    expect((await promise.query(promiseStateQuery)).status).toBe('open');
    await expect(deliveryPromiseOpen('c-race-first', orderId)).resolves.toBe(true);
  });

  it('reaches an order a generation-4 run started, after the journey continued as new onto generation 5', async () => {
    const [customerId, orderId] = ['c-held-upgrade', 'o-held-upgrade'];
    const workflowId = journeyWorkflowId(brand, customerId);
    // Started as a generation-4 client would, with a history bound that a few events pass.
    await env.client.workflow.start('customerJourney', {
      workflowId,
      taskQueue,
      args: [{ brand, customerId, codeGeneration: 4, maxHistoryEvents: 40 }],
    });
    const now = await serverNow();
    await kept.recordEvent(placed(customerId, orderId, now, now + 3 * DAY));
    await settle('generation 4 started the order', async () => (await orderWorkflow(orderId)) !== undefined);
    for (let view = 0; (await journeyRuns(env, workflowId)).length < 2; view++) {
      expect(view).toBeLessThan(20);
      await kept.recordEvent({
        type: 'product.viewed',
        eventId: `${customerId}-view-${view}`,
        brand,
        customerId,
        occurredAt: iso(now + view * 1000),
        sku: 'lamp',
      } as LifecycleEventInput);
    }

    await kept.recordEvent(orderEvent(customerId, orderId, 'shipment.dispatched', now + HOUR));
    await settle('the order has its dispatch', async () => (await orderEventTypes(orderId)).length === 2);
    expect(await orderEventTypes(orderId)).toEqual(['order.placed', 'shipment.dispatched']);
    const promise = await env.client.workflow
      .getHandle(promiseWorkflowId(brand, deliveryPromiseId(orderId)))
      .describe();
    expect(promise.status.name).toBe('RUNNING');
  });
});
