import { CancellationScope, condition, sleep } from '@temporalio/workflow';

/**
 * `condition(ready, ms, { summary })` with the same timer and the same cancel, for a workflow
 * that spends its life waiting (generation 6, lean-patches.ts).
 *
 * Why: the SDK's stack-trace hook keeps a stack (text and frames) for every pending promise of
 * every cached workflow, and the SDK's version races a timer against the condition inside a
 * cancellable scope: more promises, each with the scope's frames in its stack, for as long as
 * the workflow sleeps. Measured on a sleeping journey: 15 pending promises with 6,001
 * characters of stack text before, 13 with 2,634 after (a promise workflow: 20 / 7,366 before,
 * 18 / 3,909 after). It issues the same commands: a timer with the summary when it starts, and
 * the timer's cancel when `ready` turns true first.
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
