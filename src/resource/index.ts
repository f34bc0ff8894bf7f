/**
 * `latchkey/resource`: protect any API with Latchkey's bearer tokens (RFC 6750).
 *
 * Pick a verifier: `jwtVerifier({ issuer })` for JWT access tokens (checked locally against the
 * provider's keys) or `introspectionVerifier({ introspectionEndpoint, clientId, clientSecret })`
 * for opaque ones (asked of the provider, briefly cached). Then:
 *
 * Framework-free: `await verifyAccessToken(req, { verify, scopes, realm })`.
 * Fastify: `await app.register(resourceServer, { verify, realm })`, then
 * `{ preHandler: requireAccessToken({ scopes }) }` on each route to guard.
 *
 * Guide: docs/resource-server.md.
 */

/**
 * The error `verifyAccessToken` rejects with for token failures; `isOAuthError` tells those apart
 * from an outage the verifier threw. Send `status`, `headers` and `toJSON()`.
 */
export { isOAuthError, OAuthError } from '../protocol/errors.js';
/** The details of an active access token: client, user, scopes, issue and expiry times (seconds). */
export type { AccessTokenInfo } from '../protocol/types.js';
/**
 * The Fastify plugin (decorates `request.accessToken`; register once, before the routes), the
 * preHandler factory that guards a route, and their option types.
 */
export {
  type RequireAccessTokenOptions,
  type ResourceServerOptions,
  requireAccessToken,
  resourceServer,
} from './fastify.js';
/**
 * A TokenVerifier for opaque access tokens, checked by RFC 7662 introspection at the provider as
 * this API's own client (one with the introspect permission). Answers are cached for `cacheTtl`
 * seconds (default 30, never past the token's `exp`), so a revoked token may be accepted for up
 * to that long. Inactive tokens resolve to null; an endpoint that cannot answer makes it throw.
 */
export { type IntrospectionVerifierOptions, introspectionVerifier } from './introspection.js';
/**
 * A TokenVerifier for RFC 9068 JWT access tokens (`typ: at+jwt`), verified locally against the
 * provider's JWK Set, which is fetched, cached and refetched when an unknown key appears. A JWT
 * cannot be revoked: it is accepted until it expires. Bad tokens resolve to null; a key set that
 * cannot be fetched makes it throw.
 */
export { type JwtVerifierOptions, jwtVerifier } from './jwt.js';
/**
 * Verify a request's bearer token and scopes; on failure an OAuthError carrying the status,
 * `WWW-Authenticate` challenge and JSON body to send. `TokenVerifier` looks a token up: its
 * details, or null when unknown, expired or revoked; it throws on an outage.
 */
export {
  type RequestWithHeaders,
  type TokenVerifier,
  VerifierUnavailableError,
  type VerifyAccessTokenOptions,
  verifyAccessToken,
} from './verify.js';
