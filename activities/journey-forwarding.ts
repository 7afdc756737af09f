import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { CancelledFailure, type SearchAttributePair } from '@temporalio/common';
import { z } from 'zod';
import { caseWorkflowId, orderWorkflowId } from '../common/ids';
import { KeptBrand, KeptCaseId, KeptCustomerId, KeptKind } from '../common/search-attributes';
import type { CaseEvent, CaseState } from '../workflows/case/case-state';
import { caseEventSignal } from '../workflows/case/messages';
import {
  ORDER_EVENT_WINDOW,
  addOrderEvent,
  foldOrder,
  type OrderEvent,
  type OrderMilestones,
  type OrderState,
} from '../workflows/order/order-state';
import { orderAttributePairs, orderAttributes } from '../workflows/order/order-attributes';
import { orderEventSignal } from '../workflows/order/messages';
import type { OrderJourneyInput } from '../workflows/order/order-workflow';
import { heartbeat } from './heartbeat';
import { startedOnThisGeneration } from '../common/code-generation';
import { eagerStartOptions } from '../client/eager-start';

/**
 * One event for an order or case journey. `known` is what journeys recorded before
 * bounded forwarding sent along (every event so far); today only the new event travels,
 * and an order or case journey that has finished restarts from its previous run's result.
 */
export type ForwardRequest =
  | {
      kind: 'order';
      brand: string;
      customerId: string;
      journeyWorkflowId: string;
      id: string;
      event: OrderEvent;
      known?: OrderEvent[];
      /**
       * The order as the journey held it (generation 5, workflows/journey/held-orders.ts): it
       * has no workflow yet, which starts from this with the event.
       */
      seed?: { events: OrderEvent[]; folded?: OrderMilestones };
      /** The brand's timezone, for the times a new order run shows its operator; absent: UTC. */
      operatorZone?: string;
    }
  | {
      kind: 'case';
      brand: string;
      customerId: string;
      journeyWorkflowId: string;
      id: string;
      event: CaseEvent;
      known?: CaseEvent[];
    };

/** Progress of one attempt, recorded with each heartbeat: how many requests are done. */
const progressSchema = z.number().int().nonnegative();

/**
 * Hands events from a customer journey to its order and case journeys: a signal to the
 * running one, or a new run (seeded with the previous run's state when one finished): an
 * order's starts with the event, a case's is signalled with it at its start. Safe to retry:
 * order and case journeys apply an event id once.
 *
 * Progress is heartbeated after each request, and a retried attempt starts where the last
 * one stopped, so a batch that does not fit in one attempt still completes instead of
 * starting from zero for ever (the journey also sends its outbox in chunks).
 *
 * Why not child workflows: an order or case lives for weeks and must outlive the customer
 * journey's continue-as-new. Starting by id needs no bookkeeping of which ones run, has
 * no race with one that is just finishing, and (unlike abandoned children) works on the
 * time-skipping test server too.
 */
export function createJourneyForwardingActivities(client: Client) {
  return {
    async forwardToJourneys(requests: ForwardRequest[]): Promise<number> {
      const context = Context.current();
      const { taskQueue } = context.info;
      for (let done = resumeFrom(context.info.heartbeatDetails, requests.length); done < requests.length; done++) {
        // A worker shutting down cancels the attempt: stop between requests, the heartbeat says where.
        if (context.cancellationSignal.aborted) throw new CancelledFailure('forwarding cancelled; will resume');
        await forward(client, taskQueue, requests[done]!);
        heartbeat(done + 1);
      }
      return requests.length;
    },
  };
}

function resumeFrom(details: unknown, total: number): number {
  const progress = progressSchema.safeParse(details);
  return progress.success ? Math.min(progress.data, total) : 0;
}

async function forward(client: Client, taskQueue: string, request: ForwardRequest): Promise<void> {
  const workflowId =
    request.kind === 'order' ? orderWorkflowId(request.brand, request.id) : caseWorkflowId(request.brand, request.id);
  if (request.kind === 'order' && request.seed) {
    const { events, folded } = request.seed;
    await startOrder(client, taskQueue, workflowId, request, orderInput(request, { events, folded }));
    return;
  }
  if (!request.known) {
    try {
      const handle = client.workflow.getHandle(workflowId);
      if (request.kind === 'order') await handle.signal(orderEventSignal, request.event);
      else await handle.signal(caseEventSignal, request.event);
      return;
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
  await startRun(client, taskQueue, workflowId, request);
}

/** A new run: with the events sent along (older journeys), else where the previous run ended. */
async function startRun(client: Client, taskQueue: string, workflowId: string, request: ForwardRequest) {
  const common = { brand: request.brand, customerId: request.customerId, journeyWorkflowId: request.journeyWorkflowId };
  const attributes = [
    { key: KeptBrand, value: request.brand },
    { key: KeptCustomerId, value: request.customerId },
  ];
  const previous = request.known ? undefined : await previousResult(client, workflowId);
  const seed = request.known ? { events: request.known } : { events: previous?.events ?? [], folded: previous?.folded };
  if (request.kind === 'order') {
    const orderSeed = seed as { events: OrderEvent[]; folded?: OrderMilestones };
    await startOrder(client, taskQueue, workflowId, request, orderInput(request, orderSeed));
  } else {
    await client.workflow.signalWithStart('serviceCase', {
      workflowId,
      taskQueue,
      args: [{ ...common, caseId: request.id, ...(seed as { events: CaseEvent[] }) }],
      signal: caseEventSignal,
      signalArgs: [request.event],
      typedSearchAttributes: [...attributes, { key: KeptKind, value: 'case' }, { key: KeptCaseId, value: request.id }],
      staticSummary: `Service case ${request.id} of ${request.customerId} at ${request.brand}`,
    });
  }
}

/** A new order run's input: the seed (the previous run's end, or the journey's state) with the event. */
function orderInput(
  request: Extract<ForwardRequest, { kind: 'order' }>,
  seed: { events: OrderEvent[]; folded?: OrderMilestones },
): OrderJourneyInput {
  return {
    brand: request.brand,
    customerId: request.customerId,
    journeyWorkflowId: request.journeyWorkflowId,
    orderId: request.id,
    events: withEvent(seed.events, request.event),
    ...(seed.folded ? { folded: seed.folded } : {}),
    ...(request.operatorZone ? { operatorZone: request.operatorZone } : {}),
    ...startedOnThisGeneration,
  };
}

/**
 * A new order run starts with the event among its events, not signalled with it: the same
 * state from its first task, one history event fewer. A run that started meanwhile (a retried
 * attempt whose start went through) gets the event as a signal; it applies an event id once.
 */
async function startOrder(
  client: Client,
  taskQueue: string,
  workflowId: string,
  request: Extract<ForwardRequest, { kind: 'order' }>,
  input: OrderJourneyInput,
): Promise<void> {
  try {
    await client.workflow.start('orderJourney', {
      workflowId,
      taskQueue,
      ...eagerStartOptions(client),
      args: [input],
      typedSearchAttributes: orderStartAttributes(request, input),
      staticSummary: `Order ${request.id} of ${request.customerId} at ${request.brand}`,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    await client.workflow.getHandle(workflowId).signal(orderEventSignal, request.event);
  }
}

/** The events with this one added, unless it is among them already (a restart's seed may hold it). */
function withEvent(events: OrderEvent[], event: OrderEvent): OrderEvent[] {
  return events.some((known) => known.eventId === event.eventId) ? events : [...events, event];
}

/**
 * The order's attributes once it has the event, as the order workflow computes them: started
 * with them, its first task has nothing to upsert (generation 2 writes only what changed).
 */
function orderStartAttributes(
  request: Extract<ForwardRequest, { kind: 'order' }>,
  seed: { events: OrderEvent[]; folded?: OrderMilestones },
): SearchAttributePair[] {
  const options = { window: ORDER_EVENT_WINDOW };
  const order = addOrderEvent(foldOrder(request.id, seed.events, seed.folded, options), request.event, options);
  const pairs = orderAttributePairs({ ...request, orderId: request.id }, orderAttributes(order, false));
  return pairs.filter(
    (pair) => pair.value !== null && !(Array.isArray(pair.value) && pair.value.length === 0),
  ) as SearchAttributePair[];
}

/** What the order or case journey ended with, if a run of it completed; nothing for a new one. */
async function previousResult(
  client: Client,
  workflowId: string,
): Promise<Pick<OrderState | CaseState, 'events' | 'folded'> | undefined> {
  try {
    const handle = client.workflow.getHandle(workflowId);
    const { status } = await handle.describe();
    if (status.name !== 'COMPLETED') return undefined;
    return (await handle.result()) as OrderState | CaseState;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}
