/**
 * Tokens, codes, session ids and client secrets are stored only as SHA-256 digests. They are
 * 256-bit random values Latchkey generated, so a fast hash is enough: there is nothing to
 * brute-force, and slow hashing would cap the token endpoint (DESIGN.md, performance budget).
 */
import { hash, timingSafeEqual } from 'node:crypto';

// crypto.hash (one call, no Hash object) takes ~0.3 µs here against ~1.1 µs for createHash; a
// token request hashes two or three values (the token, the client secret, the code).
export function digest(value: string): string {
  return hash('sha256', value, 'base64url');
}

/** Constant-time comparison of a presented secret with a stored digest. */
export function matchesDigest(presented: string, storedDigest: string): boolean {
  const a = hash('sha256', presented, 'buffer');
  const b = Buffer.from(storedDigest, 'base64url');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Constant-time equality of two strings of any length (e.g. CSRF tokens). */
export function safeEqual(a: string, b: string): boolean {
  return matchesDigest(a, digest(b));
}
