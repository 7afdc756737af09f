import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  getExternalWorkflowHandle,
  log,
  patched,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import { isLeanRun, leanGeneration, startLeanRun } from '../lean-patches';
import { readyOrTimeout } from '../lean-wait';
import { changedAttributes } from '../changed-attributes';
import type { ImplicitPromiseActivities } from '../../activities/implicit-promises';
import { journeyWorkflowId } from '../../common/ids';
import type { DeliveryResult, OutreachRequestInput } from '../../common/outreach/contract';
import { promiseContactOutcomeSchema, type JourneyContactRequest } from '../../common/promises/customer-contact';
import { promiseStatusSignal } from '../journey/messages';
import { formatInZone } from '../journey/operator-view';
import {
  beyondPromiseHorizon,
  cancelPromiseSchema,
  fulfilPromiseSchema,
  promiseWorkflowInputSchema,
  reassignPromiseSchema,
  renegotiatePromiseSchema,
  type PromiseOutcome,
  type PromiseState,
  type PromiseWorkflowArgs,
  type PromiseWorkflowInput,
} from '../../common/promises/schema';
import {
  cancelPromiseUpdate,
  fulfilPromiseUpdate,
  promiseContactOutcomeSignal,
  promiseStateQuery,
  reassignPromiseUpdate,
  renegotiatePromiseUpdate,
  wakePromiseUpdate,
} from './messages';
import { nextStep, planSteps, resolveDueAt, type PlannedStep, type StaffParty } from './plan';
import {
  apologyReport,
  breachReason,
  coincidesWithAtRisk,
  customerMessage,
  describeError,
  describeState,
  finish,
  fulfil,
  initialState,
  isImplicitPromise,
  iso,
  keptBySystem,
  ownerRecipient,
  promiseAttributes,
  recordBreach,
  staffMessage,
  withFlag,
  withoutFlags,
} from './promise-state';
import type { createStaffDigestActivities } from '../../activities/staff-digest';
import type { createEventWebhookActivities } from '../../activities/outreach/event-webhooks';
import { subscribedTo } from '../../common/webhooks/kept-events';
import type { KeptEventType } from '../../common/profiles/schema';

interface OutreachActivities {
  deliverOutreach(request: OutreachRequestInput): Promise<DeliveryResult>;
  requestPromiseContact(request: JourneyContactRequest): Promise<void>;
}

/**
 * A message about a promise is worth retrying for about an hour (mail server down, provider
 * hiccup); the idempotency key makes every retry safe. After that the failure is recorded on
 * the promise and enforcement goes on: one lost reminder must not stop the breach handling.
 */
const deliveryOptions: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 12 },
};
const { deliverOutreach, requestPromiseContact } = proxyActivities<OutreachActivities>(deliveryOptions);
/**
 * How long the breach mail waits to learn what became of the apology: the journey answers
 * within seconds when it is healthy; a journey held up (mail server down) must not delay
 * the owner's alarm, which then says the apology is being arranged.
 */
const APOLOGY_OUTCOME_WAIT = '10 minutes';
/** A quick question before a breach: if the journey cannot answer, the breach goes ahead. */
const { implicitPromiseKeptAt } = proxyActivities<Pick<ImplicitPromiseActivities, 'implicitPromiseKeptAt'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3 },
});

/** Bounded like the messages: a digest that cannot be reached is recorded, and the promise goes on. */
const { addToStaffDigest, withdrawFromStaffDigest } =
  proxyActivities<ReturnType<typeof createStaffDigestActivities>>(deliveryOptions);

const { emitKeptEvent } = proxyActivities<ReturnType<typeof createEventWebhookActivities>>(deliveryOptions);

type Owner = PromiseWorkflowArgs['owner'];

/**
 * The promise's events for the brand's webhooks (docs/webhooks.md). Only types someone
 * subscribed to start an activity, so promises of brands without webhooks (and every history
 * recorded before them) emit nothing. Ids are the workflow id and the step: a replay or a
 * retry emits the same event. Running in the background; the workflow waits for them before it ends.
 */
class PromiseEvents {
  private readonly pending: Promise<unknown>[] = [];

  constructor(
    private readonly state: PromiseState,
    private readonly input: PromiseWorkflowArgs,
  ) {}

  emit(type: KeptEventType, what: string, data: Record<string, unknown> = {}): void {
    if (!subscribedTo(this.input.profile.webhookSubscriptions, type)) return;
    const state = this.state;
    const event = {
      id: `${workflowInfo().workflowId}/${what}`,
      type,
      brand: state.brand,
      occurredAt: iso(Date.now()),
      customerId: state.customerId,
      data: {
        promiseId: state.promiseId,
        kind: state.kind,
        text: state.text,
        owner: state.owner,
        status: state.status,
        dueAt: state.dueAt,
        ...(state.orderId ? { orderId: state.orderId } : {}),
        ...(state.caseId ? { caseId: state.caseId } : {}),
        ...data,
      },
    };
    this.pending.push(
      emitKeptEvent
        .executeWithOptions({ ...deliveryOptions, summary: `webhook: ${type}` }, [event])
        .catch((error: unknown) => log.warn('a Kept event could not be delivered to its webhooks', { type, error })),
    );
  }

  async flush(): Promise<void> {
    await Promise.all(this.pending);
  }
}

/**
 * One workflow per promise (`kept/<brand>/promise/<id>`): reminds the owner, raises at-risk,
 * tells the customer where things stand, and on a breach escalates and apologises — each at
 * its instant in the brand's business time — until the promise is fulfilled or cancelled.
 */
export async function promiseWorkflow(rawInput: PromiseWorkflowInput): Promise<PromiseOutcome> {
  // One marker for this run's patches, not one per patch met (lean-patches.ts says why).
  startLeanRun(rawInput.codeGeneration);
  const input = promiseWorkflowInputSchema.parse(rawInput);
  const state = initialState(input);
  const events = new PromiseEvents(state, input);
  let version = 0;
  const changed = (): void => {
    version += 1;
    publish(state, input);
  };

  setHandler(promiseStateQuery, () => state);
  // Taking it is all it does: the task it runs in lets the query above be answered (messages.ts).
  setHandler(wakePromiseUpdate, () => undefined);
  setHandler(promiseContactOutcomeSignal, (raw) => {
    // From the customer's journey; a signal cannot be rejected, so an invalid one is logged and dropped.
    const parsed = promiseContactOutcomeSchema.safeParse(raw);
    if (parsed.success) state.customerContacts[parsed.data.step] = parsed.data;
    else log.warn('invalid promise contact outcome dropped', { issues: parsed.error.issues });
  });
  setHandler(
    fulfilPromiseUpdate,
    (raw) => {
      const { note, at } = fulfilPromiseSchema.parse(raw);
      fulfil(state, note, at);
      changed();
      return state.result!;
    },
    { validator: (raw) => validateChange(state, () => validateFulfilment(raw)) },
  );
  setHandler(
    renegotiatePromiseUpdate,
    async (raw) => {
      const change = renegotiatePromiseSchema.parse(raw);
      const now = Date.now();
      const dueAt = new Date(resolveDueAt(change.due, now, input.profile)).toISOString();
      state.changes.push({
        at: iso(now),
        kind: 'renegotiated',
        note: change.reason,
        previousDueAt: state.dueAt,
        dueAt,
      });
      state.renegotiations += 1;
      Object.assign(state, { dueAt, windowStartedAt: iso(now), status: 'open' });
      state.flags = withFlag(withoutFlags(state.flags, ['at-risk', 'breached']), 'renegotiated');
      changed();
      events.emit('promise.renegotiated', `renegotiated-${state.renegotiations}`, {
        previousDueAt: state.changes.at(-1)?.previousDueAt,
        reason: change.reason,
      });
      await tellCustomer(state, input, `renegotiated-${state.renegotiations}`, 'promise.renegotiated', change.reason);
      return state;
    },
    { validator: (raw) => validateChange(state, () => validateRenegotiation(raw, input)) },
  );
  setHandler(
    reassignPromiseUpdate,
    async (raw) => {
      const change = reassignPromiseSchema.parse(raw);
      const previous = state.owner;
      state.owner = change.owner;
      state.changes.push({
        at: iso(Date.now()),
        kind: 'reassigned',
        note: change.reason,
        previousOwner: previous.id,
        owner: change.owner.id,
      });
      changed();
      const count = state.changes.filter((c) => c.kind === 'reassigned').length;
      const reason = `promise ${state.promiseId} was reassigned to you from ${previous.id}`;
      await send(
        state,
        `reassigned-${count}`,
        staffMessage(state, input, ownerRecipient(state.owner, input), 'promise.reassigned', reason),
      );
      return state;
    },
    { validator: (raw) => validateChange(state, () => validateReassignment(raw, state.owner)) },
  );
  setHandler(
    cancelPromiseUpdate,
    async (raw) => {
      const { reason } = cancelPromiseSchema.parse(raw);
      finish(state, 'cancelled', { kind: 'cancelled', note: reason });
      changed();
      await tellCustomer(state, input, 'cancelled', 'promise.cancelled', reason);
      return state.result!;
    },
    { validator: (raw) => validateChange(state, () => cancelPromiseSchema.parse(raw)) },
  );

  publish(state, input);
  const reporter = reportStatusToJourney(state, input);
  while (!state.result) {
    // Promises made before the at-risk fix keep planning as they did, so their histories replay.
    const atRiskByRecipient = isLeanRun() || patched('promises-at-risk-recipient-v1');
    const steps = planSteps(state, input.profile, input.lateFulfilmentWindow, { atRiskByRecipient });
    const step = nextStep(steps, state.sent);
    if (!step) break;
    const seen = version;
    const wait = step.at - Date.now();
    if (wait > 0) {
      // The timer's words in the UI's timeline, in the brand's business-hours zone (as the promise's details).
      const summary = `${step.step} at ${formatInZone(iso(step.at), input.profile.businessHours.timezone)}`;
      const changedMeanwhile = () => version !== seen || state.result !== undefined;
      // Generation 6: the same timer with fewer promises pending while the promise sleeps (lean-wait.ts).
      const woken =
        leanGeneration() >= 6
          ? await readyOrTimeout(changedMeanwhile, wait, summary)
          : await condition(changedMeanwhile, wait, { summary });
      if (woken) continue;
    }
    if (step.action === 'breach' && (await keptAccordingToJourney(state, input))) {
      changed();
      break;
    }
    await perform(step, state, input, steps, events);
    if (!state.sent.includes(step.step)) state.sent.push(step.step);
    publish(state, input);
  }
  await condition(allHandlersFinished);
  await takeOffDigest(state);
  if (state.result && ['kept', 'kept-late', 'renegotiated'].includes(state.result.outcome))
    events.emit('promise.kept', 'kept', { outcome: state.result.outcome, endedAt: state.result.endedAt });
  await events.flush();
  await reporter.flush();
  return state.result!;
}

/**
 * Tells the customer's journey each status change (open, at-risk, breached, kept, ...), so
 * the journey counts open promises and its contact policy holds back promotions while one is
 * at risk. A customer without a journey yet simply has nobody to tell.
 */
function reportStatusToJourney(state: PromiseState, input: PromiseWorkflowArgs): { flush(): Promise<void> } {
  // The due time too (a renegotiation moves it): the journey's details say when each open promise is due.
  const withDue = isLeanRun() || patched('op-promise-status-due');
  const current = () => (withDue ? `${state.status} ${state.dueAt}` : state.status);
  // A promise the journey made is known open there already (madeByJourney): only changes are news.
  let reported: string | undefined = input.madeByJourney && state.status === 'open' ? current() : undefined;
  const journey = getExternalWorkflowHandle(journeyWorkflowId(state.brand, state.customerId));
  const report = async () => {
    while (reported !== current()) {
      const [sent, status, due] = [current(), state.status, withDue ? { dueAt: state.dueAt } : {}];
      await journey.signal(promiseStatusSignal, { promiseId: state.promiseId, status, ...due }).catch(() => undefined);
      reported = sent;
    }
  };
  let running = report();
  void (async () => {
    for (;;) {
      await condition(() => reported !== undefined && reported !== current());
      running = running.then(report);
      await running;
    }
  })();
  return { flush: () => running.then(report) };
}

/** Carries out one planned step; every message goes through deliverOutreach. */
async function perform(
  step: PlannedStep,
  state: PromiseState,
  input: PromiseWorkflowArgs,
  steps: PlannedStep[],
  events: PromiseEvents,
): Promise<void> {
  const owner = ownerRecipient(state.owner, input);
  const chain = input.profile.escalation;
  const due = `due ${state.dueAt}`;
  switch (step.action) {
    case 'remind':
      // The at-risk alert due at the same instant says all a reminder would: one message, not two.
      if (coincidesWithAtRisk(step, steps) && (isLeanRun() || patched('staff-merge-reminder-at-risk'))) return;
      if (await digested(step, state, input, owner, 'reminder')) return;
      return send(
        state,
        step.step,
        staffMessage(state, input, owner, 'promise.reminder', `reminder ${step.index + 1}: ${due}`),
      );
    case 'at-risk':
      state.status = 'at-risk';
      state.flags = withFlag(state.flags, 'at-risk');
      publish(state, input);
      events.emit('promise.at-risk', step.step);
      if (await digested(step, state, input, owner, 'at-risk')) return;
      return send(state, step.step, staffMessage(state, input, owner, 'promise.at-risk', `at risk: ${due}`));
    case 'at-risk-escalation':
      return send(state, step.step, staffMessage(state, input, chain[0]!.notify, 'promise.at-risk', `at risk: ${due}`));
    case 'customer-notice':
      return tellCustomer(state, input, step.step, 'promise.customer-notice', 'we are still on it', true);
    case 'breach':
      recordBreach(state);
      publish(state, input);
      events.emit('promise.breached', step.step, { breach: state.breach });
      await takeOffDigest(state);
      // The owner's alarm says what became of the apology, so the apology goes first.
      if (isLeanRun() || patched('promisemsg-breach-after-apology'))
        return breachAfterApology(step, state, input, owner);
      return send(state, step.step, staffMessage(state, input, owner, 'promise.breached', breachReason(state, input)));
    case 'apology':
      return tellCustomer(state, input, step.step, 'promise.apology', APOLOGY_REASON, true);
    case 'escalate': {
      const reason = `escalation ${step.index + 1}: ${state.breach?.reason ?? 'breached'}`;
      return send(
        state,
        step.step,
        staffMessage(state, input, chain[step.index]!.notify, 'promise.escalation', reason),
      );
    }
    case 'close':
      finish(state, 'breached');
      return;
  }
}

const APOLOGY_REASON = 'we did not keep our promise';

/**
 * A delivery promise the system keeps (an order's promised date) needs a person only when
 * one can act: its reminders and at-risk alert go on the team's digest (one message per
 * period), or nowhere when the profile says `off`. True when it was taken care of here.
 */
async function digested(
  step: PlannedStep,
  state: PromiseState,
  input: PromiseWorkflowArgs,
  recipient: StaffParty,
  status: 'reminder' | 'at-risk',
): Promise<boolean> {
  const period = input.profile.staff.digest;
  if (!keptBySystem(state) || period === 'immediate' || !(isLeanRun() || patched('staff-digest-v1'))) return false;
  if (period === 'off') return true;
  const digest = { brand: state.brand, recipient, period, businessHours: input.profile.businessHours };
  try {
    await addToStaffDigest.executeWithOptions(
      { ...deliveryOptions, summary: `${status} on the staff digest (${step.step})` },
      [
        {
          digest,
          item: {
            promiseId: state.promiseId,
            step: step.step,
            status,
            customerId: state.customerId,
            ...(input.contact.name ? { customerName: input.contact.name } : {}),
            ...(state.orderId ? { orderId: state.orderId } : {}),
            promiseText: state.text,
            dueAt: state.dueAt,
            addedAt: iso(Date.now()),
          },
        },
      ],
    );
    state.digest = { recipient };
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    state.deliveryFailures.push({ step: step.step, error: error.cause?.message ?? error.message });
  }
  return true;
}

/**
 * Kept, cancelled or breached before its digest went out: nobody needs to read about it there
 * any more (a breach reaches its people by a mail of its own).
 */
async function takeOffDigest(state: PromiseState): Promise<void> {
  if (!state.digest || state.digest.withdrawn) return;
  state.digest.withdrawn = true;
  await withdrawFromStaffDigest({
    brand: state.brand,
    recipient: state.digest.recipient,
    promiseId: state.promiseId,
  }).catch((error: unknown) => log.warn('could not take a kept promise off the staff digest', { error }));
}

/**
 * Asks the journey for the apology, waits (bounded) to hear what became of it, then tells
 * the owner the truth: sent, waiting for the customer's morning, a task for a colleague,
 * not possible, or still being arranged.
 */
async function breachAfterApology(
  step: PlannedStep,
  state: PromiseState,
  input: PromiseWorkflowArgs,
  owner: StaffParty,
): Promise<void> {
  const apologyStep = step.step.replace(/breach$/, 'apology');
  await tellCustomer(state, input, apologyStep, 'promise.apology', APOLOGY_REASON, true);
  if (!state.sent.includes(apologyStep)) state.sent.push(apologyStep);
  const failed = () => state.deliveryFailures.find((failure) => failure.step === apologyStep);
  await condition(
    () => state.customerContacts[apologyStep] !== undefined || failed() !== undefined,
    APOLOGY_OUTCOME_WAIT,
    {
      summary: `what became of the apology (${apologyStep})`,
    },
  );
  const outcome = state.customerContacts[apologyStep];
  const zone = input.profile.businessHours.timezone;
  const message = staffMessage(state, input, owner, 'promise.breached', breachReason(state, input));
  const apology = outcome || !failed() ? apologyReport(outcome, owner, zone) : { notSent: true, why: failed()!.error };
  return send(state, step.step, { ...message, data: { ...message.data, apology } });
}

function validateFulfilment(raw: unknown): void {
  const { at } = fulfilPromiseSchema.parse(raw);
  if (at && Date.parse(at) > Date.now()) throw invalidChange(`at: ${at} is in the future (now ${iso(Date.now())})`);
}

/**
 * An implicit promise (a delivery date, a case's first-response target) is kept by the
 * journey, which tells the promise when the parcel arrived or the case was answered. After an
 * outage, the breach timer may fire before that news gets here although the journey already
 * knows: ask the journey first, so nobody apologises for a parcel that arrived on time.
 */
async function keptAccordingToJourney(state: PromiseState, input: PromiseWorkflowArgs): Promise<boolean> {
  if (!isImplicitPromise(state) || !(isLeanRun() || patched('promises-breach-check-v1'))) return false;
  const keptAt = await implicitPromiseKeptAt({
    brand: state.brand,
    customerId: state.customerId,
    ...(state.orderId ? { orderId: state.orderId } : {}),
    ...(state.caseId ? { caseId: state.caseId } : {}),
  }).catch((error: unknown) => {
    log.warn('could not ask the journey before a breach; enforcing it', { promiseId: state.promiseId, error });
    return null;
  });
  if (!keptAt || Date.parse(keptAt) > Date.parse(state.dueAt)) return false;
  fulfil(state, 'kept on time, confirmed by the journey before the breach', keptAt);
  publish(state, input);
  return true;
}

// Validators run synchronously: a throw rejects the update before anything reaches history.
function validateChange(state: PromiseState, validate: () => unknown): void {
  if (state.result) {
    throw ApplicationFailure.create({
      type: 'PromiseClosed',
      message: `promise ${state.promiseId} is already ${state.result.outcome}: it cannot be changed`,
      nonRetryable: true,
    });
  }
  try {
    validate();
  } catch (error) {
    if (error instanceof ApplicationFailure) throw error;
    throw invalidChange(describeError(error));
  }
}

function validateRenegotiation(raw: unknown, input: PromiseWorkflowArgs): void {
  const change = renegotiatePromiseSchema.parse(raw);
  const now = Date.now();
  const dueAt = resolveDueAt(change.due, now, input.profile);
  if (dueAt <= now) throw invalidChange(`due.at: ${iso(dueAt)} is in the past (now ${iso(now)})`);
  const tooFar = beyondPromiseHorizon(dueAt, now);
  if (tooFar) throw invalidChange(tooFar);
}

function validateReassignment(raw: unknown, current: Owner): void {
  const { owner } = reassignPromiseSchema.parse(raw);
  if (owner.kind === current.kind && owner.id === current.id) {
    throw invalidChange(`owner: the promise is already owned by ${owner.kind} ${owner.id}`);
  }
}

function invalidChange(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'InvalidPromiseChange', message, nonRetryable: true });
}

async function send(
  state: PromiseState,
  step: string,
  request: Omit<OutreachRequestInput, 'idempotencyKey'>,
): Promise<void> {
  const idempotencyKey = `${workflowInfo().workflowId}/${step}`;
  try {
    await deliverOutreach.executeWithOptions({ ...deliveryOptions, summary: `${request.template} (${step})` }, [
      { ...request, idempotencyKey },
    ]);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    state.deliveryFailures.push({ step, error: error.cause?.message ?? error.message });
  }
}

/**
 * A message for the customer. Through the journey (the one arbiter: quiet hours, consent,
 * reachable channel, human touchpoints) since `promisemsg-via-journey`; earlier workflows
 * keep sending directly so their histories replay.
 */
async function tellCustomer(
  state: PromiseState,
  input: PromiseWorkflowArgs,
  step: string,
  template: string,
  reason: string,
  proactive = false,
): Promise<void> {
  const message = customerMessage(state, input, template, reason);
  if (!(isLeanRun() || patched('promisemsg-via-journey'))) return send(state, step, message);
  const request: JourneyContactRequest = {
    brand: state.brand,
    customerId: state.customerId,
    request: {
      promiseId: state.promiseId,
      step,
      template,
      reason,
      // A human touchpoint becomes a task for the promise's owner: the person who made it.
      data: { ...message.data, assignee: ownerRecipient(state.owner, input) },
      channel: state.channel,
      contact: input.contact,
      proactive,
      ...(state.orderId ? { orderId: state.orderId } : {}),
    },
  };
  try {
    await requestPromiseContact.executeWithOptions(
      { ...deliveryOptions, summary: `${template} (${step}) through the customer's journey` },
      [request],
    );
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    state.deliveryFailures.push({ step, error: error.cause?.message ?? error.message });
  }
}

function publish(state: PromiseState, input: PromiseWorkflowArgs): void {
  const attributes = promiseAttributes(state);
  // Since generation 2 only what changed (lean-patches.ts); earlier runs wrote all at every call.
  const writes = leanGeneration() >= 2 ? changedAttributes(attributes) : attributes;
  if (writes.length > 0) upsertSearchAttributes(writes);
  setCurrentDetails(describeState(state, input));
}
