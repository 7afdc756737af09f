import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { staffDigestRequestSchema, staffDigestWorkflowId, type StaffDigestRequest } from '../common/staff/digest';
import { KeptBrand, KeptKind, KeptTeam } from '../common/search-attributes';
import { staffDigestItemSignal, staffDigestWithdrawSignal } from '../workflows/staff/messages';

/**
 * Puts a promise's reminder or at-risk alert on its team's digest with signal-with-start (a
 * workflow cannot start one it does not own). Safe to retry: the digest keeps one line per
 * promise, so a second signal changes nothing.
 */
export function createStaffDigestActivities(client: Client) {
  return {
    async addToStaffDigest(input: StaffDigestRequest): Promise<void> {
      const parsed = staffDigestRequestSchema.safeParse(input);
      if (!parsed.success) {
        const fields = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(request)'}: ${issue.message}`);
        throw ApplicationFailure.nonRetryable(`staff digest: ${fields.join('; ')}`, 'InvalidStaffDigestItem');
      }
      const { digest, item } = parsed.data;
      await client.workflow.signalWithStart('staffDigest', {
        workflowId: staffDigestWorkflowId(digest.brand, digest.recipient),
        taskQueue: Context.current().info.taskQueue,
        args: [digest],
        signal: staffDigestItemSignal,
        signalArgs: [item],
        typedSearchAttributes: [
          { key: KeptBrand, value: digest.brand },
          { key: KeptKind, value: 'digest' },
          { key: KeptTeam, value: digest.recipient.id },
        ],
        staticSummary: `Staff digest for ${digest.recipient.kind} ${digest.recipient.id} at ${digest.brand} (${digest.period})`,
      });
    },

    /** Takes a promise off its team's digest (kept before the digest went out); nothing to do when there is none. */
    async withdrawFromStaffDigest(input: {
      brand: string;
      recipient: { kind: string; id: string };
      promiseId: string;
    }): Promise<void> {
      await client.workflow
        .getHandle(staffDigestWorkflowId(input.brand, input.recipient))
        .signal(staffDigestWithdrawSignal, { promiseId: input.promiseId })
        .catch((error: unknown) => {
          // No digest running: nothing was waiting to be sent for this promise.
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        });
    },
  };
}
