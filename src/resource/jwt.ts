/**
 * RFC 9068 — JSON Web Token (JWT) Profile for OAuth 2.0 Access Tokens, resource-server side:
 * a TokenVerifier that checks Latchkey's JWT access tokens locally, against the provider's
 * published keys (RFC 7517 JWK Set), with no call to the provider per request.
 *
 * - §4 Validating JWT Access Tokens: `typ` must be `at+jwt` (so an ID token, `typ: JWT`, is
 *   refused), `iss` must be the expected issuer, `aud` must name this resource when an audience
 *   is configured, the signature must verify with an asymmetric algorithm the resource accepts,
 *   and `exp` must not have passed.
 * - §2.2 Data Structure: iss, exp, aud, sub, client_id, iat and jti are REQUIRED.
 *
 * A bad token resolves to null (401 invalid_token); failing to fetch the key set is an outage and
 * throws, so the client is told to retry rather than to throw its token away.
 */
import {
  createRemoteJWKSet,
  customFetch,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  jwtVerify,
  type RemoteJWKSetOptions,
} from 'jose';
import { type Clock, systemClock } from '../protocol/clock.js';
import type { AccessTokenInfo } from '../protocol/types.js';
import { accessTokenInfoFromClaims } from './claims.js';
import { type TokenVerifier, VerifierUnavailableError } from './verify.js';

export interface JwtVerifierOptions {
  /** The provider's issuer identifier; tokens must carry exactly this `iss` (RFC 9068 §4). */
  issuer: string;
  /** Where the provider publishes its keys. Default: `${issuer}/.well-known/jwks.json`. */
  jwksUri?: string;
  /**
   * This API's identifier(s): the token's `aud` must contain one of them (RFC 9068 §4). Set it
   * whenever the provider issues tokens for more than one API, or a token for one is good at all.
   */
  audience?: string | string[];
  /**
   * Signature algorithms accepted. Default `['ES256', 'RS256', 'EdDSA']`. Only asymmetric
   * algorithms are allowed: `none` and the HMAC `HS*` family would let anyone holding the shared
   * secret, or no key at all, mint tokens.
   */
  algorithms?: string[];
  /**
   * For `exp`, `nbf` and `iat`; the system clock by default. The key-set cache (`cacheMaxAge`,
   * `cooldown`) is timed by jose with the real clock.
   */
  clock?: Clock;
  /** Seconds of clock skew tolerated between provider and API. Default 5. */
  clockTolerance?: number;
  /** The fetch used for the key set (a proxy, a test double). Default: the global fetch. */
  fetch?: typeof fetch;
  /** Milliseconds to wait for the key set before treating the provider as down. Default 5000. */
  timeoutMs?: number;
  /** Seconds the fetched key set is used before it is fetched again. Default 600. */
  cacheMaxAge?: number;
  /**
   * Seconds after a fetch during which a token with an unknown `kid` does not trigger another
   * fetch (it is refused). Default 30. This bounds how often junk tokens can make the API call
   * the provider, and also how soon a newly published key is picked up.
   */
  cooldown?: number;
}

const DEFAULT_ALGORITHMS = ['ES256', 'RS256', 'EdDSA'];
/** The asymmetric JWS algorithms (RFC 7518 §3.1, RFC 8037 §3.1, RFC 9864) jose can verify. */
const ASYMMETRIC_ALGORITHMS = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);
// RFC 9068 §2.2: the claims every JWT access token carries. iss and aud are checked by value below.
const REQUIRED_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'];
// RFC 7515 §7.1: a compact JWS is three base64url parts.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/**
 * jose error codes that mean the key set could not be had — the provider (or the network) is
 * down or misconfigured — as opposed to the token being bad. ERR_JOSE_GENERIC is what jose
 * throws for a non-200 or non-JSON key-set response; fetch's own failures (refused connection,
 * DNS) are not jose errors at all and are outages too.
 */
const OUTAGE_CODES = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JOSE_GENERIC', 'ERR_JWKS_INVALID', 'ERR_JWK_INVALID']);

/**
 * A TokenVerifier for RFC 9068 JWT access tokens, verified locally with the provider's keys.
 *
 * The key set is fetched on first use, cached for `cacheMaxAge`, and fetched again when a token
 * names a key it does not hold (at most once per `cooldown`), so a key the provider adds is
 * picked up and a key it retires stops verifying once the set has been fetched again. A JWT
 * cannot be revoked: it is accepted until its `exp`. Use `introspectionVerifier` where a
 * revocation must take effect sooner.
 *
 * Resolves to null for any token that fails verification; throws a plain Error when the key set
 * cannot be fetched (network error, timeout, non-200, not a JWK Set).
 */
export function jwtVerifier(options: JwtVerifierOptions): TokenVerifier {
  const settings = checkOptions(options);
  const jwksUri = settings.jwksUri ?? `${settings.issuer.replace(/\/+$/, '')}/.well-known/jwks.json`;
  // new URL throws here, at startup, on a malformed issuer or jwksUri.
  const keys = createRemoteJWKSet(new URL(jwksUri), remoteOptions(settings));
  const clock = settings.clock ?? systemClock;
  const verifyOptions = {
    issuer: settings.issuer,
    audience: settings.audience,
    algorithms: settings.algorithms ?? DEFAULT_ALGORITHMS,
    // RFC 9068 §4: "the resource server MUST verify that the 'typ' header value is 'at+jwt' or
    // 'application/at+jwt'" (jose treats the two as equal).
    typ: 'at+jwt',
    requiredClaims: REQUIRED_CLAIMS,
    clockTolerance: settings.clockTolerance ?? 5,
  };

  return async function verifyJwtAccessToken(token: string): Promise<AccessTokenInfo | null> {
    if (!worthVerifying(token, settings.issuer)) return null;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        ...verifyOptions,
        currentDate: new Date(clock.now() * 1000),
      }));
    } catch (error) {
      if (isOutage(error)) {
        throw new VerifierUnavailableError(
          `latchkey/resource: cannot get the JSON Web Key Set from ${jwksUri}`,
          {
            cause: error,
          },
        );
      }
      return null;
    }
    if (typeof payload.jti !== 'string' || typeof payload.sub !== 'string') return null;
    return accessTokenInfoFromClaims(payload);
  };
}

/**
 * Checks of the unverified token that need no key: one that fails them could never verify, so it
 * is refused before it can cost a key-set fetch (and refused even while the key set is
 * unreachable: a token from another issuer is a bad token, not an outage). jwtVerify repeats
 * every check on the verified token.
 */
function worthVerifying(token: string, issuer: string): boolean {
  if (!COMPACT_JWS.test(token)) return false;
  try {
    const { typ } = decodeProtectedHeader(token);
    // RFC 9068 §4 / RFC 8725 §3.11: media types compare case-insensitively, "application/" optional.
    if (typeof typ !== 'string' || typ.toLowerCase().replace(/^application\//, '') !== 'at+jwt') return false;
    return decodeJwt(token).iss === issuer;
  } catch {
    return false;
  }
}

function remoteOptions(settings: JwtVerifierOptions): RemoteJWKSetOptions {
  const remote: RemoteJWKSetOptions = {
    timeoutDuration: settings.timeoutMs ?? 5000,
    cacheMaxAge: (settings.cacheMaxAge ?? 600) * 1000,
    cooldownDuration: (settings.cooldown ?? 30) * 1000,
  };
  const fetchImpl = settings.fetch;
  if (fetchImpl !== undefined) remote[customFetch] = (url, init) => fetchImpl(url, init);
  return remote;
}

function isOutage(error: unknown): boolean {
  // Not a jose error: fetch itself failed (connection refused, DNS), or a published key is unusable.
  if (!(error instanceof errors.JOSEError)) return true;
  return OUTAGE_CODES.has(error.code);
}

/** Misconfiguration fails when the verifier is created, not as a 401 on every request. */
function checkOptions(options: JwtVerifierOptions): JwtVerifierOptions {
  if (typeof options?.issuer !== 'string' || options.issuer === '') {
    throw new TypeError('jwtVerifier: `issuer` must be a non-empty string');
  }
  const algorithms = options.algorithms;
  if (algorithms !== undefined) {
    if (!Array.isArray(algorithms) || algorithms.length === 0) {
      throw new TypeError('jwtVerifier: `algorithms` must list at least one algorithm');
    }
    for (const alg of algorithms) {
      if (!ASYMMETRIC_ALGORITHMS.has(alg)) {
        throw new TypeError(`jwtVerifier: ${JSON.stringify(alg)} is not an accepted asymmetric algorithm`);
      }
    }
  }
  checkNonNegative('clockTolerance', options.clockTolerance);
  checkNonNegative('cacheMaxAge', options.cacheMaxAge);
  checkNonNegative('cooldown', options.cooldown);
  if (options.timeoutMs !== undefined && !(Number.isInteger(options.timeoutMs) && options.timeoutMs > 0)) {
    throw new TypeError('jwtVerifier: `timeoutMs` must be a positive integer');
  }
  const audience = options.audience;
  const audiences = audience === undefined ? [] : Array.isArray(audience) ? audience : [audience];
  if (audiences.some((value) => typeof value !== 'string' || value === '')) {
    throw new TypeError('jwtVerifier: `audience` must be a non-empty string or a list of them');
  }
  return { ...options, algorithms: algorithms === undefined ? undefined : [...algorithms] };
}

function checkNonNegative(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
    throw new TypeError(`jwtVerifier: \`${name}\` must be a non-negative number of seconds`);
  }
}
