import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { buildReport } from '../../client/cli/report';
import { authorizeBrand } from '../auth';
import type { ApiServices } from '../dependencies';
import { bearerSecurity, brandErrors, brandParamsSchema } from '../schemas';

const countsSchema = z.record(z.string(), z.number().int());

/** What `kept report` prints, as JSON, for one brand. */
export const reportResponseSchema = z.object({
  brand: z.string(),
  journeysByStage: countsSchema.describe('running journeys per lifecycle stage'),
  runningPromisesByStatus: countsSchema.describe('running promises: open, at-risk, breached'),
  endedPromisesByOutcome: countsSchema.describe('ended promises: kept, kept-late, renegotiated, breached, cancelled'),
  keptRate: z
    .number()
    .nullable()
    .describe('kept (on time or late) ÷ judged; breached promises still running count as judged; null: none judged'),
  keptRateBasis: z.object({ kept: z.number().int(), judged: z.number().int(), breachedRunning: z.number().int() }),
  atRiskByTeam: countsSchema.describe('running at-risk promises per team'),
  needingAttention: z
    .array(
      z.object({
        team: z.string(),
        promiseId: z.string(),
        customerId: z.string(),
        brand: z.string(),
        owner: z.string(),
        status: z.string().describe('at-risk or breached'),
        dueAt: z.string().optional(),
        dueLocal: z.string().optional().describe('the due time in the brand’s timezone'),
      }),
    )
    .describe('running at-risk and breached promises, by team, soonest due first'),
  notes: z.array(z.string()).describe('what the numbers mean'),
});

export const reportRoutes: FastifyPluginAsyncZod<ApiServices> = async (app, { deps }) => {
  app.get('/v1/brands/:brand/report', {
    schema: {
      summary: 'The brand’s report: journeys per stage, promises per status and outcome, kept-rate, at-risk by team',
      description:
        'Counts from Temporal visibility (they may lag a change by about a second), as `kept report --json`.',
      tags: ['report'],
      security: bearerSecurity,
      params: brandParamsSchema,
      response: { 200: reportResponseSchema, ...brandErrors },
    },
    handler: async (request) => {
      const { brand } = request.params;
      authorizeBrand(request, deps.apiKeys, brand);
      const report = await buildReport(deps.client, brand, (id) => deps.profiles.get(id)?.businessHours.timezone);
      return { ...report, brand };
    },
  });
};
