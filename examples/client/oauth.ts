/**
 * The openid-client wiring: discovery, the authorization request, the code exchange (with the ID
 * token's checks), UserInfo, refresh, revocation and the RP-initiated logout URL, with
 * openid-client's many error types folded into a few the pages can explain.
 *
 * With the `openid` scope (the default) Latchkey is used as an OpenID Connect provider: discovery
 * reads `/.well-known/openid-configuration`, the authorization request carries a nonce, and the ID
 * token is checked (signature against the JWKS, iss, aud, exp, iat, nonce) before the code's tokens
 * are used. Without it (an older registration) the app is a plain OAuth 2.1 client of the RFC 8414
 * metadata, with no ID token, UserInfo or logout at Latchkey.
 */

import * as client from 'openid-client';
import type { IdToken, StoredTokens } from './session-store.js';

/** What the app asks for unless told otherwise: sign-in, the profile claims and the email. */
export const DEFAULT_SCOPE = 'openid profile email';

/** Latchkey could not be reached, or answered with something that is not OAuth. Shown as 502. */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';

  constructor(
    readonly issuer: string,
    readonly reason: string,
  ) {
    super(`Could not reach Latchkey at ${issuer}: ${reason}`);
  }
}

/**
 * Latchkey answered, but the answer failed one of openid-client's checks, e.g. an ID token whose
 * nonce is not the one this login sent. The tokens in it are not used.
 */
export class ResponseCheckError extends Error {
  override readonly name = 'ResponseCheckError';

  constructor(readonly reason: string) {
    super(`the response failed validation: ${reason}`);
  }
}

/** The token endpoint answered with an RFC 6749 §5.2 error such as invalid_grant. */
export class TokenEndpointError extends Error {
  override readonly name = 'TokenEndpointError';

  constructor(
    readonly error: string,
    readonly description: string | undefined,
  ) {
    super(`token endpoint error: ${error}`);
  }
}

export interface OAuthClientOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Space-separated; DEFAULT_SCOPE when omitted. OpenID Connect is used when it holds `openid`. */
  scope?: string;
  now: () => number;
}

export interface LoginRequest {
  url: URL;
  state: string;
  codeVerifier: string;
  /** OIDC Core §3.1.2.1: sent with the openid scope, and the ID token must carry it back. */
  nonce?: string;
}

/** What a code exchange gives: the tokens, and the ID token when the openid scope was asked for. */
export interface SignIn {
  tokens: StoredTokens;
  idToken?: IdToken;
}

export type UserInfoResult =
  | { kind: 'ok'; claims: Record<string, unknown> }
  | { kind: 'failed'; reason: string };

export interface OAuthClient {
  readonly issuer: string;
  /**
   * The discovered configuration, fetched at first need and cached. A failed discovery is not
   * cached, so the next request tries again once Latchkey is up.
   */
  configuration(): Promise<client.Configuration>;
  beginLogin(): Promise<LoginRequest>;
  /**
   * Exchanges the code in `callbackUrl`; state and iss must already have been checked. With the
   * openid scope the ID token is required, and its nonce must be `expected.nonce`.
   */
  exchangeCode(
    callbackUrl: URL,
    expected: { state: string; codeVerifier: string; nonce?: string },
  ): Promise<SignIn>;
  /** Refreshes the tokens; a new ID token, if Latchkey sends one, must name the same user. */
  refresh(previous: StoredTokens & { refreshToken: string }, idToken?: IdToken): Promise<SignIn>;
  /** The UserInfo claims (OIDC Core §5.3), whose `sub` must be the ID token's. */
  userInfo(accessToken: string, subject: string): Promise<UserInfoResult>;
  /** Best effort: revokes the token when Latchkey advertises a revocation endpoint. */
  revoke(token: string): Promise<void>;
  /**
   * RP-Initiated Logout §2: where to send the browser so Latchkey ends its session too, or
   * undefined when Latchkey has no end_session_endpoint (or cannot be reached).
   */
  endSessionUrl(parameters: {
    idTokenHint: string;
    postLogoutRedirectUri: string;
    state: string;
  }): Promise<URL | undefined>;
}

export function createOAuthClient(options: OAuthClientOptions): OAuthClient {
  const issuerUrl = new URL(options.issuer);
  const scope = options.scope?.trim() || DEFAULT_SCOPE;
  const openid = scope.split(/\s+/).includes('openid');
  let pending: Promise<client.Configuration> | undefined;

  const configuration = (): Promise<client.Configuration> => {
    pending ??= client
      .discovery(issuerUrl, options.clientId, undefined, client.ClientSecretBasic(options.clientSecret), {
        // OpenID Connect Discovery 1.0 for an OIDC login, RFC 8414 for plain OAuth.
        algorithm: openid ? 'oidc' : 'oauth2',
        // Plain http is allowed only for a local http:// issuer; an https issuer stays TLS-only.
        execute: [
          ...(issuerUrl.protocol === 'http:' ? [client.allowInsecureRequests] : []),
          // OIDC Core §3.1.3.7 lets a client that got the ID token straight from the token
          // endpoint over TLS skip its signature; this app checks it against the JWKS anyway, so
          // the ID token it keeps is one Latchkey provably signed.
          ...(openid ? [client.enableNonRepudiationChecks] : []),
        ],
        timeout: 10,
      })
      .catch((error: unknown) => {
        pending = undefined;
        throw new ProviderError(options.issuer, describe(error));
      });
    return pending;
  };

  // Token endpoint calls share one error mapping: a §5.2 error body is the server's answer to us;
  // an answer that fails a check (e.g. the ID token's nonce) is refused; anything else means
  // Latchkey could not give a usable answer.
  const tokenCall = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw (
        toTokenEndpointError(error) ??
        toResponseCheckError(error) ??
        new ProviderError(options.issuer, describe(error))
      );
    }
  };

  return {
    issuer: options.issuer,
    configuration,

    async beginLogin() {
      const config = await configuration();
      const codeVerifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const parameters: Record<string, string> = {
        redirect_uri: options.redirectUri,
        scope,
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
      };
      if (!openid) return { url: client.buildAuthorizationUrl(config, parameters), state, codeVerifier };
      // OIDC Core §3.1.2.1: the nonce binds the ID token to this browser's login, so an ID token
      // issued for another login (a replayed or injected one) is refused.
      const nonce = client.randomNonce();
      parameters.nonce = nonce;
      return { url: client.buildAuthorizationUrl(config, parameters), state, codeVerifier, nonce };
    },

    async exchangeCode(callbackUrl, expected) {
      const config = await configuration();
      const response = await tokenCall(() =>
        client.authorizationCodeGrant(config, callbackUrl, {
          expectedState: expected.state,
          pkceCodeVerifier: expected.codeVerifier,
          // With openid the ID token is required; a nonce makes it required too, and checked.
          ...(openid && { idTokenExpected: true }),
          ...(expected.nonce !== undefined && { expectedNonce: expected.nonce }),
        }),
      );
      return toSignIn(response, options.now());
    },

    async refresh(previous, idToken) {
      const config = await configuration();
      const response = await tokenCall(() => client.refreshTokenGrant(config, previous.refreshToken));
      const refreshed = toSignIn(response, options.now(), previous);
      // OIDC Core §12.2: a refreshed ID token must be about the same user as the first one.
      if (refreshed.idToken && idToken && refreshed.idToken.claims.sub !== idToken.claims.sub) {
        throw new ResponseCheckError('the refreshed ID token names another user (sub changed)');
      }
      const latest = refreshed.idToken ?? idToken;
      return latest ? { tokens: refreshed.tokens, idToken: latest } : { tokens: refreshed.tokens };
    },

    async userInfo(accessToken, subject) {
      try {
        const config = await configuration();
        const claims = await client.fetchUserInfo(config, accessToken, subject);
        return { kind: 'ok', claims: { ...claims } };
      } catch (error) {
        const endpointError = toTokenEndpointError(error);
        if (endpointError) {
          const reason = endpointError.description ?? endpointError.error;
          return { kind: 'failed', reason: `${endpointError.error}: ${reason}` };
        }
        return { kind: 'failed', reason: toResponseCheckError(error)?.reason ?? describe(error) };
      }
    },

    async revoke(token) {
      try {
        const config = await configuration();
        if (!config.serverMetadata().revocation_endpoint) return;
        await client.tokenRevocation(config, token);
      } catch {
        // Logging out locally must not depend on Latchkey being reachable.
      }
    },

    async endSessionUrl(parameters) {
      let config: client.Configuration;
      try {
        config = await configuration();
      } catch {
        return undefined;
      }
      if (!config.serverMetadata().end_session_endpoint) return undefined;
      return client.buildEndSessionUrl(config, {
        id_token_hint: parameters.idTokenHint,
        post_logout_redirect_uri: parameters.postLogoutRedirectUri,
        state: parameters.state,
      });
    },
  };
}

function toSignIn(
  response: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
  now: number,
  previous?: StoredTokens,
): SignIn {
  const tokens: StoredTokens = { accessToken: response.access_token, tokenType: response.token_type };
  // RFC 6749 §6: a refresh response may omit refresh_token and scope, meaning "unchanged".
  const refreshToken = response.refresh_token ?? previous?.refreshToken;
  if (refreshToken) tokens.refreshToken = refreshToken;
  const scope = response.scope ?? previous?.scope;
  if (scope) tokens.scope = scope;
  if (typeof response.expires_in === 'number') tokens.expiresAt = now + response.expires_in * 1000;
  // claims() is the payload openid-client has already validated; the raw token is kept for
  // id_token_hint at logout.
  const claims = response.claims();
  if (!response.id_token || !claims) return { tokens };
  return { tokens, idToken: { raw: response.id_token, claims: { ...claims } } };
}

function toTokenEndpointError(error: unknown): TokenEndpointError | undefined {
  if (error instanceof client.ResponseBodyError) {
    return new TokenEndpointError(error.error, error.error_description);
  }
  // A 401 invalid_client answer carries a WWW-Authenticate challenge, which openid-client reports
  // as its own error type; the OAuth error code is one of the challenge's parameters.
  if (error instanceof client.WWWAuthenticateChallengeError) {
    const parameters = error.cause[0]?.parameters;
    return new TokenEndpointError(parameters?.error ?? 'invalid_client', parameters?.error_description);
  }
  return undefined;
}

// Failures of a check on an answer Latchkey did give (an ID token claim, its signature, a malformed
// token response), as opposed to not getting an answer at all.
const CHECK_FAILURES = new Set<string | undefined>([
  'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
  'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
  'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
  'OAUTH_KEY_SELECTION_FAILED',
  'OAUTH_INVALID_RESPONSE',
  'OAUTH_PARSE_ERROR',
  'OAUTH_UNSUPPORTED_OPERATION',
]);

function toResponseCheckError(error: unknown): ResponseCheckError | undefined {
  if (!(error instanceof client.ClientError) || !CHECK_FAILURES.has(error.code)) return undefined;
  // openid-client's own message is generic ("unexpected JWT claim value encountered"); the
  // cause says which check failed, e.g. 'unexpected ID Token "nonce" claim value'.
  const cause: unknown = error.cause;
  return new ResponseCheckError(cause instanceof Error && cause.message ? cause.message : error.message);
}

/** A short, human reason for a failed call to Latchkey, e.g. "connection refused (ECONNREFUSED)". */
export function describe(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const cause: unknown = error.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED') return 'connection refused (ECONNREFUSED)';
    if (code) return `${cause.message || 'network error'} (${code})`;
  }
  if (cause instanceof Response) return `${error.message} (HTTP ${cause.status})`;
  return error.message;
}
