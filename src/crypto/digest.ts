/**
 * Tokens, codes, session ids and client secrets are stored only as SHA-256 digests. They are
 * 256-bit random values Latchkey generated, so a fast hash is enough: there is nothing to
 * brute-force, and slow hashing would cap the token endpoint (DESIGN.md, performance budget).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export function digest(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

/** Constant-time comparison of a presented secret with a stored digest. */
export function matchesDigest(presented: string, storedDigest: string): boolean {
  const a = Buffer.from(digest(presented), 'base64url');
  const b = Buffer.from(storedDigest, 'base64url');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Constant-time equality of two strings of any length (e.g. CSRF tokens). */
export function safeEqual(a: string, b: string): boolean {
  return matchesDigest(a, digest(b));
}
