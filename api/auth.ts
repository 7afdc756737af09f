import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeys } from './api-keys';
import { ApiError } from './errors';

/**
 * The brand a request may act for, from `Authorization: Bearer <key>` or `x-api-key`.
 * 401 without a known key; 403 when the key belongs to another brand than the one the
 * request names (path or body), so brands are isolated.
 */
export function authorizeBrand(request: FastifyRequest, keys: ApiKeys, brands: string | readonly string[]): string {
  const keyBrand = brandOfRequest(request, keys);
  const wanted = typeof brands === 'string' ? [brands] : brands;
  const foreign = wanted.find((brand) => brand !== keyBrand);
  if (foreign !== undefined) {
    throw new ApiError(403, `this API key is for brand ${keyBrand}; it cannot act for brand ${foreign}`);
  }
  return keyBrand;
}

/**
 * Authentication before anything else: a route documented with `security` answers 401 to a
 * missing or unknown key before its body is parsed or validated, so an anonymous caller
 * learns nothing about the schema. (Which brand the key may act for is checked in the
 * handler, once the brand named by the path or body is known: 403.)
 */
export function requireApiKeys(app: FastifyInstance, keys: ApiKeys): void {
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.schema?.security?.length) brandOfRequest(request, keys);
  });
}

function brandOfRequest(request: FastifyRequest, keys: ApiKeys): string {
  const key = presentedKey(request);
  if (!key) throw new ApiError(401, 'missing API key: send Authorization: Bearer <key> or x-api-key');
  const brand = keys.brandOf(key);
  if (!brand) throw new ApiError(401, 'unknown API key');
  return brand;
}

function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const bearer = header?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
  if (bearer) return bearer;
  const apiKey = request.headers['x-api-key'];
  return (Array.isArray(apiKey) ? apiKey[0] : apiKey)?.trim() || undefined;
}
