/**
 * Minting tokens: new random values, their lifetimes, and the records (digests only) the store
 * keeps. Every grant goes through here, the token endpoint's and the implicit grant's alike.
 */
import { digest } from '../crypto/digest.js';
import { signJwt } from '../crypto/keys.js';
import { randomId, randomToken } from '../crypto/random.js';
import type { IssuedTokens } from '../protocol/rfc6749/token.js';
import { JWT_ACCESS_TOKEN_TYPE, jwtAccessTokenClaims } from '../protocol/rfc9068-jwt-access-token.js';
import type { AccessTokenFormat, Client, GrantType } from '../protocol/types.js';
import type { TokenRecord } from '../store/ports.js';
import { accountsOf, type ServiceDeps } from './deps.js';
import { signingKey } from './signing-keys.js';
import { subjectFor } from './subject.js';

export interface Mint {
  records: TokenRecord[];
  issued: IssuedTokens;
}

/**
 * Lifetimes, most specific first: the client's own, then the server's for this grant type, then
 * the server's default (the seeds' per-grant OAUTH2_TOKEN_EXPIRES_IN table, overridable per client).
 */
function lifetimes(deps: ServiceDeps, client: Client, grantType: GrantType) {
  const { tokens } = deps.config;
  return {
    access: client.accessTokenTtl ?? tokens.accessTokenTtlByGrant[grantType] ?? tokens.accessTokenTtl,
    refresh: client.refreshTokenTtl ?? tokens.refreshTokenTtl,
  };
}

export interface MintRequest {
  grantType: GrantType;
  client: Client;
  grantId: string | null;
  userId: string | null;
  /** The user's name for a JWT access token's `username`; looked up when omitted and needed. */
  username?: string | null;
  scope: string[];
  /**
   * The new refresh token's scope, or null for none. It differs from `scope` when a refresh
   * narrowed the access token: RFC 6749 §6 says the new refresh token's scope "MUST be identical
   * to that of the refresh token included".
   */
  refreshScope: string[] | null;
}

/** The client's own format, else the server's (RFC 9068 JWTs per server or per client). */
export function accessTokenFormat(deps: ServiceDeps, client: Client): AccessTokenFormat {
  return client.accessTokenFormat ?? deps.config.tokens.accessTokenFormat;
}

/**
 * New access (and optionally refresh) tokens; only their digests go into the records. A JWT access
 * token is stored by digest like an opaque one, so revocation, introspection and grant-wide
 * revocation treat both alike; an API that verifies the JWT locally sees revocation only at expiry.
 */
export async function mintTokens(deps: ServiceDeps, request: MintRequest): Promise<Mint> {
  const now = deps.clock.now();
  const ttl = lifetimes(deps, request.client, request.grantType);
  const record = (
    token: string,
    kind: TokenRecord['kind'],
    scope: string[],
    ttlSeconds: number,
  ): TokenRecord => ({
    tokenDigest: digest(token),
    kind,
    grantId: request.grantId,
    clientId: request.client.clientId,
    userId: request.userId,
    scope,
    createdAt: now,
    expiresAt: now + ttlSeconds,
    consumedAt: null,
    revokedAt: null,
  });
  const accessToken =
    accessTokenFormat(deps, request.client) === 'jwt'
      ? await jwtAccessToken(deps, request, now, now + ttl.access)
      : randomToken();
  const records = [record(accessToken, 'access', request.scope, ttl.access)];
  const refreshToken = request.refreshScope ? randomToken() : null;
  if (refreshToken && request.refreshScope)
    records.push(record(refreshToken, 'refresh', request.refreshScope, ttl.refresh));
  return { records, issued: { accessToken, expiresIn: ttl.access, refreshToken, scope: request.scope } };
}

export function issuesRefreshTokens(deps: ServiceDeps, client: Client): boolean {
  return deps.config.tokens.issueRefreshTokens && client.grantTypes.includes('refresh_token');
}

async function jwtAccessToken(
  deps: ServiceDeps,
  request: MintRequest,
  issuedAt: number,
  expiresAt: number,
): Promise<string> {
  const { tokens, issuer } = deps.config;
  // The client can read its own JWT: a pairwise client must see neither the user's id nor name
  // there (OIDC Core §8), only the subject it knows the user by.
  const pairwise = request.client.subjectType === 'pairwise';
  let username = pairwise ? null : (request.username ?? null);
  if (!pairwise && request.username === undefined && request.userId) {
    username = (await accountsOf(deps).find(request.userId))?.username ?? null;
  }
  const claimsHook = deps.extensions?.hooks?.claims;
  const added = claimsHook
    ? await claimsHook({
        token: 'access_token',
        clientId: request.client.clientId,
        accountId: request.userId,
        scope: request.scope,
      })
    : null;
  const claims = jwtAccessTokenClaims({
    issuer,
    audience: tokens.accessTokenAudience ?? issuer,
    clientId: request.client.clientId,
    userId: request.userId === null ? null : await subjectFor(deps, request.client, request.userId),
    username,
    scope: request.scope,
    issuedAt,
    expiresAt,
    jti: randomId(),
  });
  // RFC 9068's claims last: a hook's never replace them (and hook-runner.ts refuses reserved names).
  return signJwt(await signingKey(deps, tokens.accessTokenSigningAlg), JWT_ACCESS_TOKEN_TYPE, {
    ...added,
    ...claims,
  });
}
