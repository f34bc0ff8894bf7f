/**
 * Sending an authorization response back to the client: RFC 6749 §4.1.2 (code, in the query),
 * §4.2.2 (token, in the fragment), their errors (§4.1.2.1, §4.2.2.1), RFC 9207 `iss` on all of
 * them, and the response modes of OAuth 2.0 Multiple Response Type Encoding Practices §2.1 and
 * OAuth 2.0 Form Post Response Mode §2.
 */
import type { OAuthError, ResponseMode } from '../errors.js';

export type AuthorizationResponse =
  | { kind: 'redirect'; location: string }
  /** Form Post §2: an HTML form the browser submits to `action` with `params`. */
  | { kind: 'form_post'; action: string; params: Record<string, string> };

export interface ResponseTarget {
  redirectUri: string;
  state: string | null;
  /** Absent on interactions stored before response modes existed: the query. */
  responseMode?: ResponseMode;
}

export function encodeResponse(
  redirectUri: string,
  params: Record<string, string | null | undefined>,
  mode: ResponseMode = 'query',
): AuthorizationResponse {
  const present = Object.entries(params).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string',
  );
  if (mode === 'form_post')
    return { kind: 'form_post', action: redirectUri, params: Object.fromEntries(present) };
  const url = new URL(redirectUri);
  // §3.1.2: the endpoint URI's own query "MUST be retained when adding additional query parameters".
  const values = mode === 'query' ? url.searchParams : new URLSearchParams();
  for (const [name, value] of present) values.append(name, value);
  // Registered redirect URIs have no fragment (§3.1.2), so the response owns it.
  if (mode === 'fragment') url.hash = values.toString();
  return { kind: 'redirect', location: url.toString() };
}

/** §4.1.2 success: code and state, plus RFC 9207 §2 `iss`. */
export function codeResponse(target: ResponseTarget, code: string, issuer: string): AuthorizationResponse {
  return encodeResponse(target.redirectUri, { code, state: target.state, iss: issuer }, target.responseMode);
}

/** §4.2.2 success: the access token (never a refresh token), in the fragment unless form_post. */
export function implicitResponse(
  target: ResponseTarget,
  token: { accessToken: string; expiresIn: number; scope: string[] },
  issuer: string,
): AuthorizationResponse {
  return encodeResponse(
    target.redirectUri,
    {
      access_token: token.accessToken,
      token_type: 'Bearer',
      expires_in: String(token.expiresIn),
      scope: token.scope.join(' '),
      state: target.state,
      iss: issuer,
    },
    target.responseMode === 'form_post' ? 'form_post' : 'fragment',
  );
}

/** §4.1.2.1 / §4.2.2.1 error response, with RFC 9207 `iss`. */
export function errorResponse(error: OAuthError, issuer: string): AuthorizationResponse {
  if (!error.redirect) throw new Error('errorResponse needs an error with a redirect');
  return encodeResponse(
    error.redirect.redirectUri,
    {
      error: error.code,
      error_description: error.wireDescription,
      state: error.redirect.state,
      iss: issuer,
    },
    error.redirect.responseMode,
  );
}
