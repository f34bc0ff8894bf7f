/**
 * The authorization endpoint's use case, in two phases (DESIGN.md rule 4): validate the request
 * and store an interaction; the login and consent pages then complete it with the decision.
 * OpenID Connect's prompt, max_age and id_token_hint (OIDC Core §3.1.2.1) decide whether a
 * signed-in user must sign in again, be asked again, or — with prompt=none — get an error instead.
 */
import { digest } from '../crypto/digest.js';
import { randomId } from '../crypto/random.js';
import { isOAuthError, OAuthError } from '../protocol/errors.js';
import type { RawParams } from '../protocol/params.js';
import type { AuthorizationResponse } from '../protocol/rfc6749/authorization-response.js';
import { type AuthorizationRequest, validateAuthorizationRequest } from '../protocol/rfc6749/authorize.js';
import { coversScope } from '../protocol/rfc6749/scope.js';
import { type Client, isPublicClient } from '../protocol/types.js';
import { type StoredAuthorizationRequest, StoreUnavailableError } from '../store/ports.js';
import { ACCOUNT_REFUSED } from './accounts.js';
import { respond } from './authorization-response.js';
import { forcesLogin, needsLogin, redirectError, requestedSubjectDiffers } from './authorize-sign-in.js';
import type { ServiceDeps } from './deps.js';
import { hintMatchesUser, readIdTokenHint } from './id-token-hint.js';
import { isRefused, type SignedIn, type SignInState } from './login.js';

/** What the endpoint should do next. */
export type AuthorizeOutcome =
  | { kind: 'respond'; response: AuthorizationResponse }
  | { kind: 'interaction'; interactionId: string };

export async function validateRequest(deps: ServiceDeps, query: RawParams): Promise<AuthorizationRequest> {
  return validateAuthorizationRequest(query, {
    findClient: (id) => deps.store.clients.findById(id),
    allowPlainPkce: deps.config.pkce.allowPlain,
  });
}

function toStored(request: AuthorizationRequest): StoredAuthorizationRequest {
  return {
    clientId: request.client.clientId,
    responseType: request.responseType,
    redirectUri: request.redirectUri,
    redirectUriSent: request.redirectUriSent,
    scope: request.scope,
    state: request.state,
    codeChallenge: request.codeChallenge,
    codeChallengeMethod: request.codeChallengeMethod,
    responseMode: request.oidc.responseMode,
    nonce: request.oidc.nonce,
    prompt: request.oidc.prompt,
    maxAge: request.oidc.maxAge,
    claims: request.oidc.claims,
    loginHint: request.oidc.loginHint,
  };
}

/**
 * Who is signed in, asked once the request is valid: from then on its errors go back to the client
 * (RFC 6749 §4.1.2.1), which for prompt=none is the only answer it can see (OIDC Core §3.1.2.6).
 * A host whose adapter fails is a server problem (`server_error`, or `temporarily_unavailable`
 * for a database outage); a host user who may not use apps here is `access_denied` for
 * prompt=none, and an error page for a person.
 */
async function signInFor(
  stored: StoredAuthorizationRequest,
  silent: boolean,
  lookUp: () => Promise<SignInState>,
): Promise<SignedIn | null> {
  let state: SignInState;
  try {
    state = await lookUp();
  } catch (error) {
    if (isOAuthError(error) && error.redirect) throw error;
    if (error instanceof StoreUnavailableError)
      throw redirectError(stored, 'temporarily_unavailable', 'The service is temporarily unavailable', {
        status: 503,
        cause: error,
      });
    throw redirectError(stored, 'server_error', 'The server could not complete the request', {
      status: 500,
      cause: error,
      detail: isOAuthError(error) ? error.detail : undefined,
    });
  }
  if (!isRefused(state)) return state;
  if (silent) throw redirectError(stored, 'access_denied', ACCOUNT_REFUSED);
  throw new OAuthError('access_denied', ACCOUNT_REFUSED, { status: 403 });
}

/**
 * Phase one. A signed-in user with nothing left to ask gets the response at once; prompt=none
 * gets it or an error (§3.1.2.6), never a page; otherwise the request is stored as an interaction
 * bound to this browser.
 */
export async function beginAuthorization(
  deps: ServiceDeps,
  query: RawParams,
  context: { signIn: () => Promise<SignInState>; browserSecret: string },
): Promise<AuthorizeOutcome> {
  const request = await validateRequest(deps, query);
  const silent = request.oidc.prompt.includes('none');
  const signedIn = await signInFor(toStored(request), silent, context.signIn);
  const stored: StoredAuthorizationRequest = {
    ...toStored(request),
    ...(forcesLogin(request.oidc)
      ? { forceLogin: true, replacesSession: signedIn?.session.sid ?? null }
      : {}),
  };
  const now = deps.clock.now();
  if (silent) {
    if (
      stored.forceLogin ||
      needsLogin(stored, signedIn, now, now) ||
      !(await hintNamesUser(deps, request, signedIn!)) ||
      (await requestedSubjectDiffers(deps, stored, request.client, signedIn!))
    ) {
      throw redirectError(stored, 'login_required', 'The user is not signed in');
    }
    if (await needsConsent(deps, request.client, signedIn!.user.id, request.scope)) {
      throw redirectError(stored, 'consent_required', 'The user has not consented to this request');
    }
    return { kind: 'respond', response: await respond(deps, stored, request.client, signedIn!) };
  }
  if (
    signedIn &&
    !stored.forceLogin &&
    !needsLogin(stored, signedIn, now, now) &&
    !(await requestedSubjectDiffers(deps, stored, request.client, signedIn)) &&
    !stored.prompt?.includes('consent') &&
    !(await needsConsent(deps, request.client, signedIn.user.id, request.scope))
  ) {
    return { kind: 'respond', response: await respond(deps, stored, request.client, signedIn) };
  }
  const id = randomId();
  await deps.store.interactions.create({
    id,
    request: stored,
    browserDigest: digest(context.browserSecret),
    createdAt: now,
    expiresAt: now + deps.config.sessions.interactionTtl,
  });
  return { kind: 'interaction', interactionId: id };
}

/**
 * §3.1.2.1 id_token_hint with prompt=none: the answer is positive only for the user the hint
 * names. A hint that is not an ID token of ours names nobody.
 */
async function hintNamesUser(
  deps: ServiceDeps,
  request: AuthorizationRequest,
  signedIn: SignedIn,
): Promise<boolean> {
  if (request.oidc.idTokenHint === null) return true;
  const hint = await readIdTokenHint(deps, request.oidc.idTokenHint);
  return hint !== null && (await hintMatchesUser(deps, hint, signedIn.user.id, request.client));
}

/**
 * Whether the user must be asked. A public client is always asked: anyone can send its client_id
 * (and, on loopback, any port), so an earlier approval proves nothing about who is asking now
 * (RFC 8252 §8.6, RFC 6749 §10.2). Otherwise the host's consent hook may decide (a first-party
 * app skips it); its `default`, or no hook, is the registration's skip-consent or an earlier consent.
 */
export async function needsConsent(
  deps: ServiceDeps,
  client: Client,
  userId: string,
  scope: string[],
): Promise<boolean> {
  if (isPublicClient(client)) return true;
  const hook = deps.extensions?.hooks?.consent;
  if (!hook) {
    if (client.skipConsent) return false;
    return !coversScope(await deps.store.consents.find(userId, client.clientId), scope);
  }
  const consented = await deps.store.consents.find(userId, client.clientId);
  const decision = await hook({
    clientId: client.clientId,
    clientName: client.clientName,
    accountId: userId,
    scope: [...scope],
    consented: [...consented],
  });
  if (decision !== 'default') return decision === 'ask';
  return !client.skipConsent && !coversScope(consented, scope);
}
