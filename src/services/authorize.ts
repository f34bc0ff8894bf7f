/**
 * The authorization endpoint's use case, in two phases (DESIGN.md rule 4): validate the request
 * and store an interaction; the login and consent pages then complete it with the decision.
 * OpenID Connect's prompt, max_age and id_token_hint (OIDC Core §3.1.2.1) decide whether a
 * signed-in user must sign in again, be asked again, or — with prompt=none — get an error instead.
 */
import { digest, matchesDigest } from '../crypto/digest.js';
import { randomId } from '../crypto/random.js';
import { OAuthError } from '../protocol/errors.js';
import type { RawParams } from '../protocol/params.js';
import { type AuthorizationResponse, errorResponse } from '../protocol/rfc6749/authorization-response.js';
import { type AuthorizationRequest, validateAuthorizationRequest } from '../protocol/rfc6749/authorize.js';
import { coversScope } from '../protocol/rfc6749/scope.js';
import { type Client, isPublicClient } from '../protocol/types.js';
import type { InteractionRecord, StoredAuthorizationRequest } from '../store/ports.js';
import { recordAudit } from './audit.js';
import { respond } from './authorization-response.js';
import type { ServiceDeps } from './deps.js';
import { hintMatchesUser, readIdTokenHint } from './id-token-hint.js';
import type { SignedIn } from './login.js';
import { subjectFor } from './subject.js';

/** What the endpoint should do next. */
export type AuthorizeOutcome =
  | { kind: 'respond'; response: AuthorizationResponse }
  | { kind: 'interaction'; interactionId: string };

/** What an interaction needs next. */
export type NextStep =
  | { kind: 'respond'; response: AuthorizationResponse }
  | { kind: 'login' }
  | { kind: 'consent' };

export interface Interaction {
  record: InteractionRecord;
  client: Client;
}

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

/** An error sent back to the client in the request's response mode. */
function redirectError(
  request: StoredAuthorizationRequest,
  code: 'login_required' | 'consent_required' | 'access_denied',
  description: string,
) {
  return new OAuthError(code, description, {
    redirect: { redirectUri: request.redirectUri, state: request.state, responseMode: request.responseMode },
  });
}

/**
 * prompt=login and select_account want a sign-in made for this request (§3.1.2.1: "reauthenticate";
 * there is no account chooser, so the login form is where another account is picked), and so does
 * max_age=0 ("equivalent to prompt=login", errata 2).
 */
function forcesLogin(oidc: { prompt: string[]; maxAge: number | null }): boolean {
  return oidc.prompt.includes('login') || oidc.prompt.includes('select_account') || oidc.maxAge === 0;
}

/**
 * Whether the user must sign in (again) before this request can finish. A forced sign-in is one
 * that replaced the session the request began with — judged by session, not by the clock, whose
 * whole seconds cannot tell a sign-in from one made a moment before the request. max_age wants a
 * sign-in no older than that many seconds.
 */
export function needsLogin(
  request: StoredAuthorizationRequest,
  signedIn: SignedIn | null,
  requestedAt: number,
  now: number,
): boolean {
  if (!signedIn) return true;
  if (request.forceLogin) {
    return signedIn.session.sid === request.replacesSession || signedIn.session.authTime < requestedAt;
  }
  return request.maxAge != null && now - signedIn.session.authTime > request.maxAge;
}

/**
 * §5.5.1: a claims request naming a `sub` value is for that user only: "the Authorization Server
 * MUST NOT reply with an ID Token or Access Token for a different user".
 */
async function requestedSubjectDiffers(
  deps: ServiceDeps,
  request: StoredAuthorizationRequest,
  client: Client,
  signedIn: SignedIn,
): Promise<boolean> {
  const wanted = [request.claims?.id_token?.sub?.value, request.claims?.userinfo?.sub?.value].filter(
    (value) => value !== undefined,
  );
  if (wanted.length === 0) return false;
  const sub = await subjectFor(deps, client, signedIn.user.id);
  return wanted.some((value) => value !== sub);
}

/**
 * Phase one. A signed-in user with nothing left to ask gets the response at once; prompt=none
 * gets it or an error (§3.1.2.6), never a page; otherwise the request is stored as an interaction
 * bound to this browser.
 */
export async function beginAuthorization(
  deps: ServiceDeps,
  query: RawParams,
  context: { signedIn: SignedIn | null; browserSecret: string },
): Promise<AuthorizeOutcome> {
  const request = await validateRequest(deps, query);
  const { signedIn } = context;
  const stored: StoredAuthorizationRequest = {
    ...toStored(request),
    ...(forcesLogin(request.oidc)
      ? { forceLogin: true, replacesSession: signedIn?.session.sid ?? null }
      : {}),
  };
  const now = deps.clock.now();
  if (request.oidc.prompt.includes('none')) {
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

const expiredInteraction = () =>
  new OAuthError(
    'invalid_request',
    'This sign-in request has expired or was already used. Go back to the app and start again.',
    { status: 400 },
  );

/** Loads an interaction for this browser; an unknown, expired or foreign one is an error page. */
export async function loadInteraction(
  deps: ServiceDeps,
  id: string,
  browserSecret: string | undefined,
): Promise<Interaction> {
  const record = id.length <= 64 ? await deps.store.interactions.findActive(id, deps.clock.now()) : null;
  if (!record || !browserSecret || !matchesDigest(browserSecret, record.browserDigest))
    throw expiredInteraction();
  const client = await deps.store.clients.findById(record.request.clientId);
  if (!client) throw expiredInteraction();
  return { record, client };
}

/**
 * Whether the user must be asked. A public client is always asked: anyone can send its client_id
 * (and, on loopback, any port), so an earlier approval proves nothing about who is asking now
 * (RFC 8252 §8.6, RFC 6749 §10.2).
 */
export async function needsConsent(
  deps: ServiceDeps,
  client: Client,
  userId: string,
  scope: string[],
): Promise<boolean> {
  if (isPublicClient(client)) return true;
  if (client.skipConsent) return false;
  return !coversScope(await deps.store.consents.find(userId, client.clientId), scope);
}

/**
 * Whether this browser's user may finish the interaction: a (fresh) sign-in may be needed, or the
 * user who signed in for it is not the one the claims parameter names (§5.5.1) — then the client
 * hears login_required rather than the login form coming back forever.
 */
async function signInCheck(
  deps: ServiceDeps,
  interaction: Interaction,
  signedIn: SignedIn | null,
): Promise<'ok' | 'login' | 'wrong_user'> {
  const { request, createdAt } = interaction.record;
  if (!signedIn || needsLogin(request, signedIn, createdAt, deps.clock.now())) return 'login';
  if (!(await requestedSubjectDiffers(deps, request, interaction.client, signedIn))) return 'ok';
  const signedInForThis =
    signedIn.session.authTime >= createdAt && signedIn.session.sid !== request.replacesSession;
  return signedInForThis ? 'wrong_user' : 'login';
}

/**
 * Phase two: the user's decision. Allow records the consent and issues the response; deny sends
 * access_denied (RFC 6749 §4.1.2.1). Either way the interaction is used up. The sign-in rules are
 * checked again here, since the consent form can be posted without the page that checked them.
 */
export async function completeInteraction(
  deps: ServiceDeps,
  interaction: Interaction,
  signedIn: SignedIn,
  decision: 'allow' | 'deny' | 'auto',
): Promise<NextStep> {
  const check = decision === 'deny' ? 'ok' : await signInCheck(deps, interaction, signedIn);
  if (check === 'login') return { kind: 'login' };
  const record = await deps.store.interactions.take(interaction.record.id, deps.clock.now());
  if (!record) throw expiredInteraction();
  const { request } = record;
  const refusal =
    decision === 'deny'
      ? redirectError(request, 'access_denied', 'The user denied the request')
      : check === 'wrong_user'
        ? redirectError(request, 'login_required', 'The signed-in user is not the one the request names')
        : null;
  if (refusal) return { kind: 'respond', response: errorResponse(refusal, deps.config.issuer) };
  if (decision === 'allow') {
    await deps.store.consents.grant(signedIn.user.id, request.clientId, request.scope, deps.clock.now());
    await recordAudit(deps, {
      actor: { type: 'user', id: signedIn.user.id },
      action: 'consent.granted',
      target: { type: 'client', id: request.clientId },
      details: { userId: signedIn.user.id, clientId: request.clientId, scope: request.scope },
    });
  }
  return { kind: 'respond', response: await respond(deps, request, interaction.client, signedIn) };
}

/**
 * What an interaction needs next for this browser's user: a (fresh) sign-in, the consent page
 * (prompt=consent always shows it), or nothing — then it completes at once.
 */
export async function continueAuthorization(
  deps: ServiceDeps,
  interaction: Interaction,
  signedIn: SignedIn | null,
): Promise<NextStep> {
  const check = await signInCheck(deps, interaction, signedIn);
  if (check === 'login') return { kind: 'login' };
  if (
    check === 'ok' &&
    (interaction.record.request.prompt?.includes('consent') ||
      (await needsConsent(deps, interaction.client, signedIn!.user.id, interaction.record.request.scope)))
  ) {
    return { kind: 'consent' };
  }
  return completeInteraction(deps, interaction, signedIn!, 'auto');
}
