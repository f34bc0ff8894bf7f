/**
 * RFC 9068 JSON Web Token (JWT) Profile for OAuth 2.0 Access Tokens: what a JWT access token
 * says. Signing happens in crypto/keys.ts with a key from the store.
 */

/** RFC 9068 §2.1: "the typ header parameter … MUST be at+jwt" (so an ID token is never taken for one). */
export const JWT_ACCESS_TOKEN_TYPE = 'at+jwt';

export interface JwtAccessTokenInput {
  issuer: string;
  audience: string;
  clientId: string;
  /** The user's id, or null for a token a client got on its own behalf. */
  userId: string | null;
  username: string | null;
  scope: string[];
  issuedAt: number;
  expiresAt: number;
  /** A unique id (RFC 7519 §4.1.7), so two tokens minted in one second never coincide. */
  jti: string;
}

/** RFC 9068 §2.2 claims. */
export function jwtAccessTokenClaims(input: JwtAccessTokenInput): Record<string, string | number> {
  const claims: Record<string, string | number> = {
    iss: input.issuer,
    // §2.2: "sub … In cases of access tokens obtained through grants where no resource owner is
    // involved, such as the client credentials grant, the value of sub SHOULD correspond to an
    // identifier the authorization server uses to indicate the client application."
    sub: input.userId ?? input.clientId,
    aud: input.audience,
    client_id: input.clientId,
    iat: input.issuedAt,
    exp: input.expiresAt,
    jti: input.jti,
    // §2.2.3: scope as a space-delimited string, as in RFC 8693 §4.2.
    scope: input.scope.join(' '),
  };
  // Not in RFC 9068, but what RFC 7662 introspection answers too, so an API sees the same either way.
  if (input.username !== null) claims.username = input.username;
  return claims;
}
