/**
 * Fastify binding of verifyAccessToken: a plugin that holds the verifier and decorates
 * `request.accessToken`, and `requireAccessToken()` preHandlers for the routes to protect.
 *
 * The plugin sets `Symbol.for('skip-override')`, the flag fastify-plugin sets, so its decorators
 * land on the instance that registers it and are visible to that instance's routes and child
 * plugins (no runtime dependency on fastify-plugin). Register it once per app, before the routes:
 *
 *   await app.register(resourceServer, { verify, realm: 'api' });
 *   app.get('/api/me', { preHandler: requireAccessToken({ scopes: ['profile'] }) }, handler);
 *
 * The bearer rules (RFC 6750) are in protocol/rfc6750-bearer.ts; this file only maps their
 * OAuthErrors onto replies.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../protocol/clock.js';
import { isOAuthError, type OAuthError } from '../protocol/errors.js';
import type { AccessTokenInfo } from '../protocol/types.js';
import { assertScopeList, type TokenVerifier, verifyAccessToken } from './verify.js';

export interface ResourceServerOptions {
  verify: TokenVerifier;
  /** The `realm` of the `WWW-Authenticate` challenge. */
  realm?: string;
  /** For the expiry double-check; the system clock by default. */
  clock?: Clock;
}

export interface RequireAccessTokenOptions {
  /** Scopes the token must all carry (RFC 6750 §3.1 insufficient_scope otherwise). */
  scopes?: string[];
}

/** A symbol, so the plugin's state cannot clash with the host's own decorators. */
const kResourceServer = Symbol.for('latchkey.resource-server');

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified token, set by `requireAccessToken()`; null on routes it does not guard. */
    accessToken: AccessTokenInfo | null;
  }
}

type PreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

const plugin: FastifyPluginAsync<ResourceServerOptions> = async (fastify, options) => {
  if (typeof options?.verify !== 'function') {
    throw new TypeError('resourceServer: the `verify` option must be a function');
  }
  // Copied, so later changes to the caller's object cannot change how tokens are checked.
  const settings: ResourceServerOptions = {
    verify: options.verify,
    realm: options.realm,
    clock: options.clock,
  };
  fastify.decorate(kResourceServer, settings);
  fastify.decorateRequest('accessToken', null);
};

/**
 * The Fastify plugin: `await app.register(resourceServer, { verify, realm })`. It adds
 * `request.accessToken` and the settings `requireAccessToken()` uses, to the registering
 * instance itself (`skip-override`), so register it on the instance whose routes it guards or
 * on one of their ancestors.
 */
export const resourceServer: FastifyPluginAsync<ResourceServerOptions> = Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'latchkey-resource-server',
});

/**
 * A `preHandler` that lets the request through only with a valid bearer token carrying `scopes`,
 * and sets `request.accessToken`. A token failure is answered here: its status,
 * `WWW-Authenticate`, `Cache-Control: no-store` and `{ error, error_description }`. Any other
 * error (the verifier's database is down) is thrown on to the route's error handler.
 */
export function requireAccessToken(options: RequireAccessTokenOptions = {}): PreHandler {
  assertScopeList(options.scopes);
  const scopes = options.scopes === undefined ? undefined : [...options.scopes];
  return async function requireAccessTokenHook(request, reply) {
    const settings = settingsOf(request.server);
    try {
      request.accessToken = await verifyAccessToken(withEveryAuthorizationLine(request), {
        ...settings,
        scopes,
      });
      return undefined;
    } catch (error) {
      if (!isOAuthError(error)) throw error;
      return sendTokenError(reply, error);
    }
  };
}

/**
 * Node keeps only the first of several Authorization lines in `headers`; `headersDistinct` keeps
 * them all, so a repeated header is refused (RFC 6750 §2) instead of silently half-read.
 */
function withEveryAuthorizationLine(request: FastifyRequest) {
  // Injected requests (light-my-request) have no headersDistinct: their headers are as given.
  const lines = request.raw.headersDistinct?.authorization;
  if (lines === undefined) return request;
  return { headers: { ...request.headers, authorization: lines.length === 1 ? lines[0] : lines } };
}

function settingsOf(instance: FastifyInstance): ResourceServerOptions {
  const settings = (instance as unknown as Record<symbol, ResourceServerOptions | undefined>)[
    kResourceServer
  ];
  if (settings === undefined) {
    // A wiring mistake, not a client error: it should fail loudly, as a 500.
    throw new Error('requireAccessToken() needs the resourceServer plugin registered on this app first');
  }
  return settings;
}

function sendTokenError(reply: FastifyReply, error: OAuthError): FastifyReply {
  // RFC 6749 §5.1's no-store, for the same reason: an error about a token is never cached.
  return reply
    .code(error.status)
    .headers({ ...error.headers, 'Cache-Control': 'no-store' })
    .send(error.toJSON());
}
