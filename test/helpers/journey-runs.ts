import type { TestWorkflowEnvironment } from '@temporalio/testing';

/** One run of a journey that continues as new: its history length and what it carried on. */
export interface JourneyRun {
  historyLength: number;
  /** JSON bytes of the continue-as-new input (the carried state); absent for the running run. */
  carriedBytes?: number;
}

/** Follows the continue-as-new chain from the first run, run by run. */
export async function journeyRuns(env: TestWorkflowEnvironment, workflowId: string): Promise<JourneyRun[]> {
  const latest = await env.client.workflow.getHandle(workflowId).describe();
  let runId: string | undefined = latest.raw.workflowExecutionInfo?.firstRunId ?? undefined;
  const runs: JourneyRun[] = [];
  while (runId) {
    const events = (await env.client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    const continued = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
    const payloads = continued?.input?.payloads ?? [];
    runs.push({
      historyLength: events.length,
      ...(continued ? { carriedBytes: payloads.reduce((sum, payload) => sum + (payload.data?.length ?? 0), 0) } : {}),
    });
    runId = continued?.newExecutionRunId ?? undefined;
  }
  return runs;
}
