import { CancellationScope, condition, sleep } from '@temporalio/workflow';

/**
 * `condition(ready, ms, { summary })` with the same timer and the same cancel, for a workflow
 * that spends its life waiting (generation 6, lean-patches.ts).
 *
 * Why: the SDK's version races a timer against the condition inside a cancellable scope, which
 * keeps eleven promises pending for as long as the workflow sleeps, and the SDK's stack-trace
 * hook keeps a stack (text and frames) for every pending promise of every cached workflow:
 * about 1 KiB each. This one keeps six, and issues the same commands: a timer with the summary
 * when it starts, and the timer's cancel when `ready` turns true first.
 *
 * Answers true when `ready` turned true, false when the time ran out (as `condition` does).
 */
export async function readyOrTimeout(ready: () => boolean, ms: number, summary: string): Promise<boolean> {
  const timerScope = new CancellationScope({ cancellable: true });
  let timedOut = false;
  // A cancelled timer rejects: that is the cancel this function asked for, not a failure.
  void timerScope
    .run(() => sleep(ms, { summary }))
    .then(
      () => (timedOut = true),
      () => undefined,
    );
  await condition(() => timedOut || ready());
  if (timedOut) return false;
  timerScope.cancel();
  return true;
}
