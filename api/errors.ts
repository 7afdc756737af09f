import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { BusinessTimeError } from '../common/business-time';
import { InvalidEventError } from '../common/events';
import { OwnershipConflictError } from '../client/ownership';
import { InvalidPromiseError, PromiseClosedError, PromiseNotFoundError } from '../client/promises';

/** One failing field: `body.items.0.price`, and what is wrong with it. */
export interface ApiIssue {
  path: string;
  message: string;
}

/** The body of every error answer: `{ error, issues? }`. */
export interface ApiErrorBody {
  error: string;
  issues?: ApiIssue[];
}

/** An error with the HTTP status to answer; thrown by handlers and hooks. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly issues?: ApiIssue[],
  ) {
    super(message);
  }
}

/** Body content types the API reads: JSON in UTF-8 (RFC 8259), and the unsubscribe form. */
const UTF8 = /^utf-?8$/i;

/**
 * A JSON body declared in another charset would be decoded as UTF-8 anyway and misread:
 * refuse it (415) before parsing, like any content type the API does not take.
 */
export function rejectForeignCharsets(app: FastifyInstance): void {
  app.addHook('preParsing', async (request) => {
    const header = request.headers['content-type'];
    if (!header) return;
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(header)?.[1];
    if (charset && !UTF8.test(charset)) {
      throw new ApiError(415, `unsupported charset ${charset}: send the body in UTF-8`);
    }
  });
}

/** Errors Fastify raises before routing (a malformed URL) keep the `{ error }` shape too. */
export function frameworkErrorHandler(error: FastifyError, _request: unknown, reply: FastifyReply): void {
  void send(reply, error.statusCode ?? 400, { error: error.message });
}

/**
 * Maps every failure to a clear status: schema errors and rejected events 400 (naming the
 * field), unknown journeys or promises 404, closed promises 409, body too large 413, and
 * anything unexpected 500 (logged, with no internals in the answer).
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = error.validationContext ?? 'body';
      const issues = error.validation.map((issue) => ({
        path: [where, ...issue.instancePath.split('/').filter(Boolean)].join('.'),
        message: readableMessage(issue.keyword, issue.message ?? 'invalid', issue.instancePath),
      }));
      return send(reply, 400, { error: issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues });
    }
    if (error instanceof ApiError) return send(reply, error.statusCode, errorBody(error.message, error.issues));
    const mapped = mapDomainError(error);
    if (mapped) return send(reply, mapped.status, errorBody(mapped.message));
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return send(reply, error.statusCode, errorBody(error.message));
    }
    request.log.error(error);
    return send(reply, 500, { error: 'internal error' });
  });
  app.setNotFoundHandler((request, reply) =>
    send(reply, 404, { error: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );
}

function mapDomainError(error: unknown): { status: number; message: string } | undefined {
  if (error instanceof InvalidEventError || error instanceof InvalidPromiseError) {
    return { status: 400, message: error.message };
  }
  if (error instanceof PromiseNotFoundError || error instanceof WorkflowNotFoundError) {
    return { status: 404, message: error.message };
  }
  // Business-time arithmetic only runs on a promise's due time: a duration it cannot compute is a bad `due`.
  if (error instanceof BusinessTimeError) return { status: 400, message: `due: ${error.message}` };
  if (error instanceof PromiseClosedError || error instanceof OwnershipConflictError) {
    return { status: 409, message: error.message };
  }
  // A journey's synchronous validator rejected the update: nothing was written to history.
  if (error instanceof WorkflowUpdateFailedError) {
    return { status: 400, message: error.cause?.message ?? error.message };
  }
  return undefined;
}

function readableMessage(code: string, message: string, instancePath: string): string {
  // The event union names no member for an unknown `type`: say so plainly.
  if (code === 'invalid_union' && instancePath.endsWith('/type')) return 'unknown event type';
  return message;
}

function errorBody(error: string, issues?: ApiIssue[]): ApiErrorBody {
  return issues ? { error, issues } : { error };
}

function send(reply: FastifyReply, status: number, body: ApiErrorBody): FastifyReply {
  return reply.code(status).type('application/json').send(body);
}
