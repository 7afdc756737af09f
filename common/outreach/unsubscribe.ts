import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { brandIdSchema, idSchema, messageCategorySchema } from '../events';

/**
 * Signed, expiring one-click unsubscribe tokens (RFC 8058 links). The token carries brand,
 * customer, category and expiry, signed with HMAC-SHA256, so the endpoint needs no lookup
 * to know whose consent to change, and a forged or stale link is refused.
 * Uses node:crypto: never import this file from workflow code.
 */
export const unsubscribeClaimsSchema = z.object({
  brand: brandIdSchema,
  customerId: idSchema,
  category: messageCategorySchema,
  /** Expiry, seconds since the epoch. */
  exp: z.number().int().positive(),
});
export type UnsubscribeClaims = z.infer<typeof unsubscribeClaimsSchema>;

/** Long enough to outlive a mailbox's unread backlog; short enough that old mail cannot be replayed forever. */
export const UNSUBSCRIBE_TOKEN_LIFETIME_DAYS = 90;

export type UnsubscribeVerification =
  { valid: true; claims: UnsubscribeClaims } | { valid: false; reason: 'malformed' | 'bad-signature' | 'expired' };

export function createUnsubscribeToken(
  claims: Omit<UnsubscribeClaims, 'exp'>,
  secret: string,
  now: Date,
  lifetimeDays = UNSUBSCRIBE_TOKEN_LIFETIME_DAYS,
): string {
  const exp = Math.floor(now.getTime() / 1000) + lifetimeDays * 86_400;
  const payload = Buffer.from(JSON.stringify(unsubscribeClaimsSchema.parse({ ...claims, exp }))).toString('base64url');
  return `${payload}.${sign(payload, secret)}`;
}

export function verifyUnsubscribeToken(token: string, secret: string, now: Date): UnsubscribeVerification {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return { valid: false, reason: 'malformed' };
  const expected = Buffer.from(sign(payload, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { valid: false, reason: 'bad-signature' };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { valid: false, reason: 'malformed' };
  }
  const claims = unsubscribeClaimsSchema.safeParse(decoded);
  if (!claims.success) return { valid: false, reason: 'malformed' };
  if (claims.data.exp * 1000 <= now.getTime()) return { valid: false, reason: 'expired' };
  return { valid: true, claims: claims.data };
}

/** The one-click link for a message's List-Unsubscribe header and footer. */
export function unsubscribeUrl(baseUrl: string, token: string): string {
  const url = new URL('/unsubscribe', baseUrl);
  url.searchParams.set('token', token);
  return url.toString();
}

function sign(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}
