import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authorizeBrand } from '../auth';
import type { ApiServices } from '../dependencies';
import { z } from 'zod';
import {
  bearerSecurity,
  brandErrors,
  documentedEventBatchSchema,
  documentedEventSchema,
  errorBodySchema,
  recordEventResultSchema,
} from '../schemas';

/**
 * Recording lifecycle events. 202: the journey accepted the event (it is in its history);
 * what it sets off (child journeys, outreach) continues asynchronously.
 */
export const eventRoutes: FastifyPluginAsyncZod<ApiServices> = async (app, { deps, kept }) => {
  app.post('/v1/events', {
    schema: {
      summary: 'Record one lifecycle event',
      description:
        "Starts the customer's journey if it is new. A repeated eventId answers duplicate: true. " +
        'One example per event type is on each variant of the body; the reference is docs/events.md.',
      tags: ['events'],
      security: bearerSecurity,
      body: documentedEventSchema,
      response: { 202: recordEventResultSchema, ...brandErrors, 413: errorBodySchema },
    },
    handler: async (request, reply) => {
      authorizeBrand(request, deps.apiKeys, request.body.brand);
      return reply.code(202).send(await kept.recordEvent(request.body));
    },
  });

  app.post('/v1/events/batch', {
    schema: {
      summary: 'Record up to 500 events',
      description: 'Grouped per customer and applied in occurredAt order; every event must be of the key’s brand.',
      tags: ['events'],
      security: bearerSecurity,
      body: documentedEventBatchSchema,
      response: { 202: z.object({ results: z.array(recordEventResultSchema) }), ...brandErrors, 413: errorBodySchema },
    },
    handler: async (request, reply) => {
      authorizeBrand(request, deps.apiKeys, [...new Set(request.body.map((event) => event.brand))]);
      return reply.code(202).send({ results: await kept.recordEvents(request.body) });
    },
  });
};
