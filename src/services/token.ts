/**
 * The token endpoint's use case (RFC 6749 §3.2): authenticate the client, then run the grant.
 * Per request: one client lookup, one digest compare, 32 random bytes per token, one transaction.
 */
import { digest } from '../crypto/digest.js';
import { randomId } from '../crypto/random.js';
import { isOAuthError, OAuthError } from '../protocol/errors.js';
import { MAX_TOKEN_LENGTH, type RawParams, requireParam, singleParams } from '../protocol/params.js';
import {
  checkAuthorizationCode,
  codeReplayError,
  isCodeReplay,
} from '../protocol/rfc6749/grants/authorization-code.js';
import { checkClientCredentials } from '../protocol/rfc6749/grants/client-credentials.js';
import {
  checkPasswordGrant,
  invalidCredentialsError,
  throttledCredentialsError,
} from '../protocol/rfc6749/grants/password.js';
import {
  checkRefreshToken,
  isRefreshReuse,
  refreshReuseError,
} from '../protocol/rfc6749/grants/refresh-token.js';
import { checkGrantType, type IssuedTokens, tokenResponse } from '../protocol/rfc6749/token.js';
import { isActive } from '../protocol/rfc7662-introspection.js';
import type { AccessTokenInfo, ClaimsRequest, Client, TokenGrantType } from '../protocol/types.js';
import { authenticateRequestClient } from './client-authentication.js';
import { accountsOf, type ServiceDeps } from './deps.js';
import { announceIssued, emitEvent } from './events.js';
import { mintIdToken, wantsIdToken } from './id-tokens.js';
import { issuesRefreshTokens, mintTokens } from './issue-tokens.js';
import { recordPasswordGrantSignIn, verifyCredentials } from './login.js';

export interface TokenRequestInput {
  authorization: string | string[] | undefined;
  body: RawParams;
  /** The caller's address, for the password grant's throttling. */
  ip: string;
}

export async function tokenRequest(
  deps: ServiceDeps,
  input: TokenRequestInput,
): Promise<Record<string, string | number>> {
  const params = singleParams(input.body);
  const client = await authenticateRequestClient(deps, input.authorization, params);
  const grant = GRANTS[checkGrantType(params, client)];
  return tokenResponse(await grant(deps, params, client, input));
}

/** The host's tokenRevoked event for a grant revoked because a code or refresh token came back. */
function announceReuse(
  deps: ServiceDeps,
  kind: 'code' | 'refresh',
  token: { clientId: string; userId: string | null; grantId: string | null },
): void {
  emitEvent(deps, 'tokenRevoked', () => ({
    clientId: token.clientId,
    accountId: token.userId,
    grantId: token.grantId,
    kind,
    grantRevoked: true,
    reason: 'reuse_detected',
  }));
}

type Grant = (
  deps: ServiceDeps,
  params: Record<string, string>,
  client: Client,
  input: TokenRequestInput,
) => Promise<IssuedTokens>;

async function authorizationCodeGrant(
  deps: ServiceDeps,
  params: Record<string, string>,
  client: Client,
): Promise<IssuedTokens> {
  const { store, clock } = deps;
  const code = await store.grants.findCode(digest(requireParam(params, 'code')));
  if (code && isCodeReplay(code)) {
    if (await store.grants.revoke(code.grantId, clock.now())) announceReuse(deps, 'code', code);
    throw codeReplayError();
  }
  checkAuthorizationCode(params, code, client, clock.now());
  const stored = code!;
  const mint = await mintTokens(deps, {
    grantType: 'authorization_code',
    client,
    grantId: stored.grantId,
    userId: stored.userId,
    scope: stored.scope,
    refreshScope: issuesRefreshTokens(deps, client) ? stored.scope : null,
  });
  const idToken = await idTokenFor(deps, client, stored.userId, mint.issued, {
    authTime: stored.authTime,
    sid: stored.sid,
    nonce: stored.nonce,
    claims: stored.claims,
  });
  if (!(await store.grants.redeemCode(stored.codeDigest, clock.now(), mint.records))) {
    // Another request consumed it first: this one is the replay.
    if (await store.grants.revoke(stored.grantId, clock.now())) announceReuse(deps, 'code', stored);
    throw codeReplayError();
  }
  const issued = { ...mint.issued, ...idToken };
  announceIssued(deps, 'authorization_code', client, stored, issued);
  return issued;
}

/**
 * OIDC Core §3.1.3.3 (and §12.2 for refreshes): an ID token beside the access token when the
 * scope includes openid. A user deleted or disabled since the authorization gets none: the grant
 * is refused instead.
 */
async function idTokenFor(
  deps: ServiceDeps,
  client: Client,
  userId: string,
  issued: IssuedTokens,
  context: {
    authTime: number | null;
    sid: string | null;
    nonce: string | null;
    claims: ClaimsRequest | null;
    passwordSignIn?: boolean;
  },
): Promise<{ idToken?: string }> {
  if (!wantsIdToken(issued.scope)) return {};
  const idToken = await mintIdToken(deps, {
    client,
    userId,
    scope: issued.scope,
    accessToken: issued.accessToken,
    ...context,
  });
  if (!idToken)
    throw new OAuthError('invalid_grant', 'The user of this grant no longer exists or is disabled');
  return { idToken };
}

async function refreshTokenGrant(
  deps: ServiceDeps,
  params: Record<string, string>,
  client: Client,
): Promise<IssuedTokens> {
  const { store, clock } = deps;
  const token = await store.tokens.find(digest(requireParam(params, 'refresh_token')));
  if (token?.grantId && isRefreshReuse(token) && token.clientId === client.clientId) {
    if (await store.grants.revoke(token.grantId, clock.now())) announceReuse(deps, 'refresh', token);
    throw refreshReuseError();
  }
  const scope = checkRefreshToken(params, token, client, clock.now());
  const stored = token!;
  const user = stored.userId ? await accountsOf(deps).find(stored.userId) : null;
  if (!stored.grantId || !user) throw refreshReuseError();
  const mint = await mintTokens(deps, {
    grantType: 'refresh_token',
    client,
    grantId: stored.grantId,
    userId: user.id,
    username: user.username,
    scope,
    refreshScope: stored.scope,
  });
  const grant = wantsIdToken(scope) ? await store.grants.find(stored.grantId) : null;
  // §12.2: a refreshed ID token keeps the original auth_time and carries no nonce.
  const idToken = await idTokenFor(deps, client, user.id, mint.issued, {
    authTime: grant?.authTime ?? null,
    sid: grant?.sid ?? null,
    nonce: null,
    claims: grant?.claims ?? null,
  });
  if (!(await store.grants.rotateRefreshToken(stored.tokenDigest, clock.now(), mint.records))) {
    // Lost a race with another use of the same token: that is reuse too (RFC 9700 §4.14.2).
    if (await store.grants.revoke(stored.grantId, clock.now())) announceReuse(deps, 'refresh', stored);
    throw refreshReuseError();
  }
  const issued = { ...mint.issued, ...idToken };
  announceIssued(deps, 'refresh_token', client, stored, issued);
  return issued;
}

async function clientCredentialsGrant(
  deps: ServiceDeps,
  params: Record<string, string>,
  client: Client,
): Promise<IssuedTokens> {
  const scope = checkClientCredentials(params, client);
  // RFC 6749 §4.4.3: "A refresh token SHOULD NOT be included."
  const mint = await mintTokens(deps, {
    grantType: 'client_credentials',
    client,
    grantId: null,
    userId: null,
    scope,
    refreshScope: null,
  });
  await deps.store.tokens.insert(mint.records);
  announceIssued(deps, 'client_credentials', client, { userId: null, grantId: null }, mint.issued);
  return mint.issued;
}

/**
 * RFC 6749 §4.3. The tokens hang off a new grant, like a code's, so revoking the grant (or reusing
 * a rotated refresh token) takes them all. Credentials go through the login page's throttle.
 */
async function passwordGrant(
  deps: ServiceDeps,
  params: Record<string, string>,
  client: Client,
  input: TokenRequestInput,
): Promise<IssuedTokens> {
  const request = checkPasswordGrant(params, client);
  let user: { id: string; username: string };
  try {
    user = await verifyCredentials(deps, { ...request, ip: input.ip, clientId: client.clientId });
    // A host's account gets its users row before the grant points at it (a clash is refused).
    const accounts = accountsOf(deps);
    if (!accounts.builtIn) await accounts.ensureStored(user.id, deps.clock.now());
  } catch (error) {
    if (isOAuthError(error) && error.code === 'too_many_requests') {
      throw throttledCredentialsError(deps.config.throttle.window);
    }
    if (isOAuthError(error) && error.code === 'access_denied') throw invalidCredentialsError();
    throw error;
  }
  const grantId = randomId();
  const mint = await mintTokens(deps, {
    grantType: 'password',
    client,
    grantId,
    userId: user.id,
    username: user.username,
    scope: request.scope,
    refreshScope: issuesRefreshTokens(deps, client) ? request.scope : null,
  });
  // No browser sign-in, so no session: an ID token from this grant has no sid. It is made before
  // anything is stored, so a failure leaves no grant behind.
  const idToken = await idTokenFor(deps, client, user.id, mint.issued, {
    authTime: deps.clock.now(),
    sid: null,
    nonce: null,
    claims: null,
    passwordSignIn: true,
  });
  await deps.store.grants.createWithTokens(
    {
      id: grantId,
      userId: user.id,
      clientId: client.clientId,
      scope: request.scope,
      authTime: deps.clock.now(),
      sid: null,
      claims: null,
      createdAt: deps.clock.now(),
      revokedAt: null,
    },
    mint.records,
  );
  await recordPasswordGrantSignIn(deps, user, { ip: input.ip, clientId: client.clientId });
  const issued = { ...mint.issued, ...idToken };
  announceIssued(deps, 'password', client, { userId: user.id, grantId }, issued);
  return issued;
}

const GRANTS: Record<TokenGrantType, Grant> = {
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  client_credentials: clientCredentialsGrant,
  password: passwordGrant,
};

/** In-process verification of an opaque access token, for the provider's own API and the resource helper. */
export async function lookupAccessToken(deps: ServiceDeps, token: string): Promise<AccessTokenInfo | null> {
  if (token.length > MAX_TOKEN_LENGTH) return null;
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
