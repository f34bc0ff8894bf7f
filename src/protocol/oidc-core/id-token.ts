/**
 * OpenID Connect Core 1.0 §2 (the ID token) and §3.1.3.6 (at_hash). Signing happens with a key
 * from the store (crypto/keys.ts); this module says what the token contains.
 */
import { createHash } from 'node:crypto';
import type { JwsAlgorithm } from '../types.js';

export interface IdTokenInput {
  issuer: string;
  sub: string;
  clientId: string;
  issuedAt: number;
  expiresAt: number;
  /** When the user signed in (§2 auth_time); null when unknown. */
  authTime: number | null;
  nonce: string | null;
  /** The session id (Front-Channel Logout §3, RP-Initiated Logout). */
  sid: string | null;
  /**
   * §2 amr: how the user authenticated (RFC 8176 values), or null to leave it out — when Latchkey
   * did not see the authentication (a host application's own login), claiming one would be a guess.
   */
  amr: string[] | null;
  /** The access token issued with it, for at_hash. */
  accessToken: string | null;
  alg: JwsAlgorithm;
  /** Claims released into the ID token (claims.ts). */
  extra: Record<string, unknown>;
}

export function idTokenClaims(input: IdTokenInput): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    ...input.extra,
    iss: input.issuer,
    sub: input.sub,
    aud: input.clientId,
    exp: input.expiresAt,
    iat: input.issuedAt,
    // §2: azp is the party the token was issued to; with one audience it equals aud, and
    // clients may check it (§3.1.3.7 step 5).
    azp: input.clientId,
  };
  if (input.amr !== null) claims.amr = input.amr;
  if (input.authTime !== null) claims.auth_time = input.authTime;
  if (input.nonce !== null) claims.nonce = input.nonce;
  if (input.sid !== null) claims.sid = input.sid;
  if (input.accessToken !== null) claims.at_hash = tokenHash(input.accessToken, input.alg);
  return claims;
}

/**
 * §3.1.3.6: "the base64url encoding of the left-most half of the hash of the octets of the ASCII
 * representation of the access_token value, where the hash algorithm used is the hash algorithm
 * used in the alg Header Parameter". Ed25519 signs with SHA-512 (RFC 8032), so EdDSA uses it.
 */
export function tokenHash(token: string, alg: JwsAlgorithm): string {
  const digest = createHash(alg === 'EdDSA' ? 'sha512' : 'sha256')
    .update(token, 'ascii')
    .digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}
