import {
  CancellationScope,
  condition,
  patched,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { isLeanRun, leanGeneration, startLeanRun } from '../lean-patches';
import { changedAttributes } from '../changed-attributes';
import { orderAttributePairs, orderAttributes } from './order-attributes';
import { describeLateness } from '../journey/summary';
import { formatInZone } from '../journey/operator-view';
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
  /** The workflow code generation its starter runs (common/code-generation.ts). */
  codeGeneration?: number;
  /** The brand's timezone, for the times its timers show the operator; absent: UTC. */
  operatorZone?: string;
}

const DEFAULT_SETTLE_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * One order's own journey: purchase → receive → use (and repair for a return).
 * It watches the promised delivery date: when the date passes undelivered, the order is
 * flagged late in the UI even before the carrier says so.
 */
export async function orderJourney(input: OrderJourneyInput): Promise<OrderState> {
  // One marker for this run's patches, not one per patch met (lean-patches.ts says why).
  const lean = startLeanRun(input.codeGeneration);
  // Runs started before the event window existed keep every event, so they replay as recorded.
  const fold = isLeanRun() || patched('bounded-order-window') ? { window: ORDER_EVENT_WINDOW } : {};
  let state = foldOrder(input.orderId, input.events, input.folded, fold);
  let overdue = false;
  let version = 0;
  // Since cost-lean-round an upsert only when the attributes changed (each is a history event).
  const publisher = new OrderPublisher(input, lean);
  setHandler(orderStateQuery, () => state);
  setHandler(orderEventSignal, (event) => {
    state = addOrderEvent(state, event, fold);
    version += 1;
    publisher.publish(state, overdue);
  });
  publisher.publish(state, overdue);
  // Since cost-lean-round one timer per wake-up instant, kept while events arrive that do not move it.
  const wakeTimer = lean ? new WakeTimer() : undefined;

  const settleMs = input.settleAfterDeliveryMs ?? DEFAULT_SETTLE_MS;
  while (!isOrderClosed(state)) {
    const seen = version;
    const wake = nextWakeUp(state, overdue, settleMs, input.operatorZone ?? 'UTC');
    if (!wake) {
      wakeTimer?.cancel();
      await condition(() => version !== seen);
      continue;
    }
    // A date already past (imported history) needs no timer: a 1 ms timer that fires while a
    // signal arrives made the time-skipping test server reject the task's timer cancellation.
    const alreadyDue = wake.due && (isLeanRun() || patched('bounded-order-due-now'));
    if (!alreadyDue && !(await wokeUp(wake, () => version !== seen, wakeTimer))) continue;
    if (wake.kind === 'settled') break;
    overdue = true;
    publisher.publish(state, overdue);
  }

  return state;
}

type WakeUp = { kind: 'promised-date' | 'settled'; ms: number; due: boolean; summary: string };

function nextWakeUp(state: OrderState, overdue: boolean, settleMs: number, zone: string): WakeUp | undefined {
  const now = Date.now();
  if (!state.deliveredAt && state.promisedDeliveryAt && !overdue) {
    const ms = Date.parse(state.promisedDeliveryAt) - now;
    return {
      kind: 'promised-date',
      ms: Math.max(1, ms),
      due: ms <= 0,
      summary: `promised delivery ${formatInZone(state.promisedDeliveryAt, zone)}`,
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

/** True when the wake-up came due; false when `changed` first (an event arrived). */
async function wokeUp(wake: WakeUp, changed: () => boolean, wakeTimer: WakeTimer | undefined): Promise<boolean> {
  if (!wakeTimer) return !(await condition(changed, wake.ms, { summary: wake.summary }));
  return wakeTimer.wait(wake, changed);
}

/**
 * The order's one pending timer, by the instant it is due: an event that leaves the due
 * instant where it was (a dispatch before the promised date) keeps it, where a condition with
 * a timeout cancelled it and started the same one again (two history events per event).
 */
class WakeTimer {
  private pending?: { at: string; fired: boolean; scope: CancellationScope };

  async wait(wake: WakeUp, changed: () => boolean): Promise<boolean> {
    const at = `${wake.kind}@${Date.now() + wake.ms}`;
    if (this.pending?.at !== at) this.start(at, wake);
    const pending = this.pending!;
    await condition(() => pending.fired || changed());
    if (!pending.fired) return false;
    this.pending = undefined;
    return true;
  }

  /** Nothing to wake up for any more (e.g. the promised date was taken back). */
  cancel(): void {
    this.pending?.scope.cancel();
    this.pending = undefined;
  }

  private start(at: string, wake: WakeUp): void {
    this.cancel();
    const scope = new CancellationScope();
    const pending = { at, fired: false, scope };
    scope
      .run(() => sleep(wake.ms, { summary: wake.summary }))
      .then(
        () => (pending.fired = true),
        () => undefined, // cancelled: the due instant moved
      );
    this.pending = pending;
  }
}

/** Search attributes and details; since cost-lean-round the attributes only when they changed. */
class OrderPublisher {
  private lastAttributes = '';

  constructor(
    private readonly input: OrderJourneyInput,
    private readonly onlyChanges: boolean,
  ) {}

  publish(state: OrderState, overdue: boolean): void {
    const attributes = orderAttributes(state, overdue);
    const pairs = orderAttributePairs(this.input, attributes);
    const serialized = JSON.stringify(attributes);
    // Generation 2 compares with what the order holds, so the attributes its start set (the
    // forwarding computes them from the first event) cost no upsert (lean-patches.ts).
    if (leanGeneration() >= 2) {
      const changed = changedAttributes(pairs);
      if (changed.length > 0) upsertSearchAttributes(changed);
    } else if (!this.onlyChanges || serialized !== this.lastAttributes) upsertSearchAttributes(pairs);
    this.lastAttributes = serialized;
    // Not history: served through a query, so always current.
    const { input } = this;
    setCurrentDetails(`Order ${input.orderId} of ${input.customerId}: ${state.status}${describeLateness(state)}`);
  }
}
