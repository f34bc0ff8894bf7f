/**
 * RFC 6749 §4.1.1 Authorization Request and §4.1.2 Authorization Response, §4.2 Implicit Grant
 * (response_type=token, answered in the fragment), with RFC 7636 (PKCE) and RFC 9207 (the `iss`
 * response parameter).
 *
 * The endpoint is an ordered list of named checks (DESIGN.md rule 3). Until the client and its
 * redirect URI are verified, an error is shown to the user and never redirected (RFC 6749
 * §4.1.2.1); after that, errors go back to the client's redirect URI.
 */
import { OAuthError, type ResponseMode } from '../errors.js';
import { type RawParams, singleParams } from '../params.js';
import { type CodeChallengeMethod, checkCodeChallenge } from '../rfc7636-pkce.js';
import { type Client, isPublicClient, type ResponseType } from '../types.js';
import { resolveRedirectUri } from './redirect-uri.js';
import { resolveRequestedScope } from './scope.js';

export interface AuthorizationRequest {
  client: Client;
  redirectUri: string;
  /** Whether redirect_uri was sent (then the token request must repeat it, §4.1.3). */
  redirectUriSent: boolean;
  responseType: ResponseType;
  scope: string[];
  state: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: CodeChallengeMethod | null;
}

export interface AuthorizeDeps {
  findClient(clientId: string): Promise<Client | null>;
  allowPlainPkce: boolean;
}

/** Validates an authorization request; throws OAuthError (with `redirect` once that is safe). */
export async function validateAuthorizationRequest(
  raw: RawParams,
  deps: AuthorizeDeps,
): Promise<AuthorizationRequest> {
  const client = await checkClient(raw, deps);
  const redirectUri = checkRedirectUri(raw, client);
  const state = checkState(raw);
  const responseMode = responseModeFor(raw);
  try {
    const params = singleParams(raw);
    const responseType = checkResponseType(params, client);
    const scope = resolveRequestedScope(params.scope, client.scope);
    // PKCE binds a code to its exchange; the implicit grant has neither, so it ignores PKCE.
    const pkce =
      responseType === 'code'
        ? checkPkce(params, client, deps.allowPlainPkce)
        : { codeChallenge: null, codeChallengeMethod: null };
    const redirectUriSent = raw.redirect_uri !== undefined && raw.redirect_uri !== '';
    return { client, redirectUri, redirectUriSent, responseType, scope, state, ...pkce };
  } catch (error) {
    if (error instanceof OAuthError) throw error.redirectTo({ redirectUri, state, responseMode });
    throw error;
  }
}

/**
 * Where errors go once the redirect URI is trusted: §4.2.2.1 puts an implicit request's errors in
 * the fragment; anything else (including an unknown or repeated response_type) uses the query.
 */
function responseModeFor(raw: RawParams): ResponseMode {
  return responseModeOf(raw.response_type === 'token' ? 'token' : undefined);
}

/** One parameter's value, before it is safe to redirect: a repeat is an error page. */
function single(raw: RawParams, name: string): string | undefined {
  return singleParams({ [name]: raw[name] })[name];
}

async function checkClient(raw: RawParams, deps: AuthorizeDeps): Promise<Client> {
  const clientId = single(raw, 'client_id');
  if (clientId === undefined) throw new OAuthError('invalid_request', 'The client_id parameter is required');
  const client = clientId.length <= 255 ? await deps.findClient(clientId) : null;
  if (!client) throw new OAuthError('invalid_client', 'Unknown client', { status: 400 });
  return client;
}

function checkRedirectUri(raw: RawParams, client: Client): string {
  return resolveRedirectUri(client.redirectUris, single(raw, 'redirect_uri'), {
    loopbackAnyPort: raw.response_type === 'code',
  });
}

/** A bound on what each abandoned request may store; real clients send a few dozen characters. */
export const MAX_STATE_LENGTH = 1024;

/**
 * RFC 6749 §4.1.2.1: errors carry the state back, so a state that cannot be echoed (repeated, or
 * longer than Latchkey stores) is an error page, not a redirect.
 */
function checkState(raw: RawParams): string | null {
  const state = single(raw, 'state');
  if (state !== undefined && state.length > MAX_STATE_LENGTH) {
    throw new OAuthError(
      'invalid_request',
      `The state parameter is longer than ${MAX_STATE_LENGTH} characters`,
    );
  }
  return state ?? null;
}

/** The grant each response type belongs to, named as in the client's grant_types. */
const RESPONSE_TYPE_GRANTS = { code: 'authorization_code', token: 'implicit' } as const;

/**
 * §3.1.1 / §4.2.1. The implicit grant is off unless the client registered both response type
 * `token` and grant type `implicit` (RFC 9700 §2.1.2 advises against it).
 */
function checkResponseType(params: Record<string, string>, client: Client): ResponseType {
  const responseType = params.response_type;
  if (responseType === undefined)
    throw new OAuthError('invalid_request', 'The response_type parameter is required');
  if (responseType !== 'code' && responseType !== 'token') {
    throw new OAuthError('unsupported_response_type', 'response_type must be code or token');
  }
  const grant = RESPONSE_TYPE_GRANTS[responseType];
  if (!client.responseTypes.includes(responseType) || !client.grantTypes.includes(grant)) {
    throw new OAuthError('unauthorized_client', `The client may not use response_type=${responseType}`);
  }
  return responseType;
}

function checkPkce(params: Record<string, string>, client: Client, allowPlain: boolean) {
  // RFC 9700 §2.1.1 / OAuth 2.1 §4.1.1: public clients must use PKCE; confidential ones do unless
  // registered otherwise.
  const required = isPublicClient(client) || client.requirePkce;
  return checkCodeChallenge(params.code_challenge, params.code_challenge_method, { required, allowPlain });
}

/**
 * The redirect URI with response parameters added. RFC 6749 §3.1.2: the endpoint URI's own query
 * "MUST be retained when adding additional query parameters".
 */
export function redirectWithParams(
  redirectUri: string,
  params: Record<string, string | null | undefined>,
  responseMode: ResponseMode = 'query',
): string {
  const url = new URL(redirectUri);
  const values = responseMode === 'query' ? url.searchParams : new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined) values.append(name, value);
  }
  // §4.2.2: the fragment carries the response (registered redirect URIs have no fragment, §3.1.2).
  if (responseMode === 'fragment') url.hash = values.toString();
  return url.toString();
}

/** §4.1.2 success: code and state, plus RFC 9207 §2 `iss`. */
export function authorizationResponseUrl(
  request: { redirectUri: string; state: string | null },
  code: string,
  issuer: string,
): string {
  return redirectWithParams(request.redirectUri, { code, state: request.state, iss: issuer });
}

/**
 * §4.2.2 success: the access token in the fragment, never a refresh token, plus RFC 9207 `iss`
 * (the client checks it like a code response's).
 */
export function implicitResponseUrl(
  request: { redirectUri: string; state: string | null },
  token: { accessToken: string; expiresIn: number; scope: string[] },
  issuer: string,
): string {
  return redirectWithParams(
    request.redirectUri,
    {
      access_token: token.accessToken,
      token_type: 'Bearer',
      expires_in: String(token.expiresIn),
      scope: token.scope.join(' '),
      state: request.state,
      iss: issuer,
    },
    'fragment',
  );
}

/** §4.1.2.1 / §4.2.2.1 error response, with RFC 9207 `iss`. */
export function errorResponseUrl(error: OAuthError, issuer: string): string {
  if (!error.redirect) throw new Error('errorResponseUrl needs an error with a redirect');
  return redirectWithParams(
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

/** Where a request's responses go: implicit answers in the fragment (§4.2.2). */
export function responseModeOf(responseType: ResponseType | undefined): ResponseMode {
  return responseType === 'token' ? 'fragment' : 'query';
}
