import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { ProactiveContactRequest } from '../common/sweep/schema';
import { proactiveContactSignal } from '../workflows/sweep/messages';

/**
 * The proactive sweep's side effects: listing the matching journeys through visibility, and
 * signalling them with bounded concurrency. Built from a Temporal client (the worker's).
 */
export interface SweepPage {
  workflowIds: string[];
  /** Base64 of the server's page token; absent on the last page. */
  nextPageToken?: string;
}

export interface SignalOutcome {
  signalled: string[];
  skipped: { workflowId: string; why: string }[];
}

export function createSweepActivities(client: Client) {
  return {
    /** One page of running workflows matching the query. A malformed query fails at once (no retry). */
    async listSweepTargets(input: { query: string; pageSize: number; pageToken?: string }): Promise<SweepPage> {
      const response = await listPage(client, input).catch((error: unknown) => {
        if (isInvalidArgument(error)) {
          throw ApplicationFailure.nonRetryable(
            `invalid visibility query ${input.query}: ${String(error)}`,
            'BadQuery',
          );
        }
        throw error;
      });
      const workflowIds = [
        ...new Set(response.executions.flatMap((execution) => execution.execution?.workflowId ?? [])),
      ];
      const token = response.nextPageToken;
      return token && token.length > 0
        ? { workflowIds, nextPageToken: Buffer.from(token).toString('base64') }
        : { workflowIds };
    },

    /**
     * Signals each workflow, at most `concurrency` at a time. A workflow that finished since
     * the listing is skipped; any other failure fails the activity, and the retry signals the
     * page again (journeys keep one contact per key, so a second signal changes nothing).
     */
    async signalSweepTargets(input: {
      workflowIds: string[];
      request: ProactiveContactRequest;
      concurrency: number;
    }): Promise<SignalOutcome> {
      const outcome: SignalOutcome = { signalled: [], skipped: [] };
      const failures: string[] = [];
      await eachWithConcurrency(input.workflowIds, input.concurrency, async (workflowId) => {
        try {
          await client.workflow.getHandle(workflowId).signal(proactiveContactSignal, input.request);
          outcome.signalled.push(workflowId);
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) outcome.skipped.push({ workflowId, why: 'not running any more' });
          else failures.push(`${workflowId}: ${String(error)}`);
        }
        Context.current().heartbeat(outcome.signalled.length);
      });
      if (failures.length > 0) throw new Error(`could not signal ${failures.length} journeys: ${failures[0]}`);
      // Input order, so the result is the same whatever order the signals completed in.
      const order = new Map(input.workflowIds.map((id, index) => [id, index]));
      outcome.signalled.sort((a, b) => order.get(a)! - order.get(b)!);
      return outcome;
    },
  };
}

function listPage(client: Client, input: { query: string; pageSize: number; pageToken?: string }) {
  return client.workflowService.listWorkflowExecutions({
    namespace: client.options.namespace,
    // Finished journeys (e.g. a run that just continued-as-new) cannot take a signal.
    query: `(${input.query}) AND ExecutionStatus = 'Running'`,
    pageSize: input.pageSize,
    nextPageToken: input.pageToken ? Buffer.from(input.pageToken, 'base64') : undefined,
  });
}

function isInvalidArgument(error: unknown): boolean {
  // gRPC status 3 = INVALID_ARGUMENT: the query does not parse or names an unknown attribute.
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 3;
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function eachWithConcurrency<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next]!;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}
