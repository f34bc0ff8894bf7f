/**
 * RP-Initiated Logout (OpenID Connect RP-Initiated Logout 1.0): validating a logout request
 * against the store and the signing keys. The rules are in protocol/oidc-core/rp-initiated-logout.ts;
 * signing out itself is login.ts's signOut.
 */
import { OAuthError } from '../protocol/errors.js';
import {
  checkPostLogoutRedirectUri,
  type LogoutParams,
  logoutClientId,
  parseLogoutParams,
  postLogoutRedirectUrl,
} from '../protocol/oidc-core/rp-initiated-logout.js';
import type { RawParams } from '../protocol/params.js';
import type { Client } from '../protocol/types.js';
import type { ServiceDeps } from './deps.js';
import { hintMatchesUser, type IdTokenHint, readIdTokenHint } from './id-token-hint.js';

export interface LogoutRequest {
  /** The parameters as sent: what the confirmation form carries, to be validated again on post. */
  params: LogoutParams;
  /** The client the request speaks for (client_id or the hint's aud), when it names one. */
  client: Client | null;
  /** The verified id_token_hint, when one was sent. */
  hint: IdTokenHint | null;
  /** The registered post_logout_redirect_uri the request asked for, exactly as registered. */
  redirectUri: string | null;
  /** Where the browser goes when done: redirectUri with the state, or null (then a page). */
  redirectTo: string | null;
}

/**
 * Validates a logout request from a GET query or a POST form. Throws OAuthError invalid_request
 * (shown as an error page: nothing here is redirected to before it is validated) for a repeated
 * parameter, a hint that is not a valid ID token from this provider, a client_id that disagrees
 * with the hint, an unknown client, or a post_logout_redirect_uri not registered for the client.
 */
export async function validateLogoutRequest(deps: ServiceDeps, raw: RawParams): Promise<LogoutRequest> {
  const params = parseLogoutParams(raw);
  const hint = params.idTokenHint === null ? null : await readIdTokenHint(deps, params.idTokenHint);
  const clientId = logoutClientId(params, hint);
  const client = clientId === null ? null : await deps.store.clients.findById(clientId);
  if (clientId !== null && !client) {
    throw new OAuthError('invalid_client', 'The client_id is not registered', {
      status: 400,
      detail: `client_id ${clientId}`,
    });
  }
  const redirectUri = checkPostLogoutRedirectUri(params, client);
  return {
    params,
    client,
    hint,
    redirectUri,
    redirectTo: redirectUri === null ? null : postLogoutRedirectUrl(redirectUri, params.state),
  };
}

/**
 * Whether the request's id_token_hint names someone other than the signed-in user: then the
 * confirmation says which account is signed in (§2: the OP "MUST ask the End-User" when the ID
 * token "does not belong to the current OP session … and/or currently logged in End-User").
 */
export async function hintNamesOtherUser(
  deps: ServiceDeps,
  request: LogoutRequest,
  userId: string,
): Promise<boolean> {
  if (!request.hint) return false;
  return !(await hintMatchesUser(deps, request.hint, userId, request.client));
}
