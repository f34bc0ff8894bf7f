/**
 * The end of an authorization: what goes back to the client once the user is signed in and has
 * consented — a code (RFC 6749 §4.1.2) or, for the implicit grant, the access token itself
 * (§4.2.2) — in the request's response mode.
 */
import { digest } from '../crypto/digest.js';
import { randomId, randomToken } from '../crypto/random.js';
import {
  type AuthorizationResponse,
  codeResponse,
  implicitResponse,
} from '../protocol/rfc6749/authorization-response.js';
import type { Client } from '../protocol/types.js';
import type { GrantRecord, StoredAuthorizationRequest } from '../store/ports.js';
import type { ServiceDeps } from './deps.js';
import { announceIssued } from './events.js';
import { mintTokens } from './issue-tokens.js';
import type { SignedIn } from './login.js';

export function respond(
  deps: ServiceDeps,
  request: StoredAuthorizationRequest,
  client: Client,
  signedIn: SignedIn,
): Promise<AuthorizationResponse> {
  return request.responseType === 'token'
    ? issueImplicitToken(deps, request, client, signedIn)
    : issueCode(deps, request, signedIn);
}

/** The grant both responses hang off, carrying the sign-in it came from (OIDC auth_time, sid). */
function newGrant(deps: ServiceDeps, request: StoredAuthorizationRequest, signedIn: SignedIn): GrantRecord {
  return {
    id: randomId(),
    userId: signedIn.user.id,
    clientId: request.clientId,
    scope: request.scope,
    authTime: signedIn.session.authTime,
    sid: signedIn.session.sid,
    claims: request.claims ?? null,
    createdAt: deps.clock.now(),
    revokedAt: null,
  };
}

/**
 * §4.2.2: an access token straight from the authorization endpoint, and "MUST NOT issue a refresh
 * token". It hangs off a grant like a code's tokens, so removing the app's access revokes it.
 */
async function issueImplicitToken(
  deps: ServiceDeps,
  request: StoredAuthorizationRequest,
  client: Client,
  signedIn: SignedIn,
): Promise<AuthorizationResponse> {
  const grant = newGrant(deps, request, signedIn);
  const mint = await mintTokens(deps, {
    grantType: 'implicit',
    client,
    grantId: grant.id,
    userId: signedIn.user.id,
    username: signedIn.user.username,
    scope: request.scope,
    refreshScope: null,
  });
  await deps.store.grants.createWithTokens(grant, mint.records);
  announceIssued(deps, 'implicit', client, { userId: grant.userId, grantId: grant.id }, mint.issued);
  return implicitResponse(request, mint.issued, deps.config.issuer);
}

/** Stores a grant and its code (digest only) and returns the response carrying the code. */
async function issueCode(
  deps: ServiceDeps,
  request: StoredAuthorizationRequest,
  signedIn: SignedIn,
): Promise<AuthorizationResponse> {
  const now = deps.clock.now();
  const code = randomToken();
  const grant = newGrant(deps, request, signedIn);
  await deps.store.grants.createWithCode(grant, {
    codeDigest: digest(code),
    grantId: grant.id,
    clientId: request.clientId,
    userId: signedIn.user.id,
    redirectUri: request.redirectUri,
    redirectUriRequired: request.redirectUriSent,
    scope: request.scope,
    codeChallenge: request.codeChallenge,
    codeChallengeMethod: request.codeChallengeMethod,
    nonce: request.nonce ?? null,
    authTime: grant.authTime,
    sid: grant.sid,
    claims: grant.claims,
    createdAt: now,
    expiresAt: now + deps.config.tokens.authorizationCodeTtl,
    consumedAt: null,
  });
  return codeResponse(request, code, deps.config.issuer);
}
