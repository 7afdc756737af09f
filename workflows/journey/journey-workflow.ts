import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { parseEventBatch, parseLifecycleEvent, type LifecycleEvent } from '../../common/events';
import { caseWorkflowId, orderWorkflowId } from '../../common/ids';
import {
  KeptBrand,
  KeptCustomerId,
  KeptFlags,
  KeptKind,
  KeptNextDueAt,
  KeptOpenCases,
  KeptOpenPromises,
  KeptStage,
} from '../../common/search-attributes';
import { caseEventSignal } from '../case/messages';
import { serviceCase } from '../case/case-workflow';
import type { CaseEvent } from '../case/case-state';
import { orderEventSignal } from '../order/messages';
import { orderJourney } from '../order/order-workflow';
import type { OrderEvent } from '../order/order-state';
import { childClosedSignal, journeyStateQuery, recordEventsUpdate, recordEventUpdate } from './messages';
import { applyEvent, initialJourneyState, openCaseCount, type ChildRoute, type JourneyState } from './state';
import { journeyDetails, journeySummary } from './summary';

export interface CustomerJourneyInput {
  brand: string;
  customerId: string;
  /** Carried across continue-as-new. */
  carried?: CarriedState;
  /** Continue-as-new once history reaches this many events (the SDK may suggest it earlier). */
  maxHistoryEvents?: number;
}

interface CarriedState {
  state: JourneyState;
  /** Events accepted but not yet forwarded to their order or case journey. */
  outbox: ChildRoute[];
  /** Order and case journeys known to be running, as `order:<id>` / `case:<id>`. */
  runningChildren: string[];
}

const DEFAULT_MAX_HISTORY_EVENTS = 10_000;

/**
 * One durable journey per (brand, customer): the entity every lifecycle event lands on.
 * Events arrive as updates whose validators reject malformed input before anything is
 * written to history; the handlers apply them synchronously (so a reply says the new stage)
 * and leave the forwarding to order and case journeys to the main loop, one at a time.
 */
export async function customerJourney(input: CustomerJourneyInput): Promise<void> {
  const carried: CarriedState = input.carried ?? {
    state: initialJourneyState(input.brand, input.customerId, new Date().toISOString()),
    outbox: [],
    runningChildren: [],
  };
  const { state, outbox } = carried;
  const running = new Set(carried.runningChildren);
  const publisher = new Publisher();

  setHandler(journeyStateQuery, () => state);
  setHandler(
    recordEventUpdate,
    (raw) => {
      const result = accept(parseLifecycleEvent(raw));
      publisher.publish(state);
      return result;
    },
    { validator: (raw) => void validateEvent(raw, input) },
  );
  setHandler(
    recordEventsUpdate,
    (raw) => {
      const results = parseEventBatch(raw).sort(byOccurredAt).map(accept);
      publisher.publish(state);
      return results;
    },
    { validator: (raw) => parseEventBatch(raw).forEach((event) => validateEvent(event, input)) },
  );
  setHandler(childClosedSignal, ({ kind, id }) => void running.delete(`${kind}:${id}`));

  function accept(event: LifecycleEvent) {
    const { result, route } = applyEvent(state, event);
    if (route) outbox.push(route);
    return result;
  }

  publisher.publish(state);
  const maxHistory = input.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS;
  const historyIsLong = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= maxHistory;
  for (;;) {
    await condition(() => outbox.length > 0 || historyIsLong());
    while (outbox.length > 0) await forward(outbox[0]!, state, running).then(() => outbox.shift());
    if (!historyIsLong()) continue;
    // Let every update and signal handler finish so nothing is lost at the boundary.
    await condition(allHandlersFinished);
    if (outbox.length > 0) continue;
    state.counters.continuedAsNew += 1;
    await continueAsNew<typeof customerJourney>({
      ...input,
      carried: { state, outbox, runningChildren: [...running] },
    });
  }
}

/** Synchronous, so a throw rejects the update before anything is written to history. */
function validateEvent(raw: unknown, input: CustomerJourneyInput): LifecycleEvent {
  const event = parseLifecycleEvent(raw);
  if (event.brand !== input.brand || event.customerId !== input.customerId) {
    throw new Error(`event ${event.eventId} belongs to ${event.brand}/${event.customerId}, not this journey`);
  }
  return event;
}

const byOccurredAt = (a: LifecycleEvent, b: LifecycleEvent): number => a.occurredAt.localeCompare(b.occurredAt);

/**
 * Delivers one event to its order or case journey: a signal when it runs, otherwise a
 * (re)start carrying every event known for it. A journey that finished just as we signalled
 * is started again the same way.
 */
async function forward(route: ChildRoute, state: JourneyState, running: Set<string>): Promise<void> {
  const key = `${route.kind}:${route.id}`;
  if (running.has(key)) {
    try {
      await signalChild(route, state);
      return;
    } catch {
      running.delete(key);
    }
  }
  try {
    await startChildJourney(route, state);
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    await signalChild(route, state);
  }
  running.add(key);
}

async function signalChild(route: ChildRoute, state: JourneyState): Promise<void> {
  if (route.kind === 'order') {
    await getExternalWorkflowHandle(orderWorkflowId(state.brand, route.id)).signal(
      orderEventSignal,
      route.event as OrderEvent,
    );
  } else {
    await getExternalWorkflowHandle(caseWorkflowId(state.brand, route.id)).signal(
      caseEventSignal,
      route.event as CaseEvent,
    );
  }
}

async function startChildJourney(route: ChildRoute, state: JourneyState): Promise<void> {
  const common = {
    brand: state.brand,
    customerId: state.customerId,
    journeyWorkflowId: workflowInfo().workflowId,
  };
  // Abandon: an order or case outlives a continue-as-new of the journey that started it.
  const options = { parentClosePolicy: ParentClosePolicy.ABANDON };
  if (route.kind === 'order') {
    await startChild(orderJourney, {
      ...options,
      workflowId: orderWorkflowId(state.brand, route.id),
      args: [{ ...common, orderId: route.id, events: state.orders[route.id]?.events ?? [] }],
      staticSummary: `Order ${route.id} of ${state.customerId} at ${state.brand}`,
    });
  } else {
    await startChild(serviceCase, {
      ...options,
      workflowId: caseWorkflowId(state.brand, route.id),
      args: [{ ...common, caseId: route.id, events: state.cases[route.id]?.events ?? [] }],
      staticSummary: `Service case ${route.id} of ${state.customerId} at ${state.brand}`,
    });
  }
}

/**
 * Keeps search attributes, memo and details current, writing only what changed: every
 * upsert is a history event, and a journey lives for years.
 */
class Publisher {
  private lastAttributes = '';
  private lastSummary = '';

  publish(state: JourneyState): void {
    const attributes = journeyAttributes(state);
    const serialized = JSON.stringify(attributes);
    if (serialized !== this.lastAttributes) {
      this.lastAttributes = serialized;
      upsertSearchAttributes([
        { key: KeptBrand, value: state.brand },
        { key: KeptCustomerId, value: state.customerId },
        { key: KeptKind, value: 'journey' },
        { key: KeptStage, value: attributes.stage },
        { key: KeptOpenCases, value: attributes.openCases },
        { key: KeptOpenPromises, value: attributes.openPromises },
        { key: KeptFlags, value: attributes.flags },
        { key: KeptNextDueAt, value: attributes.nextDueAt ? new Date(attributes.nextDueAt) : null },
      ]);
    }
    const summary = journeySummary(state);
    if (summary !== this.lastSummary) {
      this.lastSummary = summary;
      upsertMemo({ summary });
    }
    setCurrentDetails(journeyDetails(state));
  }
}

function journeyAttributes(state: JourneyState) {
  const openOrders = Object.values(state.orders).filter(
    (order) => order.stage === 'purchase' || order.stage === 'receive',
  );
  // A promised delivery date is a promise in its own right until the parcel arrives.
  const deliveryPromises = openOrders.filter((order) => order.promisedDeliveryAt);
  const dueTimes = openOrders.map((order) => order.estimatedDeliveryAt ?? order.promisedDeliveryAt).filter(isDefined);
  const flags = [
    ...(openOrders.some((order) => order.lateByMs > 0) ? ['late'] : []),
    ...(openCaseCount(state) > 0 ? ['open-case'] : []),
    ...(state.openQuestions.length > 0 ? ['open-question'] : []),
  ];
  return {
    stage: state.stage,
    openCases: openCaseCount(state),
    openPromises: deliveryPromises.length,
    flags,
    nextDueAt: dueTimes.sort()[0],
  };
}

const isDefined = <T>(value: T | undefined): value is T => value !== undefined;
