import { patched } from '@temporalio/workflow';

/**
 * Every patched() id that a run meets writes two history events in that run: its marker and
 * the SDK's own `TemporalChangeVersion` search attribute upsert (sdk-core does it for every
 * patch; it cannot be turned off). A new journey met nine of them in its first round, 18 of
 * its 53 history events. `deprecatePatch` would not help: it records the same marker.
 *
 * So a run that starts on this code records one marker, `cost-lean-round`, and takes the new
 * branch of every patch older than it as given, without asking. A run recorded before it (no
 * such marker in its history) gets `false` here on replay and asks each patch as it always
 * did, so its history replays command for command. The answer is decided once per run, at its
 * start; the state is per run because the SDK gives each workflow its own module instances.
 */
let leanRun = false;

/** Call first thing in a workflow, before any other patched() call. */
export function startLeanRun(): boolean {
  leanRun = patched('cost-lean-round');
  return leanRun;
}

/**
 * True in runs started on this code: every patch older than `cost-lean-round` applies (use as
 * `isLeanRun() || patched('<id>')`, so the id stays readable to the replay coverage check).
 * Never for a patch added after it: lean runs recorded today went down that patch's old branch.
 * New recordings no longer carry the older ids' markers, so keep the fixture sets that do.
 */
export const isLeanRun = (): boolean => leanRun;
