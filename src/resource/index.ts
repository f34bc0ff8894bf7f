/**
 * `latchkey/resource`: protect any API with Latchkey's bearer tokens (RFC 6750).
 *
 * Framework-free: `await verifyAccessToken(req, { verify, scopes, realm })`.
 * Fastify: `await app.register(resourceServer, { verify, realm })`, then
 * `{ preHandler: requireAccessToken({ scopes }) }` on each route to guard.
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
 * Verify a request's bearer token and scopes; on failure an OAuthError carrying the status,
 * `WWW-Authenticate` challenge and JSON body to send. `TokenVerifier` looks a token up: its
 * details, or null when unknown, expired or revoked; it throws on an outage.
 */
export {
  type RequestWithHeaders,
  type TokenVerifier,
  type VerifyAccessTokenOptions,
  verifyAccessToken,
} from './verify.js';
