/**
 * Signing keys and JWTs: keys over jose, signatures on node:crypto. RFC 7517 (JWK), RFC 7638 (JWK thumbprint as the kid),
 * RFC 7515/7519 (JWS/JWT). Keys are generated extractable because they are stored as JWKs in
 * the database, where every instance sharing it finds them.
 */
import {
  createPrivateKey,
  type JsonWebKey,
  type KeyObject,
  type SignKeyObjectInput,
  sign,
} from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, type JWTPayload } from 'jose';

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

/**
 * Signing runs on node:crypto directly, synchronously, rather than through jose's WebCrypto path:
 * each WebCrypto sign is an async job in libuv's thread pool, which cost ES256 124 µs against
 * 48 µs here and RS256 840 µs against 402 µs (reference machine) — the biggest part of a JWT
 * access token request and of an ID token. The trade: an RS256 signature now holds the event loop
 * for ~0.4 ms instead of a pool thread; on few cores (where the pool competes for the same CPUs)
 * that is the cheaper of the two. jose still generates, exports and verifies keys.
 */
interface Signing {
  hash: string | null;
  options: Omit<SignKeyObjectInput, 'key'>;
  /** What the imported key must be, checked once: a damaged key row is refused, not used. */
  fits(key: KeyObject): boolean;
}

const SIGNING: Record<SigningAlgorithm, Signing> = {
  // RFC 7518 §3.4: P-256 and SHA-256; the signature is R || S (IEEE P1363), not DER.
  ES256: {
    hash: 'sha256',
    options: { dsaEncoding: 'ieee-p1363' },
    fits: (k) => k.asymmetricKeyType === 'ec' && k.asymmetricKeyDetails?.namedCurve === 'prime256v1',
  },
  // RFC 7518 §3.3: RSASSA-PKCS1-v1_5 (node:crypto's default padding), keys of 2048 bits or more.
  RS256: {
    hash: 'sha256',
    options: {},
    fits: (k) => k.asymmetricKeyType === 'rsa' && (k.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048,
  },
  // RFC 8037 §3.1: Ed25519 signs the message itself, no separate hash.
  EdDSA: { hash: null, options: {}, fits: (k) => k.asymmetricKeyType === 'ed25519' },
};

// Importing a JWK costs far more than signing with it, so each key is imported once per process.
// A kid is the thumbprint of the public key, so one kid (with its alg) always names the same key.
const imported = new Map<string, KeyObject>();

function privateKeyOf(key: SigningKeyMaterial, signing: Signing): KeyObject {
  const cacheKey = `${key.alg} ${key.kid}`;
  let keyObject = imported.get(cacheKey);
  if (!keyObject) {
    keyObject = createPrivateKey({ key: key.privateJwk as JsonWebKey, format: 'jwk' });
    if (!signing.fits(keyObject)) throw new Error(`The signing key ${key.kid} is not an ${key.alg} key`);
    imported.set(cacheKey, keyObject);
  }
  return keyObject;
}

const base64url = (json: unknown) => Buffer.from(JSON.stringify(json)).toString('base64url');

/** Signs `claims` as a JWT with the key's alg and kid, and the given `typ` (e.g. at+jwt, RFC 9068 §2.1). */
export async function signJwt(key: SigningKeyMaterial, typ: string, claims: JWTPayload): Promise<string> {
  // A stored key row is outside input: its alg is looked up as an own member only, never trusted.
  if (!Object.hasOwn(SIGNING, key.alg)) throw new Error(`Unsupported signing algorithm ${String(key.alg)}`);
  const signing = SIGNING[key.alg];
  const signingInput = `${base64url({ alg: key.alg, kid: key.kid, typ })}.${base64url(claims)}`;
  const signature = sign(signing.hash, Buffer.from(signingInput), {
    key: privateKeyOf(key, signing),
    ...signing.options,
  });
  return `${signingInput}.${signature.toString('base64url')}`;
}
