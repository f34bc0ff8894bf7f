/**
 * Framework-free bearer-token check for any API: pass a request with `headers` (node:http,
 * Express, Koa's `ctx.request`, Fastify) and a verifier; get the token's details or an OAuthError
 * that carries status, `WWW-Authenticate` and the JSON body. The RFC 6750 rules themselves live in
 * protocol/rfc6750-bearer.ts; this module only orders them.
 */
import { type Clock, systemClock } from '../protocol/clock.js';
import { isOAuthError } from '../protocol/errors.js';
import {
  checkScope,
  extractBearerToken,
  invalidTokenError,
  isScopeToken,
  missingTokenError,
  withBearerChallenge,
} from '../protocol/rfc6750-bearer.js';
import type { AccessTokenInfo } from '../protocol/types.js';

/**
 * Looks a presented access token up: its details when it is active, null when it is unknown,
 * expired or revoked. An outage (database down, introspection endpoint unreachable) must throw,
 * not return null: a 401 would tell the client to throw its token away.
 */
export type TokenVerifier = (token: string) => Promise<AccessTokenInfo | null>;

export interface VerifyAccessTokenOptions {
  verify: TokenVerifier;
  /** Scopes the token must all carry; none by default. */
  scopes?: string[];
  /** The `realm` of the `WWW-Authenticate` challenge. */
  realm?: string;
  /** For the expiry double-check; the system clock by default. */
  clock?: Clock;
}

/**
 * What the bundled verifiers throw when the provider cannot answer (key set or introspection
 * endpoint down, slow or garbled). `statusCode` 503 makes Fastify's and Express's default error
 * handlers answer 503, not 500: the token may be fine, the client should retry.
 */
export class VerifierUnavailableError extends Error {
  override name = 'VerifierUnavailableError';
  readonly statusCode = 503;
  readonly status = 503;
}

/** The plain request shape every Node HTTP framework offers. */
export interface RequestWithHeaders {
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Verifies the request's bearer token (RFC 6750 §2.1) and, when `scopes` are given, that it
 * carries them all. Resolves to the token's details.
 *
 * Rejects with an OAuthError whose `status`, `headers['WWW-Authenticate']` and `toJSON()` are
 * the response to send: 401 without an error code when no token was sent, 400 invalid_request for
 * a malformed header, 401 invalid_token for an unknown, expired or revoked token, 403
 * insufficient_scope. Anything else the verifier throws propagates unchanged, for the host to
 * answer (Latchkey answers 503 for an outage).
 */
export async function verifyAccessToken(
  request: RequestWithHeaders,
  options: VerifyAccessTokenOptions,
): Promise<AccessTokenInfo> {
  const { realm } = options;
  const token = readToken(request, realm);
  if (token === null) throw missingTokenError(realm);
  const info = await lookUp(token, options);
  if (info === null) throw invalidTokenError(realm, 'verifier returned no token');
  // A verifier that forgets an expiry check must not let an expired token through.
  if (info.expiresAt <= (options.clock ?? systemClock).now()) {
    throw invalidTokenError(realm, 'verifier returned an expired token');
  }
  if (options.scopes !== undefined) checkScope(info.scope, options.scopes, { realm });
  return info;
}

/**
 * Checks scopes configured for a route once, when the route is defined: a typo such as
 * "read write" (one string) would otherwise make every request fail with insufficient_scope.
 */
export function assertScopeList(scopes: string[] | undefined): void {
  for (const scope of scopes ?? []) {
    if (!isScopeToken(scope)) throw new TypeError(`invalid scope in route options: ${JSON.stringify(scope)}`);
  }
}

function readToken(request: RequestWithHeaders, realm: string | undefined): string | null {
  try {
    return extractBearerToken(authorizationHeader(request.headers));
  } catch (error) {
    throw isOAuthError(error) ? withBearerChallenge(error, { realm }) : error;
  }
}

/** The verifier's OAuthErrors get a challenge too; anything else is the host's to handle. */
async function lookUp(token: string, options: VerifyAccessTokenOptions): Promise<AccessTokenInfo | null> {
  try {
    return await options.verify(token);
  } catch (error) {
    throw isOAuthError(error) ? withBearerChallenge(error, { realm: options.realm }) : error;
  }
}

/**
 * Node lower-cases header names, but a hand-built request (a test, a fetch Headers copy) may not.
 * Every spelling is collected so that two of them count as a repeated header.
 */
function authorizationHeader(headers: RequestWithHeaders['headers']): string | string[] | undefined {
  const values: string[] = [];
  for (const name of Object.keys(headers)) {
    if (name.toLowerCase() !== 'authorization') continue;
    const value = headers[name];
    if (value !== undefined) values.push(...(Array.isArray(value) ? value : [value]));
  }
  if (values.length === 0) return undefined;
  return values.length === 1 ? values[0] : values;
}
