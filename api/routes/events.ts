import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { eventBatchSchema } from '../../common/events';
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

const warningsSchema = z
  .array(z.string())
  .optional()
  .describe(
    'accepted, but something needs a person: e.g. the brand has no service profile, so no promises or outreach',
  );

/** A batch as a bare array, or wrapped as `{ events: [...] }`; both are the same batch. */
const batchBodySchema = z
  .union([documentedEventBatchSchema, z.object({ events: eventBatchSchema }).strict()])
  .transform((body) => (Array.isArray(body) ? body : body.events))
  .meta({ example: documentedEventBatchSchema.meta()?.example });

/**
 * Recording lifecycle events. 202: the journey accepted the event (it is in its history);
 * what it sets off (child journeys, outreach) continues asynchronously. An answer carries
 * `warnings` when the event was accepted but Kept cannot act on it as a user would expect.
 */
export const eventRoutes: FastifyPluginAsyncZod<ApiServices> = async (app, { deps, kept }) => {
  const warningsFor = (brands: string[]) => {
    const missing = brands.filter((brand) => !hasServiceProfile(deps, brand));
    return missing.length === 0
      ? {}
      : {
          warnings: missing.map(
            (brand) =>
              `brand ${brand} has no service profile: its journeys make no promises and send no outreach ` +
              `until config/profiles/${brand}.json exists`,
          ),
        };
  };

  app.post('/v1/events', {
    schema: {
      summary: 'Record one lifecycle event',
      description:
        "Starts the customer's journey if it is new. A repeated eventId answers duplicate: true. " +
        'One example per event type is on each variant of the body; the reference is docs/events.md. ' +
        '`warnings` says when the event was accepted but will set nothing off (a brand without a service profile).',
      tags: ['events'],
      security: bearerSecurity,
      body: documentedEventSchema,
      response: {
        202: recordEventResultSchema.extend({ warnings: warningsSchema }),
        ...brandErrors,
        413: errorBodySchema,
      },
    },
    handler: async (request, reply) => {
      authorizeBrand(request, deps.apiKeys, request.body.brand);
      const result = await kept.recordEvent(request.body);
      return reply.code(202).send({ ...result, ...warningsFor([request.body.brand]) });
    },
  });

  app.post('/v1/events/batch', {
    schema: {
      summary: 'Record up to 500 events',
      description:
        'The body is `{ "events": [...] }` or a bare array of events. Grouped per customer and applied in ' +
        'occurredAt order; every event must be of the key’s brand.',
      tags: ['events'],
      security: bearerSecurity,
      body: batchBodySchema,
      response: {
        202: z.object({ results: z.array(recordEventResultSchema), warnings: warningsSchema }),
        ...brandErrors,
        413: errorBodySchema,
      },
    },
    handler: async (request, reply) => {
      const brands = [...new Set(request.body.map((event) => event.brand))];
      authorizeBrand(request, deps.apiKeys, brands);
      return reply.code(202).send({ results: await kept.recordEvents(request.body), ...warningsFor(brands) });
    },
  });
};

/** Asked per request when the API can look (a profile added later counts at once), else from start-up. */
function hasServiceProfile(deps: ApiServices['deps'], brand: string): boolean {
  return deps.hasServiceProfile ? deps.hasServiceProfile(brand) : deps.profiles.has(brand);
}
