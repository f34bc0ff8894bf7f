/**
 * RFC 6749 §3.2 Token Endpoint, §5.1 Successful Response.
 */
import { OAuthError } from '../errors.js';
import { requireParam } from '../params.js';
import type { Client, TokenGrantType } from '../types.js';

export const SUPPORTED_GRANT_TYPES: readonly TokenGrantType[] = [
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'password',
];

/** §4.1.3 / §5.2: unknown grant types are unsupported_grant_type; ones the client lacks are unauthorized_client. */
export function checkGrantType(params: Record<string, string>, client: Client): TokenGrantType {
  const grantType = requireParam(params, 'grant_type');
  if (!(SUPPORTED_GRANT_TYPES as readonly string[]).includes(grantType)) {
    throw new OAuthError('unsupported_grant_type', 'This grant_type is not supported');
  }
  if (!client.grantTypes.includes(grantType as TokenGrantType)) {
    throw new OAuthError('unauthorized_client', `The client may not use the ${grantType} grant`);
  }
  return grantType as TokenGrantType;
}

export interface IssuedTokens {
  accessToken: string;
  expiresIn: number;
  refreshToken: string | null;
  scope: string[];
  /** OpenID Connect: the ID token (OIDC Core §3.1.3.3), when the scope includes openid. */
  idToken?: string;
}

/** §5.1 response body (wire names). */
export function tokenResponse(tokens: IssuedTokens): Record<string, string | number> {
  const body: Record<string, string | number> = {
    access_token: tokens.accessToken,
    token_type: 'Bearer',
    expires_in: tokens.expiresIn,
    scope: tokens.scope.join(' '),
  };
  if (tokens.refreshToken) body.refresh_token = tokens.refreshToken;
  if (tokens.idToken) body.id_token = tokens.idToken;
  return body;
}
