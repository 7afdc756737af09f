import { z } from 'zod';
import { eventTypeDocs } from '../common/event-examples';
import {
  brandIdSchema,
  eventBatchSchema,
  idSchema,
  lifecycleEventSchema,
  lifecycleStageSchema,
} from '../common/events';

/** Path parameters and error bodies shared by the routes (and their OpenAPI documents). */
export const brandParamsSchema = z.object({ brand: brandIdSchema });
export const customerParamsSchema = z.object({ brand: brandIdSchema, customerId: idSchema });
export const promiseParamsSchema = z.object({ brand: brandIdSchema, promiseId: idSchema });

export const errorBodySchema = z
  .object({
    error: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .describe('What went wrong; `issues` names each failing field, e.g. body.items.0.price');

/** Documented error answers of a brand-scoped route. */
export const brandErrors = {
  400: errorBodySchema,
  401: errorBodySchema,
  403: errorBodySchema,
} as const;

export const bearerSecurity: { [scheme: string]: string[] }[] = [{ bearerAuth: [] }, { apiKeyHeader: [] }];

/** What the journey answers for each recorded event. */
export const recordEventResultSchema = z.object({
  eventId: z.string(),
  applied: z.boolean().describe('false when the event id was seen before'),
  duplicate: z.boolean(),
  stage: lifecycleStageSchema.describe('the journey’s stage after the event'),
});

/** A documented success body whose full shape lives in TypeScript types (JourneyState, PromiseState, ...). */
export const documented = (description: string) => z.unknown().describe(description);

/**
 * The event vocabulary as the OpenAPI document shows it: each type's object carries its example
 * from common/event-examples.ts (as docs/events.md does), the request body an order and the
 * batch a profile with an order. Metadata only: these validate exactly as the vocabulary does.
 */
export const documentedEventSchema = z
  .discriminatedUnion(
    'type',
    lifecycleEventSchema.options.map((option) =>
      option.meta({ example: eventTypeDocs[option.shape.type.value].example }),
    ) as unknown as typeof lifecycleEventSchema.options,
  )
  .meta({ example: eventTypeDocs['order.placed'].example }) as unknown as typeof lifecycleEventSchema;

export const documentedEventBatchSchema = eventBatchSchema.meta({
  example: [eventTypeDocs['profile.updated'].example, eventTypeDocs['order.placed'].example],
});
