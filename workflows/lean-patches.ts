import { patched } from '@temporalio/workflow';
import { WORKFLOW_CODE_GENERATION } from '../common/code-generation';

/**
 * Every patched() id that a run meets writes two history events in that run: its marker and
 * the SDK's own `TemporalChangeVersion` search attribute upsert (sdk-core does it for every
 * patch; it cannot be turned off). A new journey met nine of them in its first round, 18 of
 * its 53 history events. `deprecatePatch` would not help: it records the same marker.
 *
 * So a run records one marker for the generation of code it starts on, and takes the new
 * branch of every patch older than that generation as given, without asking:
 * - `cost-lean-round` (generation 1): every patch before it.
 * - `cost-lean-round-2` (generation 2): also the patches added after generation 1
 *   (`antic-plan-imported-outlooks`, `antic2-late-notice-plan`) and the journey's round in one
 *   activity (round-activity.ts), which has no patch id of its own.
 * - `cost-lean-round-3` (generation 3): the round activity also reads the brand config and
 *   exchanges the brand statistics (no local activity markers for them when it runs), and the
 *   journey publishes its search attributes and memo once per round, writing only what changed.
 * - generation 4 (declared only, see below): a small round runs as a local activity, inside
 *   the workflow task that accepted its event (round-activity.ts).
 * - generation 5 (declared only): an order with a delivery promise lives in the journey, without
 *   a workflow of its own, until it leaves its routine path or its promise breaches
 *   (journey/held-orders.ts).
 * - generation 6 (declared only): the journey and the promise wait for their next step with
 *   fewer promises pending (lean-wait.ts): the same timer and cancel, less heap per cached workflow.
 * - generation 7 (declared only): a round whose events all carry the hash of the config the
 *   journey holds does not read the config again (journey/brand-config.ts).
 * - generation 8 (declared only): a dispatch whose sender carried the order's transit outlook
 *   takes it in place of the journey's own statistics read (journey/anticipation.ts
 *   `learnCarriedOutlooks`): the dispatch's round has no local activity left.
 * - generation 9 (declared only): an event that leaves the journey's next wake-up where it was
 *   leaves its timer pending (lean-wait.ts `WakeUpTimer`): no timer cancelled and started again
 *   for the same instant at every event.
 * A run recorded on an earlier generation has no marker of a later one in its history, so on
 * replay it gets that earlier generation here and asks each newer patch as it always did: its
 * history replays command for command. A new run asks only the newest marker (the `||` stops
 * there), so it writes one marker, whatever the number of generations. The answer is decided
 * once per run, at its start; the state is per run because the SDK gives each workflow its own
 * module instances.
 *
 * Since generation 3 a run's starter may say the generation in the run's input
 * (`codeGeneration`, common/code-generation.ts): then the run asks no marker at all, and its
 * history has none (two history events fewer per workflow). The input is history too, so a
 * replay reads the same answer. A run without it (started by earlier code, or by a caller that
 * does not say) asks the markers as before. Generations after 3 have no marker: they are
 * declared or not had, so a run whose starter does not say gets generation 3 at most.
 */
let generation = 0;

/** The oldest generation a starter may declare: runs before it always asked the markers. */
const FIRST_DECLARED_GENERATION = 3;

/**
 * Call first thing in a workflow, before any other patched() call, with the `codeGeneration`
 * of the run's input.
 */
export function startLeanRun(declared?: unknown): boolean {
  generation = declared === undefined ? askMarkers() : declaredGeneration(declared);
  return generation >= 1;
}

function askMarkers(): number {
  return patched('cost-lean-round-3') ? 3 : patched('cost-lean-round-2') ? 2 : patched('cost-lean-round') ? 1 : 0;
}

/**
 * A generation newer than this code (a client upgraded before its workers) is not guessed at:
 * the thrown error fails the workflow task, not the run, and Temporal retries the task until a
 * worker that knows the generation takes it. Nothing is written to the run's history meanwhile.
 */
function declaredGeneration(declared: unknown): number {
  const known =
    typeof declared === 'number' &&
    Number.isInteger(declared) &&
    declared >= FIRST_DECLARED_GENERATION &&
    declared <= WORKFLOW_CODE_GENERATION;
  if (known) return declared;
  throw new Error(
    `this run was started for workflow code generation ${String(declared)}; this worker runs generations ` +
      `${FIRST_DECLARED_GENERATION} to ${WORKFLOW_CODE_GENERATION}: deploy the worker that matches the client`,
  );
}

/**
 * True in runs started on generation 1 or later: every patch older than `cost-lean-round`
 * applies (use as `isLeanRun() || patched('<id>')`, so the id stays readable to the replay
 * coverage check). Never for a patch added after it: use `leanGeneration() >= N || ...` for those.
 * New recordings no longer carry the older ids' markers, so keep the fixture sets that do.
 */
export const isLeanRun = (): boolean => generation >= 1;

/** The generation of code this run started on: 0 before the lean markers, else 1 to 3. */
export const leanGeneration = (): number => generation;
