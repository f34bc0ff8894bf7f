/**
 * Whether the user signed in for an authorization request is good enough for it: OpenID Connect's
 * prompt, max_age and claims `sub` (OIDC Core §3.1.2.1, §5.5.1).
 */
import { OAuthError } from '../protocol/errors.js';
import type { Client } from '../protocol/types.js';
import type { StoredAuthorizationRequest } from '../store/ports.js';
import type { ServiceDeps } from './deps.js';
import type { SignedIn } from './login.js';
import { subjectFor } from './subject.js';

/** An error sent back to the client in the request's response mode (§3.1.2.6, RFC 6749 §4.1.2.1). */
export function redirectError(
  request: StoredAuthorizationRequest,
  code: 'login_required' | 'consent_required' | 'access_denied' | 'server_error' | 'temporarily_unavailable',
  description: string,
  options: { status?: number; cause?: unknown; detail?: string } = {},
): OAuthError {
  return new OAuthError(code, description, {
    ...options,
    redirect: { redirectUri: request.redirectUri, state: request.state, responseMode: request.responseMode },
  });
}

/**
 * prompt=login and select_account want a sign-in made for this request (§3.1.2.1: "reauthenticate";
 * there is no account chooser, so the login form is where another account is picked), and so does
 * max_age=0 ("equivalent to prompt=login", errata 2).
 */
export function forcesLogin(oidc: { prompt: string[]; maxAge: number | null }): boolean {
  return oidc.prompt.includes('login') || oidc.prompt.includes('select_account') || oidc.maxAge === 0;
}

/**
 * Whether this sign-in was made for a request made at `requestedAt`. Latchkey's own sessions are
 * judged by session, not by the clock, whose whole seconds cannot tell a sign-in from one made a
 * moment before the request. A host's session is judged by its authTime alone: hosts often keep
 * their session id across a new sign-in, or have none, so a session id cannot tell.
 */
export function signedInSince(request: StoredAuthorizationRequest, signedIn: SignedIn, requestedAt: number) {
  if (signedIn.session.authTime < requestedAt) return false;
  return signedIn.session.host === true || signedIn.session.sid !== request.replacesSession;
}

/**
 * Whether the user must sign in (again) before this request can finish: a forced sign-in must be
 * one made for it; max_age wants a sign-in no older than that many seconds.
 */
export function needsLogin(
  request: StoredAuthorizationRequest,
  signedIn: SignedIn | null,
  requestedAt: number,
  now: number,
): boolean {
  if (!signedIn) return true;
  if (request.forceLogin) return !signedInSince(request, signedIn, requestedAt);
  return request.maxAge != null && now - signedIn.session.authTime > request.maxAge;
}

/**
 * §5.5.1: a claims request naming a `sub` value is for that user only: "the Authorization Server
 * MUST NOT reply with an ID Token or Access Token for a different user".
 */
export async function requestedSubjectDiffers(
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
