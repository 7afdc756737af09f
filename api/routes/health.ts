import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiServices } from '../dependencies';

/** How long readiness waits for Temporal before answering 503. */
const READY_TIMEOUT_MS = 2_000;

/** Liveness (the process answers) and readiness (Temporal answers too). No API key. */
export const healthRoutes: FastifyPluginAsyncZod<ApiServices> = async (app, { deps }) => {
  app.get('/health', { schema: { summary: 'Liveness', tags: ['health'] } }, async () => ({ status: 'ok' }));

  const summary = 'Readiness: Temporal is reachable and the configuration files are usable';
  app.get('/ready', { schema: { summary, tags: ['health'] } }, async (_, reply) => {
    // A bad profile does not stop journeys (they keep the last good one) but must be fixed: say so here.
    const problems = deps.configProblems?.() ?? [];
    if (problems.length > 0) {
      return reply.code(503).send({ status: 'unavailable', error: `configuration: ${problems.join('; ')}`, problems });
    }
    try {
      await withTimeout(deps.client.workflowService.getSystemInfo({}), READY_TIMEOUT_MS);
      return { status: 'ready', namespace: deps.client.options.namespace };
    } catch (error) {
      return reply.code(503).send({ status: 'unavailable', error: `Temporal: ${(error as Error).message}` });
    }
  });
};

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
