import { condition, patched, setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import {
  KeptBrand,
  KeptCustomerId,
  KeptFlags,
  KeptKind,
  KeptNextDueAt,
  KeptOrderId,
  KeptStage,
  KeptStatus,
} from '../../common/search-attributes';
import { describeLateness } from '../journey/summary';
import { orderEventSignal, orderStateQuery } from './messages';
import {
  ORDER_EVENT_WINDOW,
  addOrderEvent,
  foldOrder,
  isOrderClosed,
  type OrderEvent,
  type OrderMilestones,
  type OrderState,
} from './order-state';

export interface OrderJourneyInput {
  brand: string;
  customerId: string;
  orderId: string;
  journeyWorkflowId: string;
  /** Events known when the order journey (re)starts, e.g. after it had finished. */
  events: OrderEvent[];
  /** Milestones of events older than `events` (the previous run's `folded`), when it restarts. */
  folded?: OrderMilestones;
  /** How long the order stays in "use" before its own journey ends (the customer journey goes on). */
  settleAfterDeliveryMs?: number;
}

const DEFAULT_SETTLE_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * One order's own journey: purchase → receive → use (and repair for a return).
 * It watches the promised delivery date: when the date passes undelivered, the order is
 * flagged late in the UI even before the carrier says so.
 */
export async function orderJourney(input: OrderJourneyInput): Promise<OrderState> {
  // Runs started before the event window existed keep every event, so they replay as recorded.
  const fold = patched('bounded-order-window') ? { window: ORDER_EVENT_WINDOW } : {};
  let state = foldOrder(input.orderId, input.events, input.folded, fold);
  let overdue = false;
  let version = 0;
  setHandler(orderStateQuery, () => state);
  setHandler(orderEventSignal, (event) => {
    state = addOrderEvent(state, event, fold);
    version += 1;
    publish(input, state, overdue);
  });
  publish(input, state, overdue);

  const settleMs = input.settleAfterDeliveryMs ?? DEFAULT_SETTLE_MS;
  while (!isOrderClosed(state)) {
    const seen = version;
    const wake = nextWakeUp(state, overdue, settleMs);
    if (!wake) {
      await condition(() => version !== seen);
      continue;
    }
    // A date already past (imported history) needs no timer: a 1 ms timer that fires while a
    // signal arrives made the time-skipping test server reject the task's timer cancellation.
    const alreadyDue = wake.due && patched('bounded-order-due-now');
    if (!alreadyDue && (await condition(() => version !== seen, wake.ms, { summary: wake.summary }))) continue;
    if (wake.kind === 'settled') break;
    overdue = true;
    publish(input, state, overdue);
  }

  return state;
}

type WakeUp = { kind: 'promised-date' | 'settled'; ms: number; due: boolean; summary: string };

function nextWakeUp(state: OrderState, overdue: boolean, settleMs: number): WakeUp | undefined {
  const now = Date.now();
  if (!state.deliveredAt && state.promisedDeliveryAt && !overdue) {
    const ms = Date.parse(state.promisedDeliveryAt) - now;
    return {
      kind: 'promised-date',
      ms: Math.max(1, ms),
      due: ms <= 0,
      summary: `promised delivery ${state.promisedDeliveryAt}`,
    };
  }
  if (state.deliveredAt && state.stage === 'use') {
    const ms = Date.parse(state.deliveredAt) + settleMs - now;
    return {
      kind: 'settled',
      ms: Math.max(1, ms),
      due: ms <= 0,
      summary: 'order settles in use',
    };
  }
  return undefined;
}

function publish(input: OrderJourneyInput, state: OrderState, overdue: boolean): void {
  const flags = [
    ...(state.lateByMs > 0 || (overdue && !state.deliveredAt) ? ['late'] : []),
    ...(state.paymentFailed ? ['payment-failed'] : []),
  ];
  const due = state.deliveredAt ? undefined : (state.estimatedDeliveryAt ?? state.promisedDeliveryAt);
  upsertSearchAttributes([
    { key: KeptBrand, value: input.brand },
    { key: KeptCustomerId, value: input.customerId },
    { key: KeptKind, value: 'order' },
    { key: KeptOrderId, value: input.orderId },
    { key: KeptStage, value: state.stage },
    { key: KeptStatus, value: state.status },
    { key: KeptFlags, value: flags },
    { key: KeptNextDueAt, value: due ? new Date(due) : null },
  ]);
  setCurrentDetails(`Order ${input.orderId} of ${input.customerId}: ${state.status}${describeLateness(state)}`);
}
