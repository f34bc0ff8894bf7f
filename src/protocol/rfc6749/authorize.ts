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
import {
  defaultResponseMode,
  type OidcRequestParams,
  parseOidcParams,
} from '../oidc-core/authorization-request.js';
import { type RawParams, singleParams } from '../params.js';
import { type CodeChallengeMethod, checkCodeChallenge } from '../rfc7636-pkce.js';
import { type Client, isPublicClient, RESPONSE_TYPE_GRANTS, type ResponseType } from '../types.js';
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
  /** OpenID Connect parameters, and the response mode (parsed for every request). */
  oidc: OidcRequestParams;
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
    const oidc = parseOidcParams(params, { responseType, openid: scope.includes('openid') });
    return { client, redirectUri, redirectUriSent, responseType, scope, state, ...pkce, oidc };
  } catch (error) {
    if (error instanceof OAuthError) throw error.redirectTo({ redirectUri, state, responseMode });
    throw error;
  }
}

/**
 * Where errors go once the redirect URI is trusted: the requested response_mode when it is valid
 * for the response type, else the response type's default — §4.2.2.1 puts an implicit request's
 * errors in the fragment; anything else (an unknown or repeated response_type too) uses the query.
 */
function responseModeFor(raw: RawParams): ResponseMode {
  const responseType = raw.response_type === 'token' ? 'token' : 'code';
  const asked = raw.response_mode;
  if (asked === 'form_post' || asked === 'fragment') return asked;
  if (asked === 'query' && responseType === 'code') return 'query';
  return defaultResponseMode(responseType);
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
  const requested = single(raw, 'redirect_uri');
  // OIDC Core §3.1.2.1: redirect_uri is REQUIRED in an OpenID request, even with one registered.
  if (
    (requested === undefined || requested === '') &&
    typeof raw.scope === 'string' &&
    raw.scope.split(' ').includes('openid')
  ) {
    throw new OAuthError(
      'invalid_request',
      'The redirect_uri parameter is required for OpenID Connect requests',
    );
  }
  return resolveRedirectUri(client.redirectUris, requested, {
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
