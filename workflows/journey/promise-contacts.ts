import { getExternalWorkflowHandle, log, patched, setHandler } from '@temporalio/workflow';
import { isLeanRun } from '../lean-patches';
import { promiseWorkflowId } from '../../common/ids';
import {
  promiseContactKey,
  promiseContactRequestSchema,
  type PromiseContactOutcome,
  type PromiseContactRequest,
} from '../../common/promises/customer-contact';
import { promiseContactOutcomeSignal } from '../promise/messages';
import { promiseContactSignal } from './messages';
import { addPending, type OutreachDecision, type PendingContact } from './outreach-state';
import type { JourneyState } from './state';

/**
 * The journey's side of a promise's messages to the customer: a promise workflow signals
 * what it wants said, the journey keeps it as a pending contact (once per key), its decision
 * round runs it through the one contact policy, and every decision is reported back to the
 * promise, so what the promise tells its owner is what really happened.
 */
export function registerPromiseContactHandler(state: JourneyState, changed: () => void): void {
  setHandler(promiseContactSignal, (raw) => {
    // A signal cannot be rejected: an invalid one is logged and dropped, never half-applied.
    const parsed = promiseContactRequestSchema.safeParse(raw);
    if (!parsed.success) {
      log.warn('invalid promise contact request dropped', { issues: parsed.error.issues });
      return;
    }
    addPending(state.outreach, pendingFromPromise(parsed.data, new Date().toISOString()));
    changed();
  });
}

/** A promise's message is transactional and a promised follow-up: no cap or cool-down, quiet hours still. */
export function pendingFromPromise(request: PromiseContactRequest, now: string): PendingContact {
  return {
    key: promiseContactKey(request.promiseId, request.step),
    template: request.template,
    category: 'transactional',
    reason: request.reason,
    data: request.data,
    dueAt: now,
    promisedFollowUp: true,
    proactive: request.proactive,
    ...(request.orderId ? { orderId: request.orderId } : {}),
    source: 'promise',
    deferrals: 0,
    promise: {
      promiseId: request.promiseId,
      step: request.step,
      ...(request.channel ? { channel: request.channel } : {}),
      contact: request.contact,
    },
  };
}

/** Collects the decisions on promise contacts during a round; `flush` tells each promise. */
export class PromiseContactReporter {
  private readonly outcomes: { promiseId: string; outcome: PromiseContactOutcome }[] = [];

  constructor(private readonly brand: string) {}

  readonly collect = (contact: PendingContact, decision: OutreachDecision): void => {
    if (!contact.promise) return;
    this.outcomes.push({ promiseId: contact.promise.promiseId, outcome: outcomeOf(contact.promise.step, decision) });
  };

  async flush(): Promise<void> {
    if (this.outcomes.length === 0) return;
    const outcomes = this.outcomes.splice(0);
    // Only journeys that took promise contacts get here; the guard keeps the new command explicit.
    if (!(isLeanRun() || patched('promisemsg-contact-outcome'))) return;
    await Promise.all(
      outcomes.map(({ promiseId, outcome }) =>
        getExternalWorkflowHandle(promiseWorkflowId(this.brand, promiseId))
          .signal(promiseContactOutcomeSignal, outcome)
          // A promise that has ended (cancelled, closed) has nobody left to tell.
          .catch(() => undefined),
      ),
    );
  }
}

function outcomeOf(step: string, decision: OutreachDecision): PromiseContactOutcome {
  return {
    step,
    outcome: decision.outcome === 'sent' && decision.task ? 'task' : decision.outcome,
    at: decision.at,
    ...(decision.channel ? { channel: decision.channel } : {}),
    ...(decision.until ? { until: decision.until } : {}),
    ...(decision.why ? { why: decision.why } : {}),
  };
}
