/**
 * The openid-client wiring: discovery, the authorization request, the code exchange, refresh and
 * revocation, with openid-client's many error types folded into three the pages can explain.
 *
 * Latchkey is used as a plain OAuth 2.1 server (RFC 8414 metadata, no ID token), so discovery
 * uses the `oauth2` algorithm and no `openid` scope is requested.
 */

import * as client from 'openid-client';
import type { StoredTokens } from './session-store.js';

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
  scope?: string;
  now: () => number;
}

export interface LoginRequest {
  url: URL;
  state: string;
  codeVerifier: string;
}

export interface OAuthClient {
  readonly issuer: string;
  /**
   * The discovered configuration, fetched at first need and cached. A failed discovery is not
   * cached, so the next request tries again once Latchkey is up.
   */
  configuration(): Promise<client.Configuration>;
  beginLogin(): Promise<LoginRequest>;
  /** Exchanges the code in `callbackUrl`; state and iss must already have been checked. */
  exchangeCode(callbackUrl: URL, expected: { state: string; codeVerifier: string }): Promise<StoredTokens>;
  refresh(previous: StoredTokens & { refreshToken: string }): Promise<StoredTokens>;
  /** Best effort: revokes the token when Latchkey advertises a revocation endpoint. */
  revoke(token: string): Promise<void>;
}

export function createOAuthClient(options: OAuthClientOptions): OAuthClient {
  const issuerUrl = new URL(options.issuer);
  let pending: Promise<client.Configuration> | undefined;

  const configuration = (): Promise<client.Configuration> => {
    pending ??= client
      .discovery(issuerUrl, options.clientId, undefined, client.ClientSecretBasic(options.clientSecret), {
        algorithm: 'oauth2',
        // Plain http is allowed only for a local http:// issuer; an https issuer stays TLS-only.
        execute: issuerUrl.protocol === 'http:' ? [client.allowInsecureRequests] : [],
        timeout: 10,
      })
      .catch((error: unknown) => {
        pending = undefined;
        throw new ProviderError(options.issuer, describe(error));
      });
    return pending;
  };

  // Token endpoint calls share one error mapping: a §5.2 error body is the server's answer to us;
  // anything else means Latchkey could not give a usable answer.
  const tokenCall = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw toTokenEndpointError(error) ?? new ProviderError(options.issuer, describe(error));
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
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
      };
      // Without a scope parameter Latchkey applies the client's registered default scope.
      if (options.scope) parameters.scope = options.scope;
      return { url: client.buildAuthorizationUrl(config, parameters), state, codeVerifier };
    },

    async exchangeCode(callbackUrl, expected) {
      const config = await configuration();
      const response = await tokenCall(() =>
        client.authorizationCodeGrant(config, callbackUrl, {
          expectedState: expected.state,
          pkceCodeVerifier: expected.codeVerifier,
        }),
      );
      return toStoredTokens(response, options.now());
    },

    async refresh(previous) {
      const config = await configuration();
      const response = await tokenCall(() => client.refreshTokenGrant(config, previous.refreshToken));
      return toStoredTokens(response, options.now(), previous);
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
  };
}

function toStoredTokens(
  response: client.TokenEndpointResponse,
  now: number,
  previous?: StoredTokens,
): StoredTokens {
  const tokens: StoredTokens = { accessToken: response.access_token, tokenType: response.token_type };
  // RFC 6749 §6: a refresh response may omit refresh_token and scope, meaning "unchanged".
  const refreshToken = response.refresh_token ?? previous?.refreshToken;
  if (refreshToken) tokens.refreshToken = refreshToken;
  const scope = response.scope ?? previous?.scope;
  if (scope) tokens.scope = scope;
  if (typeof response.expires_in === 'number') tokens.expiresAt = now + response.expires_in * 1000;
  return tokens;
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
