import { createHash } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { verifyUnsubscribeToken, type UnsubscribeClaims } from '../../common/outreach/unsubscribe';
import type { ApiServices } from '../dependencies';
import { ApiError } from '../errors';
import { documented, errorBodySchema } from '../schemas';
import { confirmationPage, donePage } from './unsubscribe-pages';

const tokenQuerySchema = z.object({ token: z.string().min(1).max(2000) });
/** RFC 8058: the mailbox provider POSTs exactly this form field. */
const oneClickBodySchema = z.object({ 'List-Unsubscribe': z.literal('One-Click') }).nullish();

/**
 * One-click unsubscribe (RFC 8058). The signed token is the authority (no API key): it names
 * brand, customer and category. POST records consent.changed granted=false, with an event id
 * derived from the token so repeated clicks change nothing twice. GET only shows a page
 * with a confirm button, because link scanners fetch every URL in a mail.
 * Served at /unsubscribe (the path in the links) and /v1/unsubscribe.
 */
export const unsubscribeRoutes: FastifyPluginAsyncZod<ApiServices> = async (app, { deps, kept, now }) => {
  // RFC 8058 one-click unsubscribe posts a form; only these routes take form bodies (elsewhere 415).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );

  /**
   * A forged token and a validly signed one for a customer Kept has never seen get the same
   * answer, and neither writes anything: the link can neither probe who is a customer nor
   * create a journey. An expired link says so, which helps the reader and reveals nothing.
   */
  const verify = async (token: string): Promise<UnsubscribeClaims> => {
    const verification = verifyUnsubscribeToken(token, deps.unsubscribeSecret, now());
    if (!verification.valid) {
      throw notRecognised(verification.reason === 'expired' ? 'expired' : undefined);
    }
    const { brand, customerId } = verification.claims;
    if (!(await kept.hasJourney(brand, customerId))) throw notRecognised();
    return verification.claims;
  };

  for (const url of ['/unsubscribe', '/v1/unsubscribe']) {
    app.get(url, {
      schema: { summary: 'Unsubscribe confirmation page', tags: ['consent'], querystring: tokenQuerySchema },
      handler: async (request, reply) => {
        const claims = await verify(request.query.token);
        return reply.type('text/html; charset=utf-8').send(confirmationPage(claims, request.url));
      },
    });

    app.post(url, {
      schema: {
        summary: 'One-click unsubscribe (RFC 8058)',
        description: 'POST with form body `List-Unsubscribe=One-Click`; records consent.changed granted=false.',
        tags: ['consent'],
        querystring: tokenQuerySchema,
        body: oneClickBodySchema,
        response: {
          200: documented('{ unsubscribed: true, brand, category }, or an HTML page for browsers'),
          400: errorBodySchema,
        },
      },
      handler: async (request, reply) => {
        const claims = await verify(request.query.token);
        // Never update-with-start: a journey that ended since the check must not be created by this click.
        await kept
          .recordEventOnExistingJourney({
            type: 'consent.changed',
            eventId: `unsubscribe-${createHash('sha256').update(request.query.token).digest('hex').slice(0, 32)}`,
            brand: claims.brand,
            customerId: claims.customerId,
            occurredAt: now().toISOString(),
            category: claims.category,
            granted: false,
          })
          .catch((error: unknown) => {
            if (error instanceof WorkflowNotFoundError) throw notRecognised();
            throw error;
          });
        const wantsHtml = request.headers.accept?.includes('text/html');
        if (wantsHtml) return reply.type('text/html; charset=utf-8').send(donePage(claims));
        return reply.send({ unsubscribed: true, brand: claims.brand, category: claims.category });
      },
    });
  }
};

function notRecognised(reason: 'expired' | 'not recognised' = 'not recognised'): ApiError {
  return new ApiError(400, `invalid unsubscribe token: ${reason}`);
}
