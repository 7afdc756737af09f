import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { ApplicationFailure, type SearchAttributeUpdatePair } from '@temporalio/common';
import { isCaseEvent } from '../case/case-state';
import { isOrderEvent } from '../order/order-state';
import { changedAttributes } from '../changed-attributes';
import { readyOrTimeout, WakeUpTimer } from '../lean-wait';
import { isLeanRun, leanGeneration, startLeanRun } from '../lean-patches';
import { startedOnThisGeneration } from '../../common/code-generation';
import type { z } from 'zod';
import type { ImplicitPromiseActivities, createImplicitPromiseActivities } from '../../activities/implicit-promises';
import type { createJourneyForwardingActivities } from '../../activities/journey-forwarding';
import { InvalidEventError, parseEventBatch, parseLifecycleEvent, type LifecycleEvent } from '../../common/events';
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
import {
  cancelOutreachUpdate,
  journeyStateQuery,
  pauseOutreachUpdate,
  NOT_KNOWN_HERE,
  promiseStatusSignal,
  recordEventsUpdate,
  recordEventUpdate,
  recordFollowUpEventUpdate,
  requestContactUpdate,
  resumeOutreachUpdate,
} from './messages';
import {
  addPending,
  cancelOutreachSchema,
  cancelPending,
  contactRequestSchema,
  isPaused,
  nextOutreachWakeUp,
  pauseOutreachSchema,
  rememberImported,
  resumeOutreachSchema,
} from './outreach-state';
import { BrandConfigSource } from './brand-config';
import { exchangeStatistics, learnCarriedOutlooks } from './anticipation';
import { receiveRoundReads, roundReadRequests } from './round-reads';
import { noteForAnticipation } from './anticipation-state';
import { parseRecordEventContext, type ParsedRecordEventContext } from '../../common/event-context';
import { hasOutreachWork, runDueOutreach } from './outreach-runner';
import { PromiseContactReporter, registerPromiseContactHandler } from './promise-contacts';
import { planFromPlaybooks, planLateNotices, stillWantedNow } from './planner';
import {
  caseResponsePromiseId,
  deliveryPromiseId,
  foreignImplicitPromises,
  implicitPromiseChanges,
  implicitPromiseCommands,
  initialImplicitPromiseSync,
  openImplicitPromises,
  pruneImplicitPromises,
  recordReportedStatus,
  recordSyncRound,
  type ImplicitPromiseCommand,
  type ImplicitPromiseResult,
} from './implicit-promises';
import { proactiveContactRequestSchema, type ProactiveContactRequest } from '../../common/sweep/schema';
import { proactiveContactSignal } from '../sweep/messages';
import { applyEvent, initialJourneyState, openCaseCount, type ChildRoute, type JourneyState } from './state';
import { formatInZone, operatorZone, trackRunningPromise } from './operator-view';
import { journeyDetails, journeySummary, liveJourneySummary } from './summary';
import { forwardSummary, promiseChangesSummary } from './activity-summaries';
import { FORWARD_CHUNK, contactOf, forwardRequest, runRoundActivity } from './round-activity';
import { JourneyEvents } from './kept-events';
import { isNewOrder, releasedOrders, routeForHeldOrders, routeOnBreach } from './held-orders';

export interface CustomerJourneyInput {
  brand: string;
  customerId: string;
  /** Carried across continue-as-new. */
  carried?: CarriedState;
  /** Continue-as-new once history reaches this many events (the SDK may suggest it earlier). */
  maxHistoryEvents?: number;
  /** The workflow code generation its starter runs (common/code-generation.ts). */
  codeGeneration?: number;
}

interface CarriedState {
  state: JourneyState;
  /** Events accepted but not yet forwarded to their order or case journey. */
  outbox: ChildRoute[];
  /** Events and sweep requests not yet shown to the playbooks. */
  planQueue?: LifecycleEvent[];
  sweepQueue?: ProactiveContactRequest[];
  /** Implicit promises (delivery dates, case response targets) still to make, keep or cancel. */
  promiseQueue?: ImplicitPromiseCommand[];
}

const DEFAULT_MAX_HISTORY_EVENTS = 10_000;

/**
 * One durable journey per (brand, customer): the entity every lifecycle event lands on.
 * Events arrive as updates whose validators reject malformed input before anything is
 * written to history; the handlers apply them synchronously (so a reply says the new stage)
 * and leave the forwarding to order and case journeys to the main loop, one at a time.
 */
export async function customerJourney(input: CustomerJourneyInput): Promise<void> {
  // One marker for this run's patches, not one per patch met (lean-patches.ts says why).
  const lean = startLeanRun(input.codeGeneration);
  const carried: CarriedState = input.carried ?? {
    state: initialJourneyState(input.brand, input.customerId, new Date().toISOString()),
    outbox: [],
  };
  const { state, outbox } = carried;
  // Imports are remembered by event id; a watermark in the future (one future-dated row) silenced live outreach.
  if (state.outreach.quietBefore && (isLeanRun() || patched('outreach-import-by-id')))
    endFutureQuiet(state, new Date().toISOString());
  const planQueue = (carried.planQueue ??= []);
  const sweepQueue = (carried.sweepQueue ??= []);
  const promiseQueue = (carried.promiseQueue ??= []);
  // Decided once per run, before anything is published: runs recorded before reconciliation
  // keep their command queue and their way of counting promises, so their histories replay.
  const reconciling = isLeanRun() || patched('promises-reconcile-v1');
  if (reconciling) {
    state.implicitPromises ??= initialImplicitPromiseSync();
    // A queue carried from a run before reconciliation: the state says the same, and more.
    promiseQueue.splice(0);
  }
  // A new run re-derives once: a round may have been cut short at continue-as-new.
  let promisesOutOfStep = reconciling && input.carried !== undefined;
  // The memo's summary says promises, pauses and a missing profile too: it is written more often.
  // Generation 3 publishes once per round, only what changed (see Publisher).
  const publishPerRound = leanGeneration() >= 3;
  const publisher = new Publisher(reconciling, isLeanRun() || patched('op-live-summary'), publishPerRound);
  // Journeys recorded before the bounded state (event windows, archive) replay without it.
  const applyOptions = { bounded: isLeanRun() || patched('bounded-journey-state') };
  // Generation 5: an order with a delivery promise has no workflow while nothing goes wrong (held-orders.ts).
  const holdsOrders = leanGeneration() >= 5;
  // Generation 6: its wait for the next outreach decision keeps fewer promises pending (lean-wait.ts).
  const waitsLean = leanGeneration() >= 6;
  // Generation 7: a round whose events say the config is unchanged does not read it (brand-config.ts).
  const brandConfig = new BrandConfigSource(state, lean, leanGeneration() >= 7);
  // Generation 8: a dispatch's sender may carry the order's transit outlook (learnCarriedOutlooks).
  const takesCarriedOutlooks = leanGeneration() >= 8;
  // Generation 9: an event that leaves the next wake-up where it was leaves its timer pending (lean-wait.ts).
  const wakeUpTimer = leanGeneration() >= 9 ? new WakeUpTimer() : undefined;
  let outlooksCarried = false;
  const takeContext = (context: ParsedRecordEventContext) => {
    brandConfig.announce(context?.configHash);
    if (takesCarriedOutlooks && context?.outlooks && learnCarriedOutlooks(state, context.outlooks)) {
      outlooksCarried = true;
    }
  };
  let outreachChanged = false;
  const changed = () => {
    outreachChanged = true;
    if (!publishPerRound) publisher.publish(state);
  };

  setHandler(journeyStateQuery, () => state);
  const recordOne = (raw: unknown, context?: unknown) => {
    const result = accept(parseLifecycleEvent(raw));
    takeContext(parseRecordEventContext(context));
    changed();
    return result;
  };
  setHandler(recordEventUpdate, recordOne, {
    validator: (raw, context?: unknown) => {
      validateEvent(raw, input);
      parseRecordEventContext(context);
    },
  });
  // No generation: the handler is recordEvent's, and a validator's answer is never in history.
  setHandler(recordFollowUpEventUpdate, recordOne, {
    validator: (raw, context?: unknown) => {
      assertKnowsOrderOrCase(state, validateEvent(raw, input));
      parseRecordEventContext(context);
    },
  });
  setHandler(
    recordEventsUpdate,
    (raw, options) => {
      const events = parseEventBatch(raw).sort(byOccurredAt);
      if (options?.outreach === 'none') {
        if (isLeanRun() || patched('outreach-import-by-id'))
          rememberImported(
            state.outreach,
            events.map((event) => event.eventId),
          );
        else markImported(state, events);
      }
      const results = events.map((event) => accept(event, options?.outreach !== 'none'));
      takeContext(parseRecordEventContext(options));
      changed();
      return results;
    },
    {
      validator: (raw, options) => {
        parseEventBatch(raw).forEach((event) => validateEvent(event, input));
        parseRecordEventContext(options);
      },
    },
  );
  registerOutreachHandlers(state, changed, (promiseId, status) => {
    const route = holdsOrders ? routeOnBreach(state, promiseId, status) : undefined;
    if (route) outbox.push(route);
  });
  registerPromiseContactHandler(state, changed);
  const promiseContacts = new PromiseContactReporter(state.brand);
  const keptEvents = new JourneyEvents();
  setHandler(proactiveContactSignal, (raw) => {
    // Generation 4 checks what reaches the planner; earlier runs took it as sent (their histories replay so).
    const request = leanGeneration() >= 4 ? validSweepRequest(raw, state) : raw;
    if (!request) return;
    sweepQueue.push(request);
    changed();
  });

  function accept(event: LifecycleEvent, plan = true) {
    // Consent and profile answers: the newest by occurredAt wins (earlier histories applied them in arrival order).
    if (isProfileAnswer(event) && !state.profile.changedAt && (isLeanRun() || patched('outreach-profile-by-time')))
      state.profile.changedAt = {};
    const newOrder = holdsOrders && isNewOrder(state, event);
    const { result, route } = applyEvent(state, event, applyOptions);
    const routed = holdsOrders ? routeForHeldOrders(state, event, route, newOrder) : route;
    if (routed) outbox.push(routed);
    if (result.applied) noteForAnticipation(state, event);
    // Imported history too: a delivery in it keeps a promise made live (reconcile.ts decides).
    if (reconciling && route && result.applied) promisesOutOfStep = true;
    if (plan && result.applied) {
      planQueue.push(event);
      if (!reconciling) promiseQueue.push(...implicitPromiseCommands(state, event));
    }
    return result;
  }

  if (!publishPerRound) publisher.publish(state);
  const maxHistory = input.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS;
  const historyIsLong = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= maxHistory;
  const now = () => new Date().toISOString();
  for (;;) {
    const wakeAt = earliest(nextOutreachWakeUp(state.outreach, now()), state.implicitPromises?.retryAt);
    const wakeInMs = wakeAt ? Math.max(1, Date.parse(wakeAt) - Date.now()) : undefined;
    const ready = () =>
      outbox.length > 0 ||
      outreachChanged ||
      planQueue.length > 0 ||
      sweepQueue.length > 0 ||
      promiseQueue.length > 0 ||
      promisesOutOfStep ||
      historyIsLong();
    // The timer's summary in the Temporal UI's timeline: the brand's local time, as in the journey's details.
    const wakeSummary = wakeAt ? `next outreach decision at ${formatInZone(wakeAt, operatorZone(state))}` : '';
    if (wakeUpTimer) await wakeUpTimer.wait(ready, wakeAt, wakeSummary);
    else if (wakeInMs === undefined) await condition(ready);
    else if (waitsLean) await readyOrTimeout(ready, wakeInMs, `next outreach decision at ${wakeAt}`);
    else await condition(ready, wakeInMs, { summary: `next outreach decision at ${wakeAt}` });
    outreachChanged = false;
    brandConfig.nextRound();
    // Generation 2: forwarding and the promise changes in one activity, ahead of the planning
    // (which neither reads nor changes what they do). Earlier runs replay their two activities.
    const oneActivity = leanGeneration() >= 2;
    // Generation 3: that activity also reads the config and statistics the planning needs.
    let outlooksReadInRound: boolean | undefined;
    if (oneActivity) {
      const reconcileNow = reconciling && (promisesOutOfStep || retryIsDue(state, now()));
      if (reconcileNow) promisesOutOfStep = false;
      if (outbox.length > 0 || reconcileNow) {
        const planning = planQueue.length > 0 || sweepQueue.length > 0;
        const reads = leanGeneration() >= 3 ? roundReadRequests(state, brandConfig, planning) : {};
        const answers = await runRoundActivity(outbox, state, reconcileNow, reads);
        // Held orders whose delivery promise could not be made get their workflow next round.
        if (holdsOrders) outbox.push(...releasedOrders(state));
        if (leanGeneration() >= 3) outlooksReadInRound = receiveRoundReads(state, brandConfig, reads, answers);
      }
    } else if (outbox.length > 0) await forward(outbox, state);
    // Learn from deliveries (imported ones too) and read transit outlooks, before the playbooks plan.
    const exchanged = outlooksReadInRound ?? (await exchangeStatistics(state));
    const outlooksRead = exchanged || outlooksCarried;
    outlooksCarried = false;
    // Playbooks arrived after journeys had run without them: guarded, so earlier histories replay.
    if (planQueue.length > 0 || sweepQueue.length > 0) {
      const [events, sweeps] = [planQueue.splice(0), sweepQueue.splice(0)];
      if (isLeanRun() || patched('playbooks-v1')) await planFromPlaybooks(state, events, sweeps, now(), brandConfig);
    } else if (outlooksRead && (leanGeneration() >= 2 || patched('antic-plan-imported-outlooks'))) {
      // Orders imported while in transit: no live event plans them, yet their promise is ahead.
      // Newer than cost-lean-round: asked in generation-1 runs, taken as given from generation 2.
      await planLateNotices(state, now(), brandConfig);
    }
    if (!oneActivity && reconciling && (promisesOutOfStep || retryIsDue(state, now()))) {
      promisesOutOfStep = false;
      await bringImplicitPromisesInStep(state);
    } else if (promiseQueue.length > 0) {
      const commands = promiseQueue.splice(0);
      if (isLeanRun() || patched('implicit-promises-v1')) {
        // A promise that cannot be made or kept is logged, never a reason to stop the journey.
        await keepImplicitPromises(implicitPromiseRequest(state, commands)).catch((error: unknown) =>
          log.warn('implicit promises failed', { commands: commands.map((command) => command.promiseId), error }),
        );
      }
    }
    // Most rounds have no outreach due. Those publish once, at the end: the same commands as
    // publishing before an outreach that does nothing, without building the details twice.
    if (hasOutreachWork(state.outreach, now())) {
      // Before outreach, which may wait long on a mail server: the round's changes show meanwhile.
      if (publishPerRound) publisher.publish(state);
      await runDueOutreach(state, workflowInfo().workflowId, now, brandConfig, stillWantedNow(state, now()), {
        applyEvent: (event) => {
          accept(event);
          changed();
        },
        onDecided: promiseContacts.collect,
        events: keptEvents,
      });
      // Only outreach collects promise contacts to report.
      await promiseContacts.flush();
    }
    publisher.publish(state);
    if (!historyIsLong()) continue;
    // Let every update and signal handler finish so nothing is lost at the boundary.
    await condition(allHandlersFinished);
    if (
      outbox.length > 0 ||
      outreachChanged ||
      planQueue.length > 0 ||
      sweepQueue.length > 0 ||
      promiseQueue.length > 0 ||
      promisesOutOfStep
    )
      continue;
    await keptEvents.flush();
    state.counters.continuedAsNew += 1;
    await continueAsNew<typeof customerJourney>({
      ...input,
      // The next run starts on this code, whatever generation this one started on.
      ...startedOnThisGeneration,
      carried: { state, outbox, planQueue, sweepQueue, promiseQueue },
    });
  }
}

/**
 * A sweep's request as the schema defines it, or nothing: a signal cannot be rejected, so a
 * malformed one (sent by hand, or by another version's sweep) is logged with what is wrong and
 * dropped, where it became a contact without a template that failed at sending.
 */
function validSweepRequest(raw: unknown, state: JourneyState): ProactiveContactRequest | undefined {
  const parsed = proactiveContactRequestSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  log.warn('invalid proactive contact request dropped', {
    brand: state.brand,
    customerId: state.customerId,
    issues: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(request)'}: ${issue.message}`),
  });
  return undefined;
}

function isProfileAnswer(event: LifecycleEvent): boolean {
  return event.type === 'consent.changed' || event.type === 'profile.updated';
}

/** A quiet-before watermark past now (set by earlier code from a future-dated import row) ends now. */
function endFutureQuiet(state: JourneyState, now: string): void {
  const quietBefore = state.outreach.quietBefore;
  if (quietBefore && Date.parse(quietBefore) > Date.parse(now)) state.outreach.quietBefore = now;
}

/** History imported after the fact (journeys from before `outreach-import-by-id`): a watermark. */
function markImported(state: JourneyState, events: LifecycleEvent[]): void {
  const latest = events.at(-1)?.occurredAt;
  if (latest && (!state.outreach.quietBefore || latest > state.outreach.quietBefore))
    state.outreach.quietBefore = latest;
}

/** Contact requests, operator pauses and promise reports: all validated before history. */
function registerOutreachHandlers(
  state: JourneyState,
  changed: () => void,
  onPromiseStatus: (promiseId: string, status: string) => void,
): void {
  const outreach = state.outreach;
  const now = () => new Date().toISOString();
  setHandler(
    requestContactUpdate,
    (raw) => {
      const request = contactRequestSchema.parse(raw);
      const added = addPending(outreach, {
        ...request,
        dueAt: request.dueAt ?? now(),
        source: 'request',
        deferrals: 0,
      });
      changed();
      return { key: request.key, added };
    },
    { validator: (raw) => void parseOrReject(contactRequestSchema, raw) },
  );
  setHandler(
    pauseOutreachUpdate,
    (raw) => {
      const { orderId, until, reason } = pauseOutreachSchema.parse(raw);
      if (orderId) outreach.orderPauses[orderId] = { until, reason };
      else outreach.customerPause = { until, reason };
      changed();
      return { paused: outreach.pending.filter((contact) => isPaused(outreach, contact, now())).length };
    },
    {
      validator: (raw) => {
        const pause = parseOrReject(pauseOutreachSchema, raw);
        if (pause.until && pause.until <= now())
          throw new InvalidOutreachChange(`until: ${pause.until} is in the past`);
      },
    },
  );
  setHandler(
    resumeOutreachUpdate,
    (raw) => {
      const { orderId } = resumeOutreachSchema.parse(raw);
      const before = outreach.pending.filter((contact) => isPaused(outreach, contact, now())).length;
      if (orderId) delete outreach.orderPauses[orderId];
      else outreach.customerPause = undefined;
      changed();
      return { resumed: before - outreach.pending.filter((contact) => isPaused(outreach, contact, now())).length };
    },
    { validator: (raw) => void parseOrReject(resumeOutreachSchema, raw) },
  );
  setHandler(
    cancelOutreachUpdate,
    (raw) => {
      const { orderId, reason } = cancelOutreachSchema.parse(raw);
      const cancelled = cancelPending(outreach, now(), reason, orderId);
      changed();
      // Already on its way: it cannot be called back, and the operator is told so.
      const inFlight = outreach.pending.find(
        (contact) => contact.key === outreach.sending && (orderId === undefined || contact.orderId === orderId),
      );
      return inFlight ? { cancelled, sending: inFlight.key } : { cancelled };
    },
    { validator: (raw) => void parseOrReject(cancelOutreachSchema, raw) },
  );
  setHandler(promiseStatusSignal, ({ promiseId, status, dueAt }) => {
    trackPromise(state, promiseId, status, dueAt);
    onPromiseStatus(promiseId, status);
    changed();
  });
}

export class InvalidOutreachChange extends Error {
  override name = 'InvalidOutreachChange';
}

function parseOrReject<T>(schema: z.ZodType<T>, raw: unknown): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw new InvalidOutreachChange(
    result.error.issues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`).join('; '),
  );
}

function trackPromise(state: JourneyState, promiseId: string, status: string, dueAt?: string): void {
  const { promises } = state;
  if (state.implicitPromises) recordReportedStatus(state.implicitPromises, promiseId, status);
  const without = (ids: string[]) => ids.filter((id) => id !== promiseId);
  const open = status === 'open' || status === 'at-risk' || status === 'breached';
  trackRunningPromise(promises, promiseId, open ? { status, ...(dueAt ? { dueAt } : {}) } : undefined);
  promises.open = open ? [...without(promises.open), promiseId] : without(promises.open);
  promises.atRisk =
    status === 'at-risk' || status === 'breached' ? [...without(promises.atRisk), promiseId] : without(promises.atRisk);
}

/** Synchronous, so a throw rejects the update before anything is written to history. */
function validateEvent(raw: unknown, input: CustomerJourneyInput): LifecycleEvent {
  const event = parseLifecycleEvent(raw);
  if (event.brand !== input.brand || event.customerId !== input.customerId) {
    throw new InvalidEventError(
      `event ${event.eventId} belongs to ${event.brand}/${event.customerId}, not this journey`,
    );
  }
  return event;
}

/**
 * `recordFollowUpEvent` came without an ownership check: only an order or case this journey
 * already knows vouches for it (it reached the journey through that check).
 */
function assertKnowsOrderOrCase(state: JourneyState, event: LifecycleEvent): void {
  const known = isOrderEvent(event)
    ? state.orders[event.orderId] !== undefined && !isForeign(state, deliveryPromiseId(event.orderId))
    : isCaseEvent(event) &&
      state.cases[event.caseId!] !== undefined &&
      !isForeign(state, caseResponsePromiseId(event.caseId!));
  if (!known) {
    throw ApplicationFailure.create({
      type: NOT_KNOWN_HERE,
      message: `event ${event.eventId}: this journey does not know its order or case`,
      nonRetryable: true,
    });
  }
}

/** Its promise was made to another customer (a race of two placements): not this journey's to vouch for. */
const isForeign = (state: JourneyState, promiseId: string): boolean =>
  state.implicitPromises?.confirmed[promiseId]?.status === 'foreign';

const byOccurredAt = (a: LifecycleEvent, b: LifecycleEvent): number => a.occurredAt.localeCompare(b.occurredAt);

const { keepImplicitPromises } = proxyActivities<ReturnType<typeof createImplicitPromiseActivities>>({
  startToCloseTimeout: '1 minute',
  // Bounded: a promise that cannot be made must not hold the journey back for ever.
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 10 },
});

function implicitPromiseRequest(state: JourneyState, commands: ImplicitPromiseCommand[]) {
  const { name, email, phone, locale, timezone } = state.profile;
  return {
    brand: state.brand,
    customerId: state.customerId,
    contact: { name, email, phone, locale, timezone },
    commands,
  };
}

const { reconcileImplicitPromises } = proxyActivities<ImplicitPromiseActivities>({
  startToCloseTimeout: '1 minute',
  // Briefly here; beyond that the journey retries the round with backoff (retryIsDue), for ever.
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 3 },
});

/**
 * One reconciliation round: the changes that bring the implicit promises in step with the
 * orders and cases, carried out by one idempotent activity. What fails stays out of step and
 * is retried later with backoff, flagged on the journey (KeptFlags 'promise-sync-failing').
 */
async function bringImplicitPromisesInStep(state: JourneyState): Promise<void> {
  const sync = (state.implicitPromises ??= initialImplicitPromiseSync());
  pruneImplicitPromises(state, sync);
  const changes = implicitPromiseChanges(state, sync.confirmed);
  let results: ImplicitPromiseResult[];
  if (changes.length === 0) results = [];
  else {
    const { brand, customerId } = state;
    const request = { brand, customerId, contact: contactOf(state), changes };
    results = await (
      isLeanRun() || patched('op-activity-summaries')
        ? reconcileImplicitPromises.executeWithOptions({ summary: promiseChangesSummary(changes) }, [request])
        : reconcileImplicitPromises(request)
    ).catch((error: unknown) => changes.map(({ promiseId }) => ({ promiseId, error: describeError(error) })));
  }
  const failing = recordSyncRound(sync, results, Date.now());
  if (failing.length > 0) {
    log.warn('implicit promises out of step; retrying', {
      promiseIds: failing,
      retryAt: sync.retryAt,
      error: sync.lastError,
    });
  }
}

function retryIsDue(state: JourneyState, now: string): boolean {
  const retryAt = state.implicitPromises?.retryAt;
  return retryAt !== undefined && retryAt <= now;
}

const describeError = (error: unknown): string =>
  error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);

const earliest = (...times: (string | undefined)[]): string | undefined => times.filter(isDefined).sort()[0];

// The activity heartbeats after every event and a retry resumes where the last attempt stopped,
// so the start-to-close timeout only has to fit one chunk, and a dead worker is noticed fast.
const { forwardToJourneys } = proxyActivities<ReturnType<typeof createJourneyForwardingActivities>>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * Hands the accepted events to their order and case journeys (signal or signal-with-start,
 * in an activity: see activities/journey-forwarding.ts for why), a chunk at a time. Events
 * accepted meanwhile wait for the next round; the outbox is carried across continue-as-new,
 * so none is lost.
 */
async function forward(outbox: ChildRoute[], state: JourneyState): Promise<void> {
  // Guarded only when it changes anything: a batch that fits in one chunk is one activity either way.
  const chunk =
    outbox.length > FORWARD_CHUNK && (isLeanRun() || patched('bounded-forward-chunks')) ? FORWARD_CHUNK : outbox.length;
  // The events there now; those accepted meanwhile wait for the next round, as they always did.
  for (let left = outbox.length; left > 0;) {
    const requests = outbox.slice(0, Math.min(chunk, left)).map((route) => forwardRequest(route, state));
    // In words on the Timeline ("forward 2 events to order o-1"); earlier histories scheduled it without.
    await (isLeanRun() || patched('op-activity-summaries')
      ? forwardToJourneys.executeWithOptions({ summary: forwardSummary(requests) }, [requests])
      : forwardToJourneys(requests));
    outbox.splice(0, requests.length);
    left -= requests.length;
  }
}

/**
 * Keeps search attributes, memo and details current, writing only what changed: every
 * upsert is a history event, and a journey lives for years.
 *
 * Generation 3 (`perRound`): the journey publishes once per round (and before its outreach)
 * instead of after every update too, and compares with what the workflow holds
 * (workflowInfo(): the attributes and memo it was started or continued with, and its upserts
 * since), so it writes only the attributes that changed, and nothing at a run's start.
 * Earlier runs wrote all attributes whenever one changed, and replay so.
 */
class Publisher {
  private lastAttributes = '';
  private lastSummary = '';

  constructor(
    private readonly countsOnePromiseSource: boolean,
    private readonly liveSummary: boolean,
    private readonly perRound = false,
  ) {}

  publish(state: JourneyState): void {
    const attributes = this.countsOnePromiseSource ? journeyAttributes(state) : journeyAttributesV0(state);
    const pairs: SearchAttributeUpdatePair[] = [
      { key: KeptBrand, value: state.brand },
      { key: KeptCustomerId, value: state.customerId },
      { key: KeptKind, value: 'journey' },
      { key: KeptStage, value: attributes.stage },
      { key: KeptOpenCases, value: attributes.openCases },
      { key: KeptOpenPromises, value: attributes.openPromises },
      { key: KeptFlags, value: attributes.flags },
      { key: KeptNextDueAt, value: attributes.nextDueAt ? new Date(attributes.nextDueAt) : null },
    ];
    const summary = this.liveSummary ? liveJourneySummary(state) : journeySummary(state);
    if (this.perRound) this.publishChanges(pairs, summary);
    else this.publishAll(JSON.stringify(attributes), pairs, summary);
    setCurrentDetails(journeyDetails(state));
  }

  private publishChanges(pairs: SearchAttributeUpdatePair[], summary: string): void {
    const changed = changedAttributes(pairs);
    if (changed.length > 0) upsertSearchAttributes(changed);
    if (workflowInfo().memo?.summary !== summary) upsertMemo({ summary });
  }

  private publishAll(serialized: string, pairs: SearchAttributeUpdatePair[], summary: string): void {
    if (serialized !== this.lastAttributes) {
      this.lastAttributes = serialized;
      upsertSearchAttributes(pairs);
    }
    if (summary !== this.lastSummary) {
      this.lastSummary = summary;
      upsertMemo({ summary });
    }
  }
}

/**
 * Open promises from one source: the promise workflows' own reports, and the implicit
 * promises the journey made and knows open (reported or not yet). A delivery date is not
 * counted by itself: a brand without a service profile makes no promise, so none shows.
 */
function journeyAttributes(state: JourneyState) {
  const attributes = journeyAttributesV0(state);
  const open = new Set([...state.promises.open, ...openImplicitPromises(state.implicitPromises)]);
  const outOfStep = (state.implicitPromises?.failing.length ?? 0) > 0;
  const idConflict = foreignImplicitPromises(state.implicitPromises).length > 0;
  return {
    ...attributes,
    openPromises: open.size,
    flags: [
      ...attributes.flags,
      ...(outOfStep ? ['promise-sync-failing'] : []),
      ...(idConflict ? ['id-conflict'] : []),
    ],
  };
}

/** As counted before reconciliation (runs recorded then must publish the same values). */
function journeyAttributesV0(state: JourneyState) {
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
    ...(state.promises.atRisk.length > 0 ? ['promise-at-risk'] : []),
    ...(state.outreach.customerPause ? ['outreach-paused'] : []),
    ...(state.configError ? ['config-error'] : []),
  ];
  return {
    stage: state.stage,
    openCases: openCaseCount(state),
    openPromises: deliveryPromises.length + state.promises.open.length,
    flags,
    nextDueAt: dueTimes.sort()[0],
  };
}

const isDefined = <T>(value: T | undefined): value is T => value !== undefined;
