import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { channelSchema, idSchema, messageCategorySchema, timestampSchema } from '../../common/events';
import { authorizeBrand } from '../auth';
import type { ApiServices } from '../dependencies';
import { bearerSecurity, brandErrors, customerParamsSchema, recordEventResultSchema } from '../schemas';

export const consentBodySchema = z
  .object({
    category: messageCategorySchema,
    /** Absent: every channel of the category. */
    channel: channelSchema.optional(),
    granted: z.boolean(),
    /** Send your own id to make retries idempotent; default: a new one. */
    eventId: idSchema.optional(),
    occurredAt: timestampSchema.optional(),
  })
  .strict();

/** A customer's consent, recorded as a `consent.changed` event on their journey. */
export const consentRoutes: FastifyPluginAsyncZod<ApiServices> = async (app, { deps, kept, now }) => {
  app.post('/v1/brands/:brand/customers/:customerId/consent', {
    schema: {
      summary: "Change a customer's consent for a message category",
      tags: ['consent'],
      security: bearerSecurity,
      params: customerParamsSchema,
      body: consentBodySchema,
      response: { 202: recordEventResultSchema, ...brandErrors },
    },
    handler: async (request, reply) => {
      const { brand, customerId } = request.params;
      authorizeBrand(request, deps.apiKeys, brand);
      const { eventId, occurredAt, ...consent } = request.body;
      const result = await kept.recordEvent({
        type: 'consent.changed',
        eventId: eventId ?? `consent-${randomUUID()}`,
        brand,
        customerId,
        occurredAt: occurredAt ?? now().toISOString(),
        ...consent,
      });
      return reply.code(202).send(result);
    },
  });
};
