/**
 * RFC 7662 — OAuth 2.0 Token Introspection, resource-server side: a TokenVerifier that asks the
 * provider about opaque access tokens, with a short cache so a busy API does not call the
 * provider on every request.
 *
 * - §2.1 Introspection Request: a form POST of `token` (and `token_type_hint`), authenticated as
 *   a client (here client_secret_basic, RFC 6749 §2.3.1).
 * - §2.2 Introspection Response: `active` decides; the other members describe an active token.
 * - §4 Security Considerations: responses may be cached, trading freshness (a revoked token is
 *   accepted until its cache entry ends) for load; the cache never outlives the token's `exp`.
 *
 * Inactive tokens resolve to null (401 invalid_token). An endpoint that cannot answer — network
 * error, timeout, non-200, a body that is not an introspection response — is an outage: it throws
 * and nothing is cached, so the next request asks again.
 */
import { createHash } from 'node:crypto';
import { type Clock, systemClock } from '../protocol/clock.js';
import type { AccessTokenInfo } from '../protocol/types.js';
import { accessTokenInfoFromClaims } from './claims.js';
import { type TokenVerifier, VerifierUnavailableError } from './verify.js';

export interface IntrospectionVerifierOptions {
  /** The provider's introspection endpoint, e.g. `https://id.example.com/oauth/introspect`. */
  introspectionEndpoint: string;
  /** This API's own client at the provider, allowed to introspect any token. */
  clientId: string;
  clientSecret: string;
  /**
   * Seconds an answer is reused. Default 30; 0 disables the cache. A revoked token stays accepted
   * for up to this long; an active answer is never reused past the token's `exp`.
   */
  cacheTtl?: number;
  /** Most answers kept; the oldest is dropped first. Default 10 000. */
  cacheSize?: number;
  /** The fetch used to call the endpoint (a proxy, a test double). Default: the global fetch. */
  fetch?: typeof fetch;
  /** For cache lifetimes and the expiry double-check; the system clock by default. */
  clock?: Clock;
  /** Milliseconds to wait for the endpoint before treating the provider as down. Default 5000. */
  timeoutMs?: number;
}

interface CacheEntry {
  info: AccessTokenInfo | null;
  /** Seconds since the epoch, by the injected clock. */
  until: number;
}

/** RFC 6749 §7.1 / RFC 7662 §2.2: token types an access token may be reported as. */
const ACCESS_TOKEN_TYPES = new Set(['bearer', 'access_token']);

/**
 * A TokenVerifier for opaque access tokens, checked by RFC 7662 introspection at the provider.
 *
 * Answers, active and inactive alike, are cached for `cacheTtl` seconds (never past an active
 * token's `exp`), keyed by the token's SHA-256 so the cache holds no usable token. Concurrent
 * checks of one token share one request. Resolves to null for an inactive or unreadable token;
 * throws a plain Error when the endpoint cannot answer.
 */
export function introspectionVerifier(options: IntrospectionVerifierOptions): TokenVerifier {
  const settings = checkOptions(options);
  const clock = settings.clock ?? systemClock;
  const cacheTtl = settings.cacheTtl ?? 30;
  const cacheSize = settings.cacheSize ?? 10_000;
  const cache = new Map<string, CacheEntry>();
  const inFlight = new Map<string, Promise<AccessTokenInfo | null>>();
  const introspect = introspector(settings, clock);

  function remember(key: string, info: AccessTokenInfo | null): void {
    const now = clock.now();
    const until = Math.min(now + cacheTtl, info === null ? Number.POSITIVE_INFINITY : info.expiresAt);
    if (until <= now) return;
    // Re-inserted, so Map order stays oldest-first and the first key is the one to drop.
    cache.delete(key);
    cache.set(key, { info, until });
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
  }

  return async function verifyOpaqueAccessToken(token: string): Promise<AccessTokenInfo | null> {
    const key = createHash('sha256').update(token, 'utf8').digest('base64url');
    const now = clock.now();
    const hit = cache.get(key);
    if (hit !== undefined) {
      if (hit.until > now) return hit.info !== null && hit.info.expiresAt > now ? copy(hit.info) : null;
      cache.delete(key);
    }
    let pending = inFlight.get(key);
    if (pending === undefined) {
      pending = introspect(token)
        .then((info) => {
          if (cacheTtl > 0) remember(key, info);
          return info;
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return copy(await pending);
  };
}

/** Each caller gets its own object, so a host that edits `request.accessToken` cannot edit the cache. */
function copy(info: AccessTokenInfo | null): AccessTokenInfo | null {
  return info === null ? info : { ...info, scope: [...info.scope] };
}

/** One introspection call: the token's details, null when inactive, a throw when unanswerable. */
function introspector(settings: IntrospectionVerifierOptions, clock: Clock) {
  const fetchImpl = settings.fetch ?? fetch;
  const endpoint = settings.introspectionEndpoint;
  const timeoutMs = settings.timeoutMs ?? 5000;
  // RFC 6749 §2.3.1: id and secret are form-encoded before Basic, so a ':' in either survives.
  const credentials = `${formEncode(settings.clientId)}:${formEncode(settings.clientSecret)}`;
  const authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;

  return async (token: string): Promise<AccessTokenInfo | null> => {
    let body: unknown;
    try {
      const response = await fetchImpl(endpoint, {
        method: 'POST',
        headers: {
          authorization,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        // RFC 7662 §2.1: the hint saves the provider a lookup in its refresh-token table.
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        // A redirect would resend the credentials somewhere unplanned: treat it as a failure.
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new Error(`it answered HTTP ${response.status}`);
      }
      body = await response.json();
    } catch (error) {
      throw unavailable(endpoint, error);
    }
    return readResponse(body, endpoint, clock.now());
  };
}

/** RFC 7662 §2.2: `active` is REQUIRED and boolean; without it the answer means nothing. */
function readResponse(body: unknown, endpoint: string, now: number): AccessTokenInfo | null {
  if (
    typeof body !== 'object' ||
    body === null ||
    typeof (body as { active?: unknown }).active !== 'boolean'
  ) {
    throw unavailable(endpoint, new Error('the answer is not an introspection response'));
  }
  const claims = body as Record<string, unknown>;
  if (claims.active !== true) return null;
  // A refresh token is active too, but is no access token (Latchkey reports it as refresh_token).
  const tokenType = claims.token_type;
  if (
    tokenType !== undefined &&
    !(typeof tokenType === 'string' && ACCESS_TOKEN_TYPES.has(tokenType.toLowerCase()))
  ) {
    return null;
  }
  const info = accessTokenInfoFromClaims(claims, { issuedAtFallback: now });
  // The provider's clock may run behind ours: a token past its exp here is expired here.
  return info !== null && info.expiresAt > now ? info : null;
}

function unavailable(endpoint: string, cause: unknown): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new VerifierUnavailableError(
    `latchkey/resource: the introspection endpoint ${endpoint} cannot answer: ${reason}`,
    {
      cause,
    },
  );
}

/** application/x-www-form-urlencoded (RFC 6749 Appendix B), as the provider decodes it. */
function formEncode(value: string): string {
  return encodeURIComponent(value);
}

/** Misconfiguration fails when the verifier is created, not as an outage on every request. */
function checkOptions(options: IntrospectionVerifierOptions): IntrospectionVerifierOptions {
  const endpoint = URL.parse(String(options?.introspectionEndpoint));
  if (endpoint?.protocol !== 'https:' && endpoint?.protocol !== 'http:') {
    throw new TypeError('introspectionVerifier: `introspectionEndpoint` must be an http(s) URL');
  }
  if (typeof options.clientId !== 'string' || options.clientId === '') {
    throw new TypeError('introspectionVerifier: `clientId` must be a non-empty string');
  }
  if (typeof options.clientSecret !== 'string' || options.clientSecret === '') {
    throw new TypeError('introspectionVerifier: `clientSecret` must be a non-empty string');
  }
  const { cacheTtl, cacheSize, timeoutMs } = options;
  if (cacheTtl !== undefined && !(Number.isFinite(cacheTtl) && cacheTtl >= 0)) {
    throw new TypeError('introspectionVerifier: `cacheTtl` must be a non-negative number of seconds');
  }
  if (cacheSize !== undefined && !(Number.isInteger(cacheSize) && cacheSize > 0)) {
    throw new TypeError('introspectionVerifier: `cacheSize` must be a positive integer');
  }
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
    throw new TypeError('introspectionVerifier: `timeoutMs` must be a positive integer');
  }
  return { ...options };
}
