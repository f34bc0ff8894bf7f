/**
 * What the token, revocation and introspection endpoints read from a request: a form body
 * (RFC 6749 §3.2, RFC 7009 §2.1, RFC 7662 §2.1 all require application/x-www-form-urlencoded)
 * and every Authorization line.
 */
import type { FastifyRequest } from 'fastify';
import { OAuthError } from '../protocol/errors.js';

export function isFormEncoded(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

export function clientRequest(request: FastifyRequest): {
  authorization: string | string[] | undefined;
  body: Record<string, unknown>;
} {
  if (!isFormEncoded(request.headers['content-type'])) {
    throw new OAuthError('invalid_request', 'The request must be application/x-www-form-urlencoded');
  }
  // headersDistinct keeps every Authorization line (Node's `headers` drops all but the first),
  // so two are refused (RFC 6749 §2.3) instead of one being silently used.
  const lines = request.raw.headersDistinct?.authorization ?? request.headers.authorization;
  return {
    authorization: Array.isArray(lines) && lines.length === 1 ? lines[0] : lines,
    body: request.body as Record<string, unknown>,
  };
}
