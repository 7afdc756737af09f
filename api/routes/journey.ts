import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { journeyWorkflowId } from '../../common/ids';
import { authorizeBrand } from '../auth';
import type { ApiServices } from '../dependencies';
import { ApiError } from '../errors';
import { z } from 'zod';
import { journeySearchSchema, searchJourneys } from '../../client/journey-search';
import {
  bearerSecurity,
  brandErrors,
  brandParamsSchema,
  customerParamsSchema,
  documented,
  errorBodySchema,
} from '../schemas';

/** Reading a customer's journey (the whole state the journey workflow holds), and finding journeys. */
export const journeyRoutes: FastifyPluginAsyncZod<ApiServices> = async (app, { deps, kept }) => {
  app.get('/v1/brands/:brand/journeys', {
    schema: {
      summary: 'Find running journeys by stage, flags and next due time',
      description:
        'A Temporal visibility query on the Kept search attributes (results may lag a change by about a second), ' +
        'soonest due first. e.g. `?stage=receive&flags=late` or `?flags=promise-at-risk&dueBefore=2026-12-09T00:00:00Z`.',
      tags: ['journeys'],
      security: bearerSecurity,
      params: brandParamsSchema,
      querystring: journeySearchSchema.omit({ brand: true }),
      response: {
        200: z.object({
          journeys: z.array(
            z.object({
              customerId: z.string(),
              workflowId: z.string(),
              stage: z.string(),
              flags: z.array(z.string()),
              openPromises: z.number().int(),
              openCases: z.number().int(),
              nextDueAt: z.string().optional(),
              summary: z.string().optional().describe('the journey’s one-line summary'),
            }),
          ),
        }),
        ...brandErrors,
      },
    },
    handler: async (request) => {
      const { brand } = request.params;
      authorizeBrand(request, deps.apiKeys, brand);
      return { journeys: await searchJourneys(deps.client, { ...request.query, brand }) };
    },
  });

  app.get('/v1/brands/:brand/customers/:customerId/journey', {
    schema: {
      summary: "A customer's journey",
      description: 'Stage, stage history, orders, cases, profile, consent, predicted needs and counters.',
      tags: ['journeys'],
      security: bearerSecurity,
      params: customerParamsSchema,
      response: { 200: documented('JourneyState'), ...brandErrors, 404: errorBodySchema },
    },
    handler: async (request) => {
      const { brand, customerId } = request.params;
      authorizeBrand(request, deps.apiKeys, brand);
      try {
        return await kept.getJourney(brand, customerId);
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) {
          throw new ApiError(
            404,
            `no journey for customer ${customerId} at ${brand} (${journeyWorkflowId(brand, customerId)})`,
          );
        }
        throw error;
      }
    },
  });
};
