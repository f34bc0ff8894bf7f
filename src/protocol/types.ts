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

/**
 * RFC 7591 §2.1: each response type goes with one grant type, named as in a client's grant_types.
 * Registration checks that a client's two lists agree; the authorization endpoint, that a client
 * asking for a response type has its grant.
 */
export const RESPONSE_TYPE_GRANTS: Readonly<Record<ResponseType, GrantType>> = {
  code: 'authorization_code',
  token: 'implicit',
};
/** The asymmetric algorithms Latchkey signs JWTs with. */
export type JwsAlgorithm = 'ES256' | 'RS256' | 'EdDSA';
export type SubjectType = 'public' | 'pairwise';

/**
 * The OpenID Connect `claims` request parameter (OIDC Core §5.5), as parsed: for each target, the
 * claims asked for by name. Claim names stay as on the wire: they are the protocol's vocabulary.
 */
export interface ClaimsRequest {
  userinfo?: Record<string, ClaimRequestOptions | null>;
  id_token?: Record<string, ClaimRequestOptions | null>;
}

export interface ClaimRequestOptions {
  essential?: boolean;
  value?: unknown;
  values?: unknown[];
}

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
  /** Where RP-initiated logout may send the browser afterwards (OIDC RP-Initiated Logout §3.1). */
  postLogoutRedirectUris: string[];
  /** The ID token's signing algorithm (OIDC Registration §2); null: RS256, the default of §2. */
  idTokenSignedResponseAlg: JwsAlgorithm | null;
  /** `public` (one sub everywhere) or `pairwise` (a different sub per client), OIDC Core §8. */
  subjectType: SubjectType;
  createdAt: number;
}

export function isPublicClient(client: Pick<Client, 'tokenEndpointAuthMethod'>): boolean {
  return client.tokenEndpointAuthMethod === 'none';
}

export interface User {
  id: string;
  username: string;
  disabled: boolean;
  /**
   * May use the admin API and console with a session. Optional so records written before admins
   * existed still type-check; absent means no.
   */
  isAdmin?: boolean;
  /** What OpenID Connect may release about the user, by consented scope (OIDC Core §5.1, §5.4). */
  profile: StandardClaims;
  /** When the profile last changed (the `updated_at` claim). */
  updatedAt: number;
  createdAt: number;
}

/**
 * OIDC Core §5.1 standard claims a user carries, besides `sub`, `preferred_username` (the user
 * name) and `updated_at`. Wire names: these are exactly what is released.
 */
export interface StandardClaims {
  name?: string;
  given_name?: string;
  family_name?: string;
  middle_name?: string;
  nickname?: string;
  profile?: string;
  picture?: string;
  website?: string;
  gender?: string;
  birthdate?: string;
  zoneinfo?: string;
  locale?: string;
  email?: string;
  email_verified?: boolean;
  phone_number?: string;
  phone_number_verified?: boolean;
  address?: AddressClaim;
}

/** OIDC Core §5.1.1. */
export interface AddressClaim {
  formatted?: string;
  street_address?: string;
  locality?: string;
  region?: string;
  postal_code?: string;
  country?: string;
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
