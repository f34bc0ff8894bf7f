/**
 * OpenID Connect RP-Initiated Logout 1.0: §2 (the logout request and its parameters), §3
 * (redirection to the RP after logout) and §4 (validation). The ID token hint is verified by the
 * caller (a signature needs keys); this module decides what the verified request means.
 */
import { OAuthError } from '../errors.js';
import { type RawParams, singleParams } from '../params.js';

/** The request's parameters, as sent (§2). Every field is optional. */
export interface LogoutParams {
  idTokenHint: string | null;
  logoutHint: string | null;
  clientId: string | null;
  postLogoutRedirectUri: string | null;
  state: string | null;
  uiLocales: string | null;
}

/** The wire names, in the order a form carries them. */
export const LOGOUT_PARAM_NAMES = [
  'id_token_hint',
  'logout_hint',
  'client_id',
  'post_logout_redirect_uri',
  'state',
  'ui_locales',
] as const;

/** What a verified id_token_hint says about the client it was issued to. */
export interface VerifiedHint {
  /** The ID token's `aud` (a string is a list of one). */
  clientIds: string[];
}

// Latchkey's own ID tokens are well under 2 KiB; 8 KiB leaves room for many claims and matches
// the authorization endpoint's id_token_hint limit.
export const MAX_ID_TOKEN_HINT = 8192;
const MAX_URI = 2048;
const MAX_STATE = 2048;
const MAX_SHORT = 256;

const LIMITS: Record<(typeof LOGOUT_PARAM_NAMES)[number], number> = {
  id_token_hint: MAX_ID_TOKEN_HINT,
  logout_hint: MAX_SHORT,
  client_id: MAX_SHORT,
  post_logout_redirect_uri: MAX_URI,
  state: MAX_STATE,
  ui_locales: MAX_SHORT,
};

const invalid = (description: string, detail?: string) =>
  new OAuthError('invalid_request', description, detail ? { detail } : {});

/**
 * §2: the parameters of a GET query or a POST form. RFC 6749 §3.1 applies to them as to every
 * OAuth request: a repeated parameter is refused (which of two values would count is ambiguous),
 * an empty one counts as absent, and an unknown one is ignored.
 */
export function parseLogoutParams(raw: RawParams | null | undefined): LogoutParams {
  const params = singleParams(raw);
  const value = (name: (typeof LOGOUT_PARAM_NAMES)[number]): string | null => {
    const found = params[name];
    if (found === undefined) return null;
    if (found.length > LIMITS[name]) {
      throw invalid(`The ${name} parameter is longer than ${LIMITS[name]} characters`);
    }
    return found;
  };
  return {
    idTokenHint: value('id_token_hint'),
    logoutHint: value('logout_hint'),
    clientId: value('client_id'),
    postLogoutRedirectUri: value('post_logout_redirect_uri'),
    state: value('state'),
    uiLocales: value('ui_locales'),
  };
}

/** The parameters back as wire pairs (only those present), e.g. for the confirmation form. */
export function logoutParamPairs(params: LogoutParams): [string, string][] {
  const values: Record<(typeof LOGOUT_PARAM_NAMES)[number], string | null> = {
    id_token_hint: params.idTokenHint,
    logout_hint: params.logoutHint,
    client_id: params.clientId,
    post_logout_redirect_uri: params.postLogoutRedirectUri,
    state: params.state,
    ui_locales: params.uiLocales,
  };
  return LOGOUT_PARAM_NAMES.flatMap((name) => {
    const value = values[name];
    return value === null ? [] : [[name, value] as [string, string]];
  });
}

/**
 * The client the request speaks for: its client_id, or else the audience of the verified
 * id_token_hint; null when neither names one.
 *
 * §2 client_id: "When both client_id and id_token_hint are present, the OP MUST verify that the
 * Client Identifier matches the one used when issuing the ID Token."
 * §3: without an ID token, the OP "MUST NOT perform post-logout redirection unless the OP has other
 * means of confirming the legitimacy of the post-logout redirection target": the client_id is that
 * means (its registered URIs), so a post_logout_redirect_uri with no client at all is refused.
 */
export function logoutClientId(params: LogoutParams, hint: VerifiedHint | null): string | null {
  if (params.idTokenHint !== null && hint === null) {
    // §4: information that failed validation must not be used; the caller must not pass it here.
    throw invalid('The id_token_hint is not a valid ID token from this provider');
  }
  let clientId = params.clientId;
  if (hint) {
    if (clientId !== null && !hint.clientIds.includes(clientId)) {
      throw invalid(
        'The client_id does not match the client the id_token_hint was issued to',
        `client_id ${clientId}, aud ${hint.clientIds.join(' ')}`,
      );
    }
    // An ID token for several audiences does not say which one is asking: only a lone aud does.
    if (clientId === null && hint.clientIds.length === 1) clientId = hint.clientIds[0]!;
  }
  if (params.postLogoutRedirectUri !== null && clientId === null) {
    throw invalid(
      'A post_logout_redirect_uri needs a client_id or an id_token_hint to say which client it belongs to',
    );
  }
  return clientId;
}

/**
 * §3: "The OP also MUST NOT perform post-logout redirection if the post_logout_redirect_uri value
 * supplied does not exactly match one of the previously registered post_logout_redirect_uris
 * values." A mismatch is an error page, never a redirect: the URI is not known to be the client's.
 * Returns the URI to redirect to, or null when none was asked for.
 */
export function checkPostLogoutRedirectUri(
  params: LogoutParams,
  client: { postLogoutRedirectUris: readonly string[] } | null,
): string | null {
  const uri = params.postLogoutRedirectUri;
  if (uri === null) return null;
  // Exact string comparison (RFC 9700 §4.1.3 for redirect URIs): no normalising, no prefixes.
  if (!client?.postLogoutRedirectUris.includes(uri)) {
    throw invalid(
      'The post_logout_redirect_uri is not registered for this client',
      `post_logout_redirect_uri ${uri.slice(0, 200)}`,
    );
  }
  return uri;
}

/**
 * §3 and §2 state: "the OP passes this value back to the RP using the state parameter when
 * redirecting the User Agent back to the RP." The registered URI's own query is kept byte for
 * byte (RFC 6749 §3.1.2: it "MUST be retained when adding additional query parameters"); a
 * registered URI has no fragment, so the state goes at the end.
 */
export function postLogoutRedirectUrl(uri: string, state: string | null): string {
  if (state === null) return uri;
  const separator = !uri.includes('?') ? '?' : /[?&]$/.test(uri) ? '' : '&';
  return `${uri}${separator}state=${encodeURIComponent(state)}`;
}
