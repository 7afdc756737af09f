import * as anticipationConditionalRisk from '../common/anticipation/conditional-risk';
import * as anticipationLateNotice from '../common/anticipation/late-notice';
import * as businessTime from '../common/business-time';
import * as ids from '../common/ids';
import * as instants from '../common/instants';
import * as outreachPolicy from '../common/outreach/policy';
import * as playbooksAnchors from '../common/playbooks/anchors';
import * as playbooksArrival from '../common/playbooks/arrival';
import * as playbooksChecks from '../common/playbooks/checks';
import * as playbooksData from '../common/playbooks/data';
import * as playbooksEngine from '../common/playbooks/engine';
import * as predictions from '../common/predictions';
import * as searchAttributes from '../common/search-attributes';
import * as staffTime from '../common/staff/time';
import * as caseState from './case/case-state';
import { readyForFreeze } from './freeze-ready';
import * as journeyActivitySummaries from './journey/activity-summaries';
import * as journeyAnticipationState from './journey/anticipation-state';
import * as journeyArchive from './journey/archive';
import * as journeyConfigIntern from './journey/config-intern';
import * as journeyImplicitPromises from './journey/implicit-promises';
import * as journeyOperatorView from './journey/operator-view';
import * as journeyOutreachState from './journey/outreach-state';
import * as journeyStaffContext from './journey/staff-context';
import * as journeyStageRules from './journey/stage-rules';
import * as journeyState from './journey/state';
import * as journeySummary from './journey/summary';
import * as orderAttributes from './order/order-attributes';
import * as orderState from './order/order-state';
import * as promisePlan from './promise/plan';
import * as promiseState from './promise/promise-state';

/**
 * Kept's pure workflow logic, loaded ONCE per worker like the schema modules
 * (workflows/shared-schemas.ts) instead of once per cached workflow: after the schemas, the
 * code of these modules (their functions and constants) is what a cached workflow still paid
 * for again (issue 13).
 *
 * Why each is safe to share, checked by reading it and everything it imports:
 * - no import of @temporalio/workflow (type-only imports are erased), nothing with side effects:
 *   the only libraries are zod, luxon and @temporalio/common's search attribute keys, all shared
 *   already;
 * - no module-level state that is ever written: no top-level `let`, no cache, no counter. The
 *   module-level objects (event type lists, cap windows, the default transit sketch, the
 *   outreach update schemas, search attribute keys, ...) are only read. What a function
 *   returns, or writes into the workflow's state, it builds fresh (zod's `.default({})` clones
 *   its default per parse); the one constant handed out, the default transit sketch inside a
 *   `TransitModel`, is only read by conditional-risk.ts and late-notice.ts themselves;
 * - their functions are pure with respect to module state: they change only the journey, order
 *   or case state the workflow passes in, which is the workflow's own.
 * The SDK deep-freezes what they export, so a later write into an exported constant fails the
 * workflow task instead of leaking into other workflows. The freeze does not reach a constant a
 * module keeps to itself, nor the entries of a Map or Set: such constants here are typed
 * readonly (the compiler rejects a write in place). test/workflow-bundle.test.ts freezes the
 * modules as the SDK does, checks that exactly these modules are shared, rejects a top-level
 * `let`, `var` or writable Map or Set in them, and runs two journeys with the same events on one
 * worker: their states must be equal, which a default object shared by reference would break.
 *
 * Five memos are shared on purpose, each a pure function's answers that no workflow can change:
 * - common/business-time.ts keeps each calendar's opening windows per date in a module-level
 *   Map keyed by the calendar's text, bounded (that file says why no workflow can see or change
 *   another's entries). Sharing it with what imports it (common/staff/time.ts,
 *   common/playbooks/data.ts and engine.ts, workflows/promise/plan.ts) saves about 9 KiB per
 *   cached workflow, which the 2x heap target needed;
 * - journey/operator-view.ts keeps formatted times (zone and instant → text),
 *   common/playbooks/arrival.ts the calendar day of an instant in a zone, and common/events.ts
 *   (a shared schema module) the zone names found valid: strings and booleans that depend on
 *   the key alone, bounded, so a workflow's answer never depends on which workflow asked first.
 *   All three save CPU on every round (issue 13);
 * - journey/config-intern.ts keeps one frozen copy of each brand config (profile and playbooks)
 *   that journeys hold, keyed by its whole text: about 13 KiB per cached journey (issue 13).
 *
 * Left out: every module that imports @temporalio/workflow (the workflows, their messages,
 * planner, outreach runner, ...).
 *
 * The keys are the modules' paths from the repository root, for that test.
 */
export const sharedLogicModules = {
  'common/anticipation/conditional-risk': anticipationConditionalRisk,
  'common/anticipation/late-notice': anticipationLateNotice,
  'common/business-time': businessTime,
  'common/ids': ids,
  'common/instants': instants,
  'common/outreach/policy': outreachPolicy,
  'common/playbooks/anchors': playbooksAnchors,
  'common/playbooks/arrival': playbooksArrival,
  'common/playbooks/checks': playbooksChecks,
  'common/playbooks/data': playbooksData,
  'common/playbooks/engine': playbooksEngine,
  'common/predictions': predictions,
  'common/search-attributes': searchAttributes,
  'common/staff/time': staffTime,
  'workflows/case/case-state': caseState,
  'workflows/journey/activity-summaries': journeyActivitySummaries,
  'workflows/journey/anticipation-state': journeyAnticipationState,
  'workflows/journey/archive': journeyArchive,
  'workflows/journey/config-intern': journeyConfigIntern,
  'workflows/journey/implicit-promises': journeyImplicitPromises,
  'workflows/journey/operator-view': journeyOperatorView,
  'workflows/journey/outreach-state': journeyOutreachState,
  'workflows/journey/staff-context': journeyStaffContext,
  'workflows/journey/stage-rules': journeyStageRules,
  'workflows/journey/state': journeyState,
  'workflows/journey/summary': journeySummary,
  'workflows/order/order-attributes': orderAttributes,
  'workflows/order/order-state': orderState,
  'workflows/promise/plan': promisePlan,
  'workflows/promise/promise-state': promiseState,
};

// outreach-state.ts builds the journey's outreach update schemas: zod needs them readied for
// the freeze like every shared schema (see freeze-ready.ts). Walking the other modules too is
// harmless, and covers a schema someone adds to one of them later.
readyForFreeze(Object.values(sharedLogicModules));
