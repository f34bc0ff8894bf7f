/**
 * Domain types shared by protocol, services and store. camelCase here; the wire's snake_case
 * names live only in the protocol parsers and the store mappers (DESIGN.md rule 6).
 */

export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';
/**
 * RFC 7591 §2 grant_types values. `implicit` is never sent to the token endpoint: it names the
 * authorization endpoint's response_type=token (RFC 6749 §4.2).
 */
export type GrantType =
  | 'authorization_code'
  | 'refresh_token'
  | 'client_credentials'
  | 'password'
  | 'implicit';
/** Grants redeemed at the token endpoint. */
export type TokenGrantType = Exclude<GrantType, 'implicit'>;
export type ResponseType = 'code' | 'token';
/** Opaque random strings looked up in the store, or RFC 9068 JWTs an API can verify by itself. */
export type AccessTokenFormat = 'opaque' | 'jwt';

/** A registered client application (RFC 6749 §2, RFC 7591 field names on the wire). */
export interface Client {
  clientId: string;
  /** SHA-256 digest of the secret (base64url); null for public clients. */
  secretDigest: string | null;
  clientName: string;
  clientUri: string | null;
  redirectUris: string[];
  grantTypes: GrantType[];
  responseTypes: ResponseType[];
  /** The scopes this client may ask for; also its default scope (RFC 6749 §3.3). */
  scope: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  skipConsent: boolean;
  /** PKCE required even though the client is confidential. Always true for public clients. */
  requirePkce: boolean;
  /** May introspect any token (a resource server), not only its own (RFC 7662 §4). */
  canIntrospect: boolean;
  /** Lifetimes for this client's tokens (seconds), overriding the server's; null: the server's. */
  accessTokenTtl: number | null;
  refreshTokenTtl: number | null;
  /** This client's access token format; null: the server's. */
  accessTokenFormat: AccessTokenFormat | null;
  createdAt: number;
}

export function isPublicClient(client: Pick<Client, 'tokenEndpointAuthMethod'>): boolean {
  return client.tokenEndpointAuthMethod === 'none';
}

export interface User {
  id: string;
  username: string;
  disabled: boolean;
  createdAt: number;
}

/** The details of a token found valid, as a resource server sees them. */
export interface AccessTokenInfo {
  clientId: string;
  /** Null for tokens issued to a client on its own behalf. */
  userId: string | null;
  username: string | null;
  scope: string[];
  issuedAt: number;
  expiresAt: number;
}
