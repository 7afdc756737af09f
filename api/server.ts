import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { buildServices, type ApiDependencies } from './dependencies';
import { requireApiKeys } from './auth';
import { frameworkErrorHandler, installErrorHandler, rejectForeignCharsets } from './errors';
import { consentRoutes } from './routes/consent';
import { eventRoutes } from './routes/events';
import { healthRoutes } from './routes/health';
import { journeyRoutes } from './routes/journey';
import { outreachRoutes } from './routes/outreach';
import { promiseRoutes } from './routes/promises';
import { reportRoutes } from './routes/report';
import { unsubscribeRoutes } from './routes/unsubscribe';

export const DEFAULT_BODY_LIMIT = 1_048_576;

/**
 * Builds Kept's HTTP API from its dependencies (a Temporal client, the task queue, API keys,
 * service profiles), without listening: api/main.ts listens, tests build it with real parts.
 * zod validates every body, path and query; the same schemas produce /openapi.json and /docs.
 */
export async function buildApiServer(
  deps: ApiDependencies,
  options: { logger?: boolean } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    frameworkErrors: frameworkErrorHandler,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  // Order matters: who is asking (401), then what the body is (415, 413, 400).
  requireApiKeys(app, deps.apiKeys);
  rejectForeignCharsets(app);

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Kept HTTP API',
        version: '1',
        description:
          'Lifecycle events, journeys, promises and consent. Every brand-scoped call needs that brand’s API key.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer' },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  const services = buildServices(deps);
  const typed = app.withTypeProvider<ZodTypeProvider>();
  for (const routes of [
    healthRoutes,
    eventRoutes,
    journeyRoutes,
    outreachRoutes,
    promiseRoutes,
    reportRoutes,
    consentRoutes,
    unsubscribeRoutes,
  ]) {
    await typed.register(routes, services);
  }
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
