/**
 * Signing keys and JWTs, over jose. RFC 7517 (JWK), RFC 7638 (JWK thumbprint as the kid),
 * RFC 7515/7519 (JWS/JWT). Keys are generated extractable because they are stored as JWKs in
 * the database, where every instance sharing it finds them.
 */
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';

export type { JWK, JWTPayload };

/**
 * ES256 is the default for access tokens (fast to sign on the hot path); RS256 is what every
 * OpenID Connect client must accept for ID tokens (OIDC Core §15.1); EdDSA is Ed25519.
 */
export type SigningAlgorithm = 'ES256' | 'RS256' | 'EdDSA';

export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['ES256', 'RS256', 'EdDSA'];

export function isSigningAlgorithm(value: unknown): value is SigningAlgorithm {
  return typeof value === 'string' && (SIGNING_ALGORITHMS as readonly string[]).includes(value);
}

/** A key pair as stored: both halves as JWKs, named by the thumbprint of the public half. */
export interface SigningKeyMaterial {
  kid: string;
  alg: SigningAlgorithm;
  privateJwk: JWK;
  publicJwk: JWK;
}

/** The members of a public key per key type (RFC 7518 §6.2.1, §6.3.1; RFC 8037 §2). */
const PUBLIC_MEMBERS: Record<string, readonly string[]> = {
  EC: ['kty', 'crv', 'x', 'y'],
  RSA: ['kty', 'n', 'e'],
  OKP: ['kty', 'crv', 'x'],
};

export async function generateSigningKey(alg: SigningAlgorithm): Promise<SigningKeyMaterial> {
  // RS256 with 2048-bit moduli: the RFC 7518 §3.3 minimum, and what OIDC clients expect.
  const { publicKey, privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'RS256' ? { modulusLength: 2048 } : {}),
  });
  const publicJwk = publicMembers(await exportJWK(publicKey));
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  return { kid, alg, privateJwk: { ...(await exportJWK(privateKey)), kid, alg }, publicJwk };
}

/**
 * Only the public members of a JWK, copied by allow-list: whatever else a stored JWK holds
 * (d, p, q, dp, dq, qi, oth, or members nobody anticipated) can never reach a JWKS.
 */
export function publicMembers(jwk: JWK): JWK {
  const members = PUBLIC_MEMBERS[jwk.kty ?? ''];
  if (!members) throw new Error(`Unsupported key type ${String(jwk.kty)}`);
  const out: Record<string, unknown> = {};
  for (const name of members) {
    const value = (jwk as Record<string, unknown>)[name];
    if (typeof value !== 'string') throw new Error(`The ${String(jwk.kty)} key lacks "${name}"`);
    out[name] = value;
  }
  return out as JWK;
}

/** The JWK a verifier needs (RFC 7517 §4): the public members with kid, alg and use. */
export function publishedJwk(key: Pick<SigningKeyMaterial, 'kid' | 'alg' | 'publicJwk'>): JWK {
  return { ...publicMembers(key.publicJwk), kid: key.kid, alg: key.alg, use: 'sig' };
}

// Importing a JWK costs far more than signing with it, so each key is imported once per process.
// A kid is the thumbprint of the public key, so one kid always names the same key pair.
const imported = new Map<string, Promise<CryptoKey>>();

function privateKeyOf(key: SigningKeyMaterial): Promise<CryptoKey> {
  let pending = imported.get(key.kid);
  if (!pending) {
    pending = importJWK(key.privateJwk, key.alg) as Promise<CryptoKey>;
    imported.set(key.kid, pending);
    // A JWK that fails to import is not kept: the next call reports the same clear error.
    pending.catch(() => imported.delete(key.kid));
  }
  return pending;
}

/** Signs `claims` as a JWT with the key's alg and kid, and the given `typ` (e.g. at+jwt, RFC 9068 §2.1). */
export async function signJwt(key: SigningKeyMaterial, typ: string, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ })
    .sign(await privateKeyOf(key));
}
