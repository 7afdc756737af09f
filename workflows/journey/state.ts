import type { Channel, EventOfType, LifecycleEvent, LifecycleStage, MessageCategory } from '../../common/events';
import { predictNeeds, type Prediction } from '../../common/predictions';
import { CASE_EVENT_WINDOW, addCaseEvent, isCaseEvent, type CaseState } from '../case/case-state';
import { ORDER_EVENT_WINDOW, addOrderEvent, isOrderEvent, type OrderState } from '../order/order-state';
import { archiveEnded, type JourneyArchive } from './archive';
import type { AnticipationState } from './anticipation-state';
import type { ImplicitPromiseSync } from './implicit-promises';
import { initialOutreachState, type OutreachState } from './outreach-state';
import { journeyStage, type CalmSignal } from './stage-rules';

/**
 * The journey's state, and the pure functions that apply events to it. Pure and
 * JSON-serialisable (plain objects and arrays, no Map/Set) so it is carried whole across
 * continue-as-new and can be unit-tested without a server.
 */

export interface StageChange {
  stage: LifecycleStage;
  enteredAt: string;
  leftAt?: string;
  /** The event that moved the journey here, in words an operator reads. */
  reason: string;
}

export interface CustomerProfile {
  name?: string;
  email?: string;
  phone?: string;
  timezone?: string;
  locale?: string;
  preferredChannels: Channel[];
  /** Consent per message category, per channel ('*' = every channel). Transactional is always allowed. */
  consent: Partial<Record<MessageCategory, Partial<Record<Channel | '*', boolean>>>>;
  /**
   * When each consent answer (`consent.<category>.<channel>`) and profile field
   * (`profile.<field>`) was given: the newest by `occurredAt` wins, whatever the arrival order,
   * so an imported old opt-in never overrides a newer opt-out. Absent on journeys that predate
   * it (they apply in arrival order, as their histories did).
   */
  changedAt?: Record<string, string>;
}

/** What the customer will need next, with its basis in words (see common/predictions.ts). */
export type PredictedNeed = Prediction;

export interface JourneyCounters {
  eventsApplied: number;
  duplicatesIgnored: number;
  ordersPlaced: number;
  casesOpened: number;
  casesResolved: number;
  surveysAnswered: number;
  satisfactionTotal: number;
  questionsAsked: number;
  productsViewed: number;
  continuedAsNew: number;
}

/** Most stage histories are short; a bound keeps a decade-long journey's state small. */
export const STAGE_HISTORY_LIMIT = 200;
/** A redelivered event is recognised among this many most recent event ids. */
export const RECENT_EVENT_IDS_LIMIT = 2000;

export interface JourneyState {
  brand: string;
  customerId: string;
  stage: LifecycleStage;
  stageHistory: StageChange[];
  profile: CustomerProfile;
  orders: Record<string, OrderState>;
  cases: Record<string, CaseState>;
  /** Orders and cases that ended long ago, as the aggregates predictions and reports need. */
  archive?: JourneyArchive;
  /** The latest calm-stage signal (research, compare, use, repurchase), for the stage rules. */
  lastCalmSignal?: CalmSignal;
  openQuestions: string[];
  predictedNeeds: PredictedNeed[];
  counters: JourneyCounters;
  recentEventIds: string[];
  lastEventAt?: string;
  outreach: OutreachState;
  /** Promise workflows of this customer that are still open, and those at risk or breached. */
  promises: { open: string[]; atRisk: string[]; running?: Record<string, RunningPromise> };
  /** Implicit promises (delivery dates, response targets) as the promise workflows confirmed them. */
  implicitPromises?: ImplicitPromiseSync;
  /** Orders that have no workflow of their own: the journey alone holds them (generation 5, held-orders.ts). */
  heldOrders?: string[];
  /** Deliveries to learn from and late-delivery outlooks (see anticipation-state.ts). */
  anticipation?: AnticipationState;
  /** Tasks colleagues marked done (`task.completed`), newest last, at most COMPLETED_TASKS_LIMIT. */
  completedTasks?: { taskId: string; at: string; by?: string; note?: string }[];
  /** The brand's config file is unusable: decisions use the last good one (see brand-config.ts). */
  configError?: string;
  /**
   * Whether the brand has a service profile, as the journey last read its configuration (and
   * the zone operators read its times in). Without one Kept makes no promise and sends nothing.
   */
  brandProfile?: { present: boolean; timezone?: string };
}

/** A promise still running, as its workflow last reported it (for the operator's view). */
export interface RunningPromise {
  status: string;
  dueAt?: string;
}

export interface RecordEventResult {
  eventId: string;
  applied: boolean;
  duplicate: boolean;
  stage: LifecycleStage;
}

/** What the workflow must do after applying an event: route it to a child journey. */
export type ChildRoute =
  | {
      kind: 'order';
      id: string;
      event: LifecycleEvent;
      /** Generation 5: the journey held the order until now; its workflow starts from the journey's state (held-orders.ts). */
      startFromJourney?: boolean;
    }
  | { kind: 'case'; id: string; event: LifecycleEvent };

export function initialJourneyState(brand: string, customerId: string, now: string): JourneyState {
  return {
    brand,
    customerId,
    stage: 'research',
    stageHistory: [{ stage: 'research', enteredAt: now, reason: 'journey started' }],
    profile: { preferredChannels: [], consent: {} },
    orders: {},
    cases: {},
    openQuestions: [],
    predictedNeeds: [],
    counters: {
      eventsApplied: 0,
      duplicatesIgnored: 0,
      ordersPlaced: 0,
      casesOpened: 0,
      casesResolved: 0,
      surveysAnswered: 0,
      satisfactionTotal: 0,
      questionsAsked: 0,
      productsViewed: 0,
      continuedAsNew: 0,
    },
    recentEventIds: [],
    outreach: initialOutreachState(),
    promises: { open: [], atRisk: [] },
  };
}

export interface ApplyOptions {
  /**
   * Keep the state bounded: each order and case keeps a window of recent events, and ended
   * ones are archived (see archive.ts). Journeys recorded before this replay without it.
   */
  bounded?: boolean;
}

/**
 * Applies one validated event. A duplicate event id is ignored. Returns the result for the
 * caller and the child journey (order or case) the event must also reach.
 */
export function applyEvent(
  state: JourneyState,
  event: LifecycleEvent,
  options: ApplyOptions = {},
): { result: RecordEventResult; route?: ChildRoute } {
  if (state.recentEventIds.includes(event.eventId)) {
    state.counters.duplicatesIgnored += 1;
    return { result: { eventId: event.eventId, applied: false, duplicate: true, stage: state.stage } };
  }
  rememberEventId(state, event.eventId);
  state.counters.eventsApplied += 1;
  if (!state.lastEventAt || event.occurredAt > state.lastEventAt) state.lastEventAt = event.occurredAt;

  backdateStart(state, event);
  const route = applyToParts(state, event, options);
  if (options.bounded) archiveEnded(state);
  state.predictedNeeds = predictNeeds(state);
  updateStage(state, event);
  return { result: { eventId: event.eventId, applied: true, duplicate: false, stage: state.stage }, route };
}

/**
 * A journey begins at the earliest thing it knows, not when a worker first saw it: an event
 * that happened before the start moves the start back, so the stages that follow can be
 * entered at their events' own times (a stage never enters before the one before it).
 */
function backdateStart(state: JourneyState, event: LifecycleEvent): void {
  const [start] = state.stageHistory;
  if (state.stageHistory.length !== 1 || start?.reason !== 'journey started') return;
  if (Date.parse(event.occurredAt) < Date.parse(start.enteredAt)) start.enteredAt = event.occurredAt;
}

function rememberEventId(state: JourneyState, eventId: string): void {
  state.recentEventIds.push(eventId);
  if (state.recentEventIds.length > RECENT_EVENT_IDS_LIMIT) state.recentEventIds.shift();
}

function applyToParts(state: JourneyState, event: LifecycleEvent, options: ApplyOptions): ChildRoute | undefined {
  if (isOrderEvent(event)) {
    const before = state.orders[event.orderId];
    state.orders[event.orderId] = addOrderEvent(before, event, options.bounded ? { window: ORDER_EVENT_WINDOW } : {});
    if (event.type === 'order.placed') state.counters.ordersPlaced += 1;
    return { kind: 'order', id: event.orderId, event };
  }
  if (isCaseEvent(event)) {
    const before = state.cases[event.caseId];
    const after = addCaseEvent(before, event, options.bounded ? { window: CASE_EVENT_WINDOW } : {});
    state.cases[event.caseId] = after;
    countCaseChange(state, event, before, after);
    return { kind: 'case', id: event.caseId, event };
  }
  applyCustomerEvent(state, event);
  return undefined;
}

function countCaseChange(
  state: JourneyState,
  event: LifecycleEvent,
  before: CaseState | undefined,
  after: CaseState,
): void {
  if (event.type === 'issue.reported') state.counters.casesOpened += 1;
  if (before?.status !== 'resolved' && after.status === 'resolved') state.counters.casesResolved += 1;
  if (event.type === 'survey.answered') countSurvey(state, event);
}

function countSurvey(state: JourneyState, event: EventOfType<'survey.answered'>): void {
  state.counters.surveysAnswered += 1;
  state.counters.satisfactionTotal += event.score;
}

/** Events about the customer rather than one order or case. */
function applyCustomerEvent(state: JourneyState, event: LifecycleEvent): void {
  switch (event.type) {
    case 'product.viewed':
      state.counters.productsViewed += 1;
      return noteCalm(state, 'research', event);
    case 'question.asked':
      state.counters.questionsAsked += 1;
      if (!state.openQuestions.includes(event.questionId)) state.openQuestions.push(event.questionId);
      return noteCalm(state, 'research', event);
    case 'question.answered':
      state.openQuestions = state.openQuestions.filter((id) => id !== event.questionId);
      return;
    case 'products.compared':
    case 'quote.requested':
      return noteCalm(state, 'compare', event);
    case 'product.activated':
    case 'usage.reported':
    case 'usage.dropped':
      return noteCalm(state, 'use', event);
    case 'subscription.renewed':
    case 'warranty.expiring':
      return noteCalm(state, 'repurchase', event);
    case 'survey.answered':
      return countSurvey(state, event);
    case 'consent.changed':
      return applyConsent(state, event);
    case 'profile.updated':
      return applyProfile(state, event);
    case 'task.completed':
      return recordCompletedTask(state, event);
  }
}

/** Bounded: the journey lives for years; the delivery ledger and the event history keep the rest. */
export const COMPLETED_TASKS_LIMIT = 50;

function recordCompletedTask(state: JourneyState, event: EventOfType<'task.completed'>): void {
  const { taskId, by, note } = event;
  const tasks = (state.completedTasks ??= []);
  tasks.push({ taskId, at: event.occurredAt, ...definedOnly({ by, note }) });
  if (tasks.length > COMPLETED_TASKS_LIMIT) tasks.shift();
}

function noteCalm(state: JourneyState, stage: CalmSignal['stage'], event: LifecycleEvent): void {
  if (!state.lastCalmSignal || event.occurredAt >= state.lastCalmSignal.at) {
    state.lastCalmSignal = { stage, at: event.occurredAt, reason: event.type };
  }
}

function applyConsent(state: JourneyState, event: EventOfType<'consent.changed'>): void {
  const channel = event.channel ?? '*';
  const perChannel = state.profile.consent[event.category] ?? {};
  const changedAt = state.profile.changedAt;
  if (changedAt) {
    const key = (answered: string) => `consent.${event.category}.${answered}`;
    // A newer answer for this channel, or for the whole category, stands.
    if (newerThan(changedAt, [key(channel), key('*')], event.occurredAt)) return;
    changedAt[key(channel)] = event.occurredAt;
    // A category-wide answer replaces the channel-specific ones given before it.
    if (channel === '*') {
      for (const answered of Object.keys(perChannel) as (Channel | '*')[]) {
        if (answered === '*' || newerThan(changedAt, [key(answered)], event.occurredAt)) continue;
        delete perChannel[answered];
        delete changedAt[key(answered)];
      }
    }
  }
  perChannel[channel] = event.granted;
  state.profile.consent[event.category] = perChannel;
}

function applyProfile(state: JourneyState, event: EventOfType<'profile.updated'>): void {
  const { name, email, phone, timezone, locale, preferredChannels } = event;
  const fields = definedOnly({ name, email, phone, timezone, locale, preferredChannels });
  const profile = state.profile;
  const changedAt = profile.changedAt;
  for (const field of Object.keys(fields) as (keyof typeof fields)[]) {
    if (changedAt) {
      if (newerThan(changedAt, [`profile.${field}`], event.occurredAt)) continue;
      changedAt[`profile.${field}`] = event.occurredAt;
    }
    Object.assign(profile, { [field]: fields[field] });
  }
}

/** Whether any of these answers was given after `occurredAt` (instants compared as numbers). */
function newerThan(changedAt: Record<string, string>, keys: string[], occurredAt: string): boolean {
  return keys.some((key) => changedAt[key] !== undefined && Date.parse(changedAt[key]) > Date.parse(occurredAt));
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

function updateStage(state: JourneyState, event: LifecycleEvent): void {
  const next = journeyStage(state);
  if (next.stage === state.stage) return;
  const current = state.stageHistory[state.stageHistory.length - 1];
  // Late-arriving events may carry an older time; a stage never enters before the previous one.
  const enteredAt = current && current.enteredAt > event.occurredAt ? current.enteredAt : event.occurredAt;
  if (current) current.leftAt = enteredAt;
  state.stageHistory.push({ stage: next.stage, enteredAt, reason: stageReason(event.type, next.why) });
  if (state.stageHistory.length > STAGE_HISTORY_LIMIT) state.stageHistory.shift();
  state.stage = next.stage;
}

/** "order.placed: order o-1 is placed", but "products.compared" alone when the rule says no more. */
export function stageReason(eventType: string, why: string): string {
  return why === eventType ? eventType : `${eventType}: ${why}`;
}

export function openCaseCount(state: JourneyState): number {
  return Object.values(state.cases).filter((item) => item.status === 'open').length;
}
