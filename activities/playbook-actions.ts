import type { Client } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { InvalidPromiseError, PromiseClient } from '../client/promises';
import { brandIdSchema, idSchema, timestampSchema } from '../common/events';
import { profileFileReader } from '../common/profiles/load-profiles';
import { isoDurationSchema } from '../common/profiles/schema';
import { promiseContactSchema, promiseKindSchema } from '../common/promises/schema';

/** A playbook's `make-promise` action, as the journey asks for it (validated here: an activity is a boundary). */
export const playbookPromiseRequestSchema = z.object({
  brand: brandIdSchema,
  customerId: idSchema,
  /** Deterministic per situation (from the contact's key): a retried or replayed action makes one promise. */
  promiseId: idSchema,
  kind: promiseKindSchema,
  text: z.string().trim().min(1).max(1000),
  within: isoDurationSchema,
  owner: z.object({ kind: z.enum(['person', 'team']), id: idSchema }).optional(),
  orderId: idSchema.optional(),
  caseId: idSchema.optional(),
  contact: promiseContactSchema.default({}),
  /** When the journey decided (its own clock): the promise's window starts then, not at this worker's wall clock. */
  createdAt: timestampSchema.optional(),
});
export type PlaybookPromiseRequest = z.input<typeof playbookPromiseRequestSchema>;

/**
 * Carries out a playbook's `make-promise` with the promise client: the brand's own playbook
 * commits it (e.g. Maison Laurent's "a new delivery within a business day"), so it is made
 * whatever the owner's load, as implicit promises are. Idempotent by promise id.
 */
export function createPlaybookActionActivities(client: Client, profilesDir: string) {
  const profileOf = profileFileReader(profilesDir);
  return {
    async makePlaybookPromise(raw: PlaybookPromiseRequest): Promise<{ promiseId: string; dueAt?: string }> {
      const parsed = playbookPromiseRequestSchema.safeParse(raw);
      if (!parsed.success)
        throw ApplicationFailure.nonRetryable(`playbook promise: ${parsed.error.message}`, 'InvalidPlaybookPromise');
      const request = parsed.data;
      const profile = profileOf(request.brand);
      if (!profile)
        throw ApplicationFailure.nonRetryable(`playbook promise: no service profile for ${request.brand}`, 'NoProfile');
      const promises = new PromiseClient({
        client,
        taskQueue: Context.current().info.taskQueue,
        profiles: () => profile,
        // The brand's playbook already committed to it (like an implicit promise): made whatever the load.
        openPromises: async () => [],
      });
      try {
        const answer = await promises.makePromise({
          brand: request.brand,
          customerId: request.customerId,
          promiseId: request.promiseId,
          kind: request.kind,
          text: request.text,
          owner: request.owner ?? profile.escalation[0]!.notify,
          due: { within: request.within },
          channel: profile.channels[0]!,
          orderId: request.orderId,
          caseId: request.caseId,
          contact: request.contact,
          ...(request.createdAt ? { createdAt: request.createdAt } : {}),
          insist: true,
        });
        return { promiseId: request.promiseId, dueAt: answer.made ? answer.dueAt : undefined };
      } catch (error) {
        if (error instanceof InvalidPromiseError) throw ApplicationFailure.nonRetryable(error.message, error.name);
        throw error;
      }
    },
  };
}
