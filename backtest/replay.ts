import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { KeptClient } from '../client/kept-client';
import { OwnershipConflictError } from '../client/ownership';
import { InvalidEventError, type LifecycleEvent } from '../common/events';
import { journeyWorkflowId } from '../common/ids';
import { toHistoryTime } from './time-shift';

export interface BacktestProgress {
  phase: 'events' | 'run-on';
  /** The instant reached, on the history's timeline. */
  virtualTime: string;
  eventsDone: number;
  eventsTotal: number;
  /** Wall-clock estimate of what is left of the event phase, ms (undefined until one event is done). */
  etaMs?: number;
}

export interface FailedEvent {
  eventId: string;
  customerId: string;
  error: string;
}

export interface ReplayOptions {
  env: TestWorkflowEnvironment;
  kept: KeptClient;
  /** Events already on the server's timeline, in replay order. */
  events: LifecycleEvent[];
  shiftMs: number;
  /** Server-timeline instant the run goes on to after the last event, so late timers fire. */
  endMs: number;
  concurrency: number;
  signal?: AbortSignal;
  onProgress?: (progress: BacktestProgress) => void;
}

export class BacktestAbortedError extends Error {
  override name = 'BacktestAbortedError';
  constructor() {
    super('backtest interrupted');
  }
}

const RUN_ON_STEP_MS = 24 * 3_600_000;

/**
 * Sends each event at its own virtual time: the server's clock is advanced (firing every
 * timer due on the way: playbooks, promises, quiet hours) to the event's instant, then the
 * event goes through the normal client path. Events of the same instant go out together, up
 * to `concurrency` customers at once, each customer's in order. Then the clock runs on to
 * `endMs`, a day at a time, so what was planned after the last event happens too.
 */
export async function replayEvents(options: ReplayOptions): Promise<FailedEvent[]> {
  const started = Date.now();
  const failed: FailedEvent[] = [];
  let done = 0;
  const report = (phase: BacktestProgress['phase'], serverMs: number) => {
    const elapsed = Date.now() - started;
    const left = options.events.length - done;
    options.onProgress?.({
      phase,
      virtualTime: toHistoryTime(serverMs, options.shiftMs),
      eventsDone: done,
      eventsTotal: options.events.length,
      ...(done > 0 ? { etaMs: Math.round((elapsed / done) * left) } : {}),
    });
  };
  for (const group of sameInstantGroups(options.events)) {
    throwIfAborted(options.signal);
    const at = Date.parse(group[0]!.occurredAt);
    await advanceTo(options.env, at);
    await sendGroup(options.kept, group, options.concurrency, failed);
    done += group.length;
    report('events', at);
  }
  for (let now = await options.env.currentTimeMs(); now < options.endMs; now = await options.env.currentTimeMs()) {
    throwIfAborted(options.signal);
    await options.env.sleep(Math.min(RUN_ON_STEP_MS, options.endMs - now));
    report('run-on', Math.min(now + RUN_ON_STEP_MS, options.endMs));
  }
  return failed;
}

async function advanceTo(env: TestWorkflowEnvironment, at: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (at > now) await env.sleep(at - now);
}

/** Each customer's events of this instant in one batch (in order); customers in parallel, bounded. */
async function sendGroup(
  kept: KeptClient,
  group: LifecycleEvent[],
  concurrency: number,
  failed: FailedEvent[],
): Promise<void> {
  const perCustomer = new Map<string, LifecycleEvent[]>();
  for (const event of group) {
    const id = journeyWorkflowId(event.brand, event.customerId);
    perCustomer.set(id, [...(perCustomer.get(id) ?? []), event]);
  }
  const queue = [...perCustomer.values()];
  const sendNext = async (): Promise<void> => {
    for (let batch = queue.shift(); batch; batch = queue.shift()) {
      try {
        await kept.recordEvents(batch);
      } catch (error) {
        // A journey refusing an event (its validator, or an order id another customer owns) is
        // a finding of the backtest, not a reason to stop it; anything else (the server) is.
        if (!(error instanceof InvalidEventError || error instanceof OwnershipConflictError)) throw error;
        for (const event of batch)
          failed.push({ eventId: event.eventId, customerId: event.customerId, error: error.message });
      }
    }
  };
  // Every sender settles before a failure goes up, so no call is left in flight when the stack stops.
  await settleAll(Array.from({ length: Math.max(1, Math.min(concurrency, queue.length)) }, sendNext));
}

function* sameInstantGroups(events: LifecycleEvent[]): Generator<LifecycleEvent[]> {
  let group: LifecycleEvent[] = [];
  for (const event of events) {
    if (group.length > 0 && Date.parse(group[0]!.occurredAt) !== Date.parse(event.occurredAt)) {
      yield group;
      group = [];
    }
    group.push(event);
  }
  if (group.length > 0) yield group;
}

/** Like Promise.all, but waits for every promise to settle before rejecting with the first failure. */
export async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<T>).value);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new BacktestAbortedError();
}
