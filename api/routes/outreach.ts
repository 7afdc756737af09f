import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { journeyWorkflowId } from '../../common/ids';
import { cancelOutreachUpdate, pauseOutreachUpdate, resumeOutreachUpdate } from '../../workflows/journey/messages';
import {
  cancelOutreachSchema,
  pauseOutreachSchema,
  resumeOutreachSchema,
} from '../../workflows/journey/outreach-state';
import { authorizeBrand } from '../auth';
import type { ApiServices } from '../dependencies';
import { bearerSecurity, brandErrors, customerParamsSchema, errorBodySchema } from '../schemas';

const tags = ['outreach'];
const responses = (ok: z.ZodType) => ({ 200: ok, ...brandErrors, 404: errorBodySchema });

/**
 * An operator's hold on a customer's outreach (what `kept pause` / `kept resume` do), and
 * cancelling what is pending. Each is an update on the customer's journey: its validator
 * rejects bad input before anything is written (400), an unknown journey is 404.
 */
export const outreachRoutes: FastifyPluginAsyncZod<ApiServices> = async (app, { deps }) => {
  const journey = (brand: string, customerId: string) =>
    deps.client.workflow.getHandle(journeyWorkflowId(brand, customerId));

  app.post('/v1/brands/:brand/customers/:customerId/outreach/pause', {
    schema: {
      summary: "Pause a customer's outreach",
      description:
        'Holds every pending contact (or one order’s, with `orderId`) until resumed, or until `until`. ' +
        'Transactional messages wait too; nothing is dropped. Answers how many pending contacts are held now.',
      tags,
      security: bearerSecurity,
      params: customerParamsSchema,
      // OpenAPI 3.0 takes one `example` per schema.
      body: pauseOutreachSchema.meta({
        example: { reason: 'complaint being handled by Sam', until: '2026-12-09T09:00:00Z' },
      }),
      response: responses(z.object({ paused: z.number().int().describe('pending contacts held back now') })),
    },
    handler: async (request) => {
      const { brand, customerId } = request.params;
      authorizeBrand(request, deps.apiKeys, brand);
      return journey(brand, customerId).executeUpdate(pauseOutreachUpdate, { args: [request.body] });
    },
  });

  app.post('/v1/brands/:brand/customers/:customerId/outreach/resume', {
    schema: {
      summary: "Resume a customer's outreach",
      description: 'Ends the pause (all outreach, or one order’s). Answers how many pending contacts it released.',
      tags,
      security: bearerSecurity,
      params: customerParamsSchema,
      body: resumeOutreachSchema.meta({ example: { orderId: 'o-1042' } }),
      response: responses(z.object({ resumed: z.number().int().describe('pending contacts released') })),
    },
    handler: async (request) => {
      const { brand, customerId } = request.params;
      authorizeBrand(request, deps.apiKeys, brand);
      return journey(brand, customerId).executeUpdate(resumeOutreachUpdate, { args: [request.body] });
    },
  });

  app.post('/v1/brands/:brand/customers/:customerId/outreach/cancel', {
    schema: {
      summary: "Cancel a customer's pending outreach",
      description:
        'Cancels every pending contact (or one order’s) for good; each is recorded as cancelled with the reason. ' +
        'A message already on its way cannot be called back: `sending` names it.',
      tags,
      security: bearerSecurity,
      params: customerParamsSchema,
      body: cancelOutreachSchema.meta({ example: { reason: 'customer asked us to stop', orderId: 'o-1042' } }),
      response: responses(
        z.object({
          cancelled: z.number().int().describe('pending contacts cancelled'),
          sending: z.string().optional().describe('the key of a contact already on its way'),
        }),
      ),
    },
    handler: async (request) => {
      const { brand, customerId } = request.params;
      authorizeBrand(request, deps.apiKeys, brand);
      return journey(brand, customerId).executeUpdate(cancelOutreachUpdate, { args: [request.body] });
    },
  });
};
