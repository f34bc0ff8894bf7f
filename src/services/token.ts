/**
 * The token endpoint's use case (RFC 6749 §3.2): authenticate the client, then run the grant.
 * Per request: one client lookup, one digest compare, 32 random bytes per token, one transaction.
 */
import { digest } from '../crypto/digest.js';
import { randomToken } from '../crypto/random.js';
import { type RawParams, requireParam, singleParams } from '../protocol/params.js';
import {
  checkAuthorizationCode,
  codeReplayError,
  isCodeReplay,
} from '../protocol/rfc6749/grants/authorization-code.js';
import { checkClientCredentials } from '../protocol/rfc6749/grants/client-credentials.js';
import {
  checkRefreshToken,
  isRefreshReuse,
  refreshReuseError,
} from '../protocol/rfc6749/grants/refresh-token.js';
import { checkGrantType, type IssuedTokens, tokenResponse } from '../protocol/rfc6749/token.js';
import { isActive } from '../protocol/rfc7662-introspection.js';
import type { AccessTokenInfo, Client, GrantType } from '../protocol/types.js';
import type { TokenRecord } from '../store/ports.js';
import { authenticateRequestClient } from './client-authentication.js';
import type { ServiceDeps } from './deps.js';

export async function tokenRequest(
  deps: ServiceDeps,
  input: { authorization: string | string[] | undefined; body: RawParams },
): Promise<Record<string, string | number>> {
  const params = singleParams(input.body);
  const client = await authenticateRequestClient(deps, input.authorization, params);
  const grant = GRANTS[checkGrantType(params, client)];
  return tokenResponse(await grant(deps, params, client));
}

type Grant = (deps: ServiceDeps, params: Record<string, string>, client: Client) => Promise<IssuedTokens>;

interface Mint {
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

interface MintRequest {
  grantType: GrantType;
  client: Client;
  grantId: string | null;
  userId: string | null;
  scope: string[];
  /**
   * The new refresh token's scope, or null for none. It differs from `scope` when a refresh
   * narrowed the access token: RFC 6749 §6 says the new refresh token's scope "MUST be identical
   * to that of the refresh token included".
   */
  refreshScope: string[] | null;
}

/** New access (and optionally refresh) tokens; only their digests go into the records. */
function mintTokens(deps: ServiceDeps, request: MintRequest): Mint {
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
  const accessToken = randomToken();
  const records = [record(accessToken, 'access', request.scope, ttl.access)];
  const refreshToken = request.refreshScope ? randomToken() : null;
  if (refreshToken && request.refreshScope)
    records.push(record(refreshToken, 'refresh', request.refreshScope, ttl.refresh));
  return { records, issued: { accessToken, expiresIn: ttl.access, refreshToken, scope: request.scope } };
}

function issuesRefreshTokens(deps: ServiceDeps, client: Client): boolean {
  return deps.config.tokens.issueRefreshTokens && client.grantTypes.includes('refresh_token');
}

async function authorizationCodeGrant(
  deps: ServiceDeps,
  params: Record<string, string>,
  client: Client,
): Promise<IssuedTokens> {
  const { store, clock } = deps;
  const code = await store.grants.findCode(digest(requireParam(params, 'code')));
  if (code && isCodeReplay(code)) {
    await store.grants.revoke(code.grantId, clock.now());
    throw codeReplayError();
  }
  checkAuthorizationCode(params, code, client, clock.now());
  const stored = code!;
  const mint = mintTokens(deps, {
    grantType: 'authorization_code',
    client,
    grantId: stored.grantId,
    userId: stored.userId,
    scope: stored.scope,
    refreshScope: issuesRefreshTokens(deps, client) ? stored.scope : null,
  });
  if (!(await store.grants.redeemCode(stored.codeDigest, clock.now(), mint.records))) {
    // Another request consumed it first: this one is the replay.
    await store.grants.revoke(stored.grantId, clock.now());
    throw codeReplayError();
  }
  return mint.issued;
}

async function refreshTokenGrant(
  deps: ServiceDeps,
  params: Record<string, string>,
  client: Client,
): Promise<IssuedTokens> {
  const { store, clock } = deps;
  const token = await store.tokens.find(digest(requireParam(params, 'refresh_token')));
  if (token?.grantId && isRefreshReuse(token) && token.clientId === client.clientId) {
    await store.grants.revoke(token.grantId, clock.now());
    throw refreshReuseError();
  }
  const scope = checkRefreshToken(params, token, client, clock.now());
  const stored = token!;
  const user = stored.userId ? await store.users.findById(stored.userId) : null;
  if (!stored.grantId || !user || user.disabled) throw refreshReuseError();
  const mint = mintTokens(deps, {
    grantType: 'refresh_token',
    client,
    grantId: stored.grantId,
    userId: user.id,
    scope,
    refreshScope: stored.scope,
  });
  if (!(await store.grants.rotateRefreshToken(stored.tokenDigest, clock.now(), mint.records))) {
    // Lost a race with another use of the same token: that is reuse too (RFC 9700 §4.14.2).
    await store.grants.revoke(stored.grantId, clock.now());
    throw refreshReuseError();
  }
  return mint.issued;
}

async function clientCredentialsGrant(
  deps: ServiceDeps,
  params: Record<string, string>,
  client: Client,
): Promise<IssuedTokens> {
  const scope = checkClientCredentials(params, client);
  // RFC 6749 §4.4.3: "A refresh token SHOULD NOT be included."
  const mint = mintTokens(deps, {
    grantType: 'client_credentials',
    client,
    grantId: null,
    userId: null,
    scope,
    refreshScope: null,
  });
  await deps.store.tokens.insert(mint.records);
  return mint.issued;
}

const GRANTS: Record<GrantType, Grant> = {
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  client_credentials: clientCredentialsGrant,
};

/** In-process verification of an opaque access token, for the provider's own API and the resource helper. */
export async function lookupAccessToken(deps: ServiceDeps, token: string): Promise<AccessTokenInfo | null> {
  if (token.length > 512) return null;
  const record = await deps.store.tokens.findWithUser(digest(token));
  if (record?.kind !== 'access' || !isActive(record, deps.clock.now())) return null;
  return {
    clientId: record.clientId,
    userId: record.userId,
    username: record.username,
    scope: record.scope,
    issuedAt: record.createdAt,
    expiresAt: record.expiresAt,
  };
}
