import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listPromises, promiseListFilterSchema } from '../../client/promise-list';
import {
  cancelPromiseSchema,
  fulfilPromiseSchema,
  makePromiseInputSchema,
  reassignPromiseSchema,
  renegotiatePromiseSchema,
} from '../../common/promises/schema';
import { authorizeBrand } from '../auth';
import type { ApiServices } from '../dependencies';
import {
  bearerSecurity,
  brandErrors,
  brandParamsSchema,
  documented,
  errorBodySchema,
  promiseParamsSchema,
} from '../schemas';

const tags = ['promises'];
const changeResponses = {
  200: documented('PromiseState (reassign, renegotiate) or PromiseOutcome (fulfil, cancel)'),
  ...brandErrors,
  404: errorBodySchema,
  409: errorBodySchema,
};

/**
 * Promises of one brand: make, read, list (visibility), and the four changes. Changes are
 * workflow updates: the answer is the promise's new state or, for fulfil and cancel, its outcome.
 */
export const promiseRoutes: FastifyPluginAsyncZod<ApiServices> = async (app, services) => {
  const { deps, promises } = services;

  app.post('/v1/brands/:brand/promises', {
    schema: {
      summary: 'Make a promise',
      description:
        'Without `due`, Kept proposes the earliest time the owner can keep. 201 when made (200 when the id ' +
        'already existed); 409 with `proposedDueAt` when the due time would over-commit the owner (send insist: true to make it anyway).',
      tags,
      security: bearerSecurity,
      params: brandParamsSchema,
      body: makePromiseInputSchema.omit({ brand: true }),
      response: {
        200: documented('MakePromiseAnswer: the promise already existed'),
        201: documented('MakePromiseAnswer: made'),
        ...brandErrors,
        409: z.object({
          made: z.literal(false),
          overCommitted: z.literal(true),
          proposedDueAt: z.string(),
          note: z.string(),
        }),
      },
    },
    handler: async (request, reply) => {
      const { brand } = request.params;
      authorizeBrand(request, deps.apiKeys, brand);
      const answer = await promises.makePromise({ ...request.body, brand });
      if (!answer.made) return reply.code(409).send(answer);
      return reply.code(answer.existed ? 200 : 201).send(answer);
    },
  });

  app.get('/v1/brands/:brand/promises', {
    schema: {
      summary: 'List promises (by state, owner, team, customer, due time)',
      description: 'A Temporal visibility query; results may lag a change by about a second.',
      tags,
      security: bearerSecurity,
      params: brandParamsSchema,
      querystring: promiseListFilterSchema.omit({ brand: true }),
      response: { 200: documented('{ promises: PromiseListItem[] }, soonest due first'), ...brandErrors },
    },
    handler: async (request) => {
      const { brand } = request.params;
      authorizeBrand(request, deps.apiKeys, brand);
      return { promises: await listPromises(deps.client, { ...request.query, brand }, services.now()) };
    },
  });

  app.get('/v1/brands/:brand/promises/:promiseId', {
    schema: {
      summary: 'A promise and its state',
      tags,
      security: bearerSecurity,
      params: promiseParamsSchema,
      response: { 200: documented('PromiseState'), ...brandErrors, 404: errorBodySchema },
    },
    handler: async (request) => {
      const { brand, promiseId } = request.params;
      authorizeBrand(request, deps.apiKeys, brand);
      return promises.getPromise(brand, promiseId);
    },
  });

  const change = <S extends z.ZodType>(
    action: string,
    summary: string,
    body: S,
    run: (brand: string, promiseId: string, body: z.infer<S>) => Promise<unknown>,
  ) =>
    app.post(`/v1/brands/:brand/promises/:promiseId/${action}`, {
      schema: { summary, tags, security: bearerSecurity, params: promiseParamsSchema, body, response: changeResponses },
      handler: async (request) => {
        const { brand, promiseId } = request.params;
        authorizeBrand(request, deps.apiKeys, brand);
        return run(brand, promiseId, request.body as z.infer<S>);
      },
    });

  change('fulfil', 'Fulfil a promise', fulfilPromiseSchema, (b, p, body) => promises.fulfilPromise(b, p, body));
  change('renegotiate', 'Move the due time', renegotiatePromiseSchema, (b, p, body) =>
    promises.renegotiatePromise(b, p, body),
  );
  change('reassign', 'Give the promise to another owner', reassignPromiseSchema, (b, p, body) =>
    promises.reassignPromise(b, p, body),
  );
  change('cancel', 'Cancel a promise', cancelPromiseSchema, (b, p, body) => promises.cancelPromise(b, p, body));
};
