import { ApplicationFailure, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { createSweepActivities } from '../../activities/sweep';
import { describeIssues } from '../../common/events';
import { KeptKind } from '../../common/search-attributes';
import {
  SWEEP_ID_LIST_LIMIT,
  sweepInputSchema,
  type ProactiveContactRequest,
  type SweepInput,
  type SweepResult,
} from '../../common/sweep/schema';

const { listSweepTargets, signalSweepTargets } = proxyActivities<ReturnType<typeof createSweepActivities>>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * A proactive sweep: finds the journeys a visibility query matches and signals each with a
 * proactive contact request, page by page, with bounded concurrency (inside the signalling
 * activity). The journeys decide for themselves (conditions, exit goal, contact policy);
 * the sweep only asks. Started by the Schedules in config/schedules.json.
 *
 * Safe to retry and replay: the request's key is derived from the sweep id, so a journey
 * signalled twice by one run plans one contact.
 */
export async function proactiveSweep(raw: SweepInput): Promise<SweepResult> {
  const parsed = sweepInputSchema.safeParse(raw);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(
      `invalid sweep input: ${describeIssues(undefined, parsed.error)}`,
      'InvalidSweep',
    );
  }
  const input = parsed.data;
  upsertSearchAttributes([{ key: KeptKind, value: 'sweep' }]);
  const sweepId = input.sweepId ?? workflowInfo().workflowId;
  const request: ProactiveContactRequest = {
    sweepId,
    ...(input.playbookId ? { playbookId: input.playbookId } : {}),
    ...(input.template ? { template: input.template } : {}),
    category: input.category,
    reason: input.reason,
    key: `${input.playbookId ?? input.template}/${sweepId}`,
  };
  const result: SweepResult = { sweepId, query: input.query, matched: 0, signalled: 0, skipped: [], signalledIds: [] };
  let pageToken: string | undefined;
  do {
    const page = await listSweepTargets({ query: input.query, pageSize: input.pageSize, pageToken });
    const outcome = await signalSweepTargets({
      workflowIds: page.workflowIds,
      request,
      concurrency: input.concurrency,
    });
    result.matched += page.workflowIds.length;
    result.signalled += outcome.signalled.length;
    result.skipped.push(...outcome.skipped.slice(0, SWEEP_ID_LIST_LIMIT - result.skipped.length));
    result.signalledIds.push(...outcome.signalled.slice(0, SWEEP_ID_LIST_LIMIT - result.signalledIds.length));
    pageToken = page.nextPageToken;
  } while (pageToken);
  return result;
}
