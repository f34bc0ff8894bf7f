/**
 * RFC 7009 OAuth 2.0 Token Revocation.
 */
import { OAuthError } from './errors.js';
import { requireParam } from './params.js';
import type { Client } from './types.js';

export type RevocationAction = 'none' | 'revoke-token' | 'revoke-grant';

export interface RevocableToken {
  kind: string;
  clientId: string;
  grantId: string | null;
  revokedAt: number | null;
}

/** §2.1: `token` is REQUIRED; `token_type_hint` is OPTIONAL and only a hint, so it is not needed here. */
export function revocationToken(params: Record<string, string>): string {
  return requireParam(params, 'token');
}

/**
 * What revoking `token` means for `client`.
 * §2.2: an invalid (unknown, expired, already revoked) token is not an error: answer 200.
 * §2.1: the token must have been issued to the requesting client; otherwise "the request is
 * refused and the client is informed of the error".
 * §2.1: revoking a refresh token SHOULD also invalidate the access tokens of the same grant, so
 * the whole grant goes; revoking an access token takes only that token.
 */
export function revocationAction(token: RevocableToken | null, client: Client): RevocationAction {
  if (!token || token.revokedAt !== null) return 'none';
  if (token.clientId !== client.clientId) {
    throw new OAuthError('unauthorized_client', 'The token was not issued to this client');
  }
  return token.kind === 'refresh' && token.grantId !== null ? 'revoke-grant' : 'revoke-token';
}
