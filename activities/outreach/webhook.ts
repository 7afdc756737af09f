import { createHmac, timingSafeEqual } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';

/**
 * The webhook channel (SMS, push and chat providers, and human-task systems): a JSON POST
 * signed with HMAC-SHA256 over `<timestamp>.<body>`, with the outreach's idempotency key
 * as `Idempotency-Key`, identical on every retry, so the receiver can deduplicate.
 * A 4xx other than 408/429 is permanent (non-retryable); 408, 429, 5xx and network errors
 * are retried by the calling workflow's retry policy (backoff), honouring Retry-After.
 */
export const SIGNATURE_HEADER = 'Kept-Signature';
export const TIMESTAMP_HEADER = 'Kept-Timestamp';

export interface WebhookPost {
  url: string;
  secret: string;
  idempotencyKey: string;
  body: unknown;
  now: Date;
  timeoutMs?: number;
}

export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** For receivers (and tests): checks the signature and that the timestamp is recent. */
export function verifyWebhookSignature(options: {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  body: string;
  now: Date;
  toleranceSeconds?: number;
}): boolean {
  if (!options.timestamp || !options.signature || !/^\d+$/.test(options.timestamp)) return false;
  const age = Math.abs(options.now.getTime() / 1000 - Number(options.timestamp));
  if (age > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(webhookSignature(options.secret, options.timestamp, options.body));
  const given = Buffer.from(options.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export async function postWebhook(post: WebhookPost): Promise<{ status: number }> {
  const body = JSON.stringify(post.body);
  const timestamp = String(Math.floor(post.now.getTime() / 1000));
  let response: Response;
  try {
    response = await fetch(post.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'Idempotency-Key': post.idempotencyKey,
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: webhookSignature(post.secret, timestamp, body),
      },
      body,
      signal: AbortSignal.timeout(post.timeoutMs ?? 10_000),
    });
  } catch (error) {
    throw ApplicationFailure.create({
      message: `webhook ${post.url}: ${(error as Error).message}`,
      type: 'WebhookUnavailable',
      cause: error as Error,
    });
  }
  await response.body?.cancel();
  if (response.ok) return { status: response.status };
  const message = `webhook ${post.url} answered ${response.status}`;
  if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429)
    throw ApplicationFailure.nonRetryable(message, 'WebhookRejected');
  const retryAfter = Number(response.headers.get('retry-after'));
  throw ApplicationFailure.create({
    message,
    type: 'WebhookUnavailable',
    nextRetryDelay: Number.isFinite(retryAfter) && retryAfter > 0 ? `${Math.min(retryAfter, 3600)}s` : undefined,
  });
}
