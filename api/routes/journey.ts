import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { journeyWorkflowId } from '../../common/ids';
import { authorizeBrand } from '../auth';
import type { ApiServices } from '../dependencies';
import { ApiError } from '../errors';
import { bearerSecurity, brandErrors, customerParamsSchema, documented, errorBodySchema } from '../schemas';

/** Reading a customer's journey: the whole state the journey workflow holds. */
export const journeyRoutes: FastifyPluginAsyncZod<ApiServices> = async (app, { deps, kept }) => {
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
