import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { InvalidEventError } from '../common/events';
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
  if (error instanceof PromiseClosedError) return { status: 409, message: error.message };
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
