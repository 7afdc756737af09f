import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { journeyWorkflowId } from '../common/ids';
import { journeyContactRequestSchema, type JourneyContactRequest } from '../common/promises/customer-contact';
import { KeptBrand, KeptCustomerId, KeptKind } from '../common/search-attributes';
import { promiseContactSignal } from '../workflows/journey/messages';
import { startedOnThisGeneration } from '../common/code-generation';

/**
 * Hands a promise's message for the customer to the customer's journey with
 * signal-with-start: a promise can be made (through the API) for a customer who has no
 * journey yet, and a workflow cannot start another one it does not own. Safe to retry: the
 * journey keeps one pending contact per key, so a second signal adds nothing.
 */
export function createPromiseContactActivities(client: Client) {
  return {
    async requestPromiseContact(input: JourneyContactRequest): Promise<void> {
      const parsed = journeyContactRequestSchema.safeParse(input);
      if (!parsed.success) {
        const fields = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(request)'}: ${issue.message}`);
        throw ApplicationFailure.nonRetryable(`promise contact: ${fields.join('; ')}`, 'InvalidPromiseContact');
      }
      const { brand, customerId, request } = parsed.data;
      await client.workflow.signalWithStart('customerJourney', {
        workflowId: journeyWorkflowId(brand, customerId),
        taskQueue: Context.current().info.taskQueue,
        args: [{ brand, customerId, ...startedOnThisGeneration }],
        signal: promiseContactSignal,
        signalArgs: [request],
        typedSearchAttributes: [
          { key: KeptBrand, value: brand },
          { key: KeptCustomerId, value: customerId },
          { key: KeptKind, value: 'journey' },
        ],
        staticSummary: `Customer journey of ${customerId} at ${brand}`,
      });
    },
  };
}
