/**
 * RFC 6749 §4.1.1 Authorization Request and §4.1.2 Authorization Response, with RFC 7636 (PKCE)
 * and RFC 9207 (the `iss` response parameter).
 *
 * The endpoint is an ordered list of named checks (DESIGN.md rule 3). Until the client and its
 * redirect URI are verified, an error is shown to the user and never redirected (RFC 6749
 * §4.1.2.1); after that, errors go back to the client's redirect URI.
 */
import { OAuthError } from '../errors.js';
import { type RawParams, singleParams } from '../params.js';
import { type CodeChallengeMethod, checkCodeChallenge } from '../rfc7636-pkce.js';
import { type Client, isPublicClient } from '../types.js';
import { resolveRedirectUri } from './redirect-uri.js';
import { resolveRequestedScope } from './scope.js';

export interface AuthorizationRequest {
  client: Client;
  redirectUri: string;
  /** Whether redirect_uri was sent (then the token request must repeat it, §4.1.3). */
  redirectUriSent: boolean;
  responseType: 'code';
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
  try {
    const params = singleParams(raw);
    checkResponseType(params, client);
    const scope = resolveRequestedScope(params.scope, client.scope);
    const pkce = checkPkce(params, client, deps.allowPlainPkce);
    const redirectUriSent = raw.redirect_uri !== undefined && raw.redirect_uri !== '';
    return { client, redirectUri, redirectUriSent, responseType: 'code', scope, state, ...pkce };
  } catch (error) {
    if (error instanceof OAuthError) throw error.redirectTo({ redirectUri, state });
    throw error;
  }
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
  return resolveRedirectUri(client.redirectUris, single(raw, 'redirect_uri'));
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

function checkResponseType(params: Record<string, string>, client: Client): void {
  const responseType = params.response_type;
  if (responseType === undefined)
    throw new OAuthError('invalid_request', 'The response_type parameter is required');
  if (responseType !== 'code') {
    throw new OAuthError('unsupported_response_type', 'Only response_type=code is supported');
  }
  if (!client.responseTypes.includes('code') || !client.grantTypes.includes('authorization_code')) {
    throw new OAuthError('unauthorized_client', 'The client may not use the authorization code grant');
  }
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
): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined) url.searchParams.append(name, value);
  }
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

/** §4.1.2.1 error response, with RFC 9207 `iss`. */
export function errorResponseUrl(error: OAuthError, issuer: string): string {
  if (!error.redirect) throw new Error('errorResponseUrl needs an error with a redirect');
  return redirectWithParams(error.redirect.redirectUri, {
    error: error.code,
    error_description: error.wireDescription,
    state: error.redirect.state,
    iss: issuer,
  });
}
