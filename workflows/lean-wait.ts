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

/** How far off a timer's instant must be for the timer to be kept through a round. */
const KEPT_ONLY_BEYOND_MS = 60_000;

/**
 * The journey's wake-up timer, kept from one wait to the next while its instant stays the
 * same (generation 9, lean-patches.ts).
 *
 * Why: a journey sleeps until its next outreach decision, and most events (a product viewed,
 * a dispatch) leave that instant where it was. `readyOrTimeout` cancelled the pending timer
 * as soon as an event arrived, and the next wait started a new one for the same instant: two
 * history events, two timer operations on the server and a dozen workflow promises per
 * event, for nothing. Now a timer more than a minute off stays pending across the round. It is
 * cancelled when the next wait is for another instant, or for none; a timer that fired while
 * the round ran ends the next wait at once, as the 1 ms timer for an instant already past did
 * before.
 */
export class WakeUpTimer {
  private pending?: { at: string; scope: CancellationScope; fired: boolean };

  /**
   * Waits until `ready` turns true or the instant `at` comes (no instant: only `ready`).
   * Answers true when `ready` turned true, false when the time came (as `condition` does).
   */
  async wait(ready: () => boolean, at: string | undefined, summary: string): Promise<boolean> {
    if (this.pending && this.pending.at !== at) this.drop();
    if (at !== undefined) this.pending ??= start(at, summary);
    const timer = this.pending;
    await condition(() => timer?.fired === true || ready());
    if (timer?.fired) {
      this.pending = undefined;
      return false;
    }
    // A timer due within the round (an instant already come, a minute away) is cancelled now,
    // as before: cancelled after the round, it could fire on the server while the cancel is on
    // its way, a race the time-skipping test server refuses ("invalid history builder state").
    if (timer && Date.parse(timer.at) - Date.now() < KEPT_ONLY_BEYOND_MS) this.drop();
    return true;
  }

  private drop(): void {
    if (this.pending && !this.pending.fired) this.pending.scope.cancel();
    this.pending = undefined;
  }
}

function start(at: string, summary: string): { at: string; scope: CancellationScope; fired: boolean } {
  const scope = new CancellationScope({ cancellable: true });
  const timer = { at, scope, fired: false };
  // A cancelled timer rejects: that is the cancel drop() asked for, not a failure.
  void scope
    .run(() => sleep(Math.max(1, Date.parse(at) - Date.now()), { summary }))
    .then(
      () => (timer.fired = true),
      () => undefined,
    );
  return timer;
}
