import { z } from 'zod';
import { carriedOutlookSchema, MAX_CARRIED_OUTLOOKS } from './anticipation/statistics-contract';
import { InvalidEventError } from './events';

/**
 * What a sender may add to an event (workflows/journey/messages.ts `RecordEventContext`):
 * - `configHash` (generation 7): the hash of the brand's config as it reads it, 16 hex digits
 *   as the worker's config loader writes it (client/config-announcer.ts);
 * - `outlooks` (generation 8): the brand's transit outlook for a dispatched order, read from
 *   the brand's statistics by the sender (client/outlook-announcer.ts).
 * Other fields pass (a batch's options carry `outreach` too).
 */
export const recordEventContextSchema = z
  .object({
    configHash: z
      .string()
      .regex(/^[0-9a-f]{16}$/, 'expected 16 hex digits')
      .optional(),
    outlooks: z.array(carriedOutlookSchema).max(MAX_CARRIED_OUTLOOKS).optional(),
  })
  .optional();
export type RecordEventContextInput = z.input<typeof recordEventContextSchema>;
export type ParsedRecordEventContext = z.infer<typeof recordEventContextSchema>;

export function parseRecordEventContext(input: unknown): ParsedRecordEventContext {
  const result = recordEventContextSchema.safeParse(input);
  if (result.success) return result.data;
  throw new InvalidEventError(
    result.error.issues.map((issue) => `context.${issue.path.join('.') || '(context)'}: ${issue.message}`).join('; '),
  );
}
