import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { caseWorkflowId, orderWorkflowId } from '../common/ids';
import { KeptBrand, KeptCaseId, KeptCustomerId, KeptKind, KeptOrderId } from '../common/search-attributes';
import type { CaseEvent } from '../workflows/case/case-state';
import { caseEventSignal } from '../workflows/case/messages';
import type { OrderEvent } from '../workflows/order/order-state';
import { orderEventSignal } from '../workflows/order/messages';

/** One event for an order or case journey, with everything known so far to (re)start it. */
export type ForwardRequest =
  | {
      kind: 'order';
      brand: string;
      customerId: string;
      journeyWorkflowId: string;
      id: string;
      event: OrderEvent;
      known: OrderEvent[];
    }
  | {
      kind: 'case';
      brand: string;
      customerId: string;
      journeyWorkflowId: string;
      id: string;
      event: CaseEvent;
      known: CaseEvent[];
    };

/**
 * Hands events from a customer journey to its order and case journeys with
 * signal-with-start: a running journey gets the signal, a finished or new one starts
 * with every known event. Safe to retry: order and case journeys apply an event id once.
 *
 * Why not child workflows: an order or case lives for weeks and must outlive the customer
 * journey's continue-as-new. Signal-with-start needs no bookkeeping of which ones run, has
 * no race with one that is just finishing, and (unlike abandoned children) works on the
 * time-skipping test server too.
 */
export function createJourneyForwardingActivities(client: Client) {
  return {
    async forwardToJourneys(requests: ForwardRequest[]): Promise<number> {
      const { taskQueue } = Context.current().info;
      for (const request of requests) await forward(client, taskQueue, request);
      return requests.length;
    },
  };
}

async function forward(client: Client, taskQueue: string, request: ForwardRequest): Promise<void> {
  const common = { brand: request.brand, customerId: request.customerId, journeyWorkflowId: request.journeyWorkflowId };
  const attributes = [
    { key: KeptBrand, value: request.brand },
    { key: KeptCustomerId, value: request.customerId },
  ];
  if (request.kind === 'order') {
    await client.workflow.signalWithStart('orderJourney', {
      workflowId: orderWorkflowId(request.brand, request.id),
      taskQueue,
      args: [{ ...common, orderId: request.id, events: request.known }],
      signal: orderEventSignal,
      signalArgs: [request.event],
      typedSearchAttributes: [
        ...attributes,
        { key: KeptKind, value: 'order' },
        { key: KeptOrderId, value: request.id },
      ],
      staticSummary: `Order ${request.id} of ${request.customerId} at ${request.brand}`,
    });
  } else {
    await client.workflow.signalWithStart('serviceCase', {
      workflowId: caseWorkflowId(request.brand, request.id),
      taskQueue,
      args: [{ ...common, caseId: request.id, events: request.known }],
      signal: caseEventSignal,
      signalArgs: [request.event],
      typedSearchAttributes: [...attributes, { key: KeptKind, value: 'case' }, { key: KeptCaseId, value: request.id }],
      staticSummary: `Service case ${request.id} of ${request.customerId} at ${request.brand}`,
    });
  }
}
