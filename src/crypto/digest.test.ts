import { describe, expect, it } from 'vitest';
import { digest, matchesDigest, safeEqual } from './digest.js';
import { randomId, randomToken } from './random.js';

describe('digest', () => {
  it('is SHA-256 in base64url and never the input', () => {
    const token = randomToken();
    expect(digest(token)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(digest(token)).not.toBe(token);
  });

  it('is exactly SHA-256 over the UTF-8 bytes: digests stored by earlier versions still match', () => {
    // FIPS 180-2 appendix B.1, and a non-ASCII secret (UTF-8, not Latin-1 or UTF-16).
    expect(digest('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    expect(digest('pässwörd ✓')).toBe('91Q3XMx3UxqLH_ay5CZGoDX-al6IxmoqCEJ2hii8Ovg');
    expect(matchesDigest('pässwörd ✓', '91Q3XMx3UxqLH_ay5CZGoDX-al6IxmoqCEJ2hii8Ovg')).toBe(true);
  });

  it('matches only the right secret', () => {
    const secret = randomToken();
    expect(matchesDigest(secret, digest(secret))).toBe(true);
    expect(matchesDigest(`${secret}x`, digest(secret))).toBe(false);
    expect(matchesDigest(secret, 'not-a-digest')).toBe(false);
    expect(safeEqual('a', 'a')).toBe(true);
    expect(safeEqual('a', 'ab')).toBe(false);
  });

  it('makes 256-bit tokens and 128-bit ids', () => {
    expect(Buffer.from(randomToken(), 'base64url')).toHaveLength(32);
    expect(Buffer.from(randomId(), 'base64url')).toHaveLength(16);
    expect(randomToken()).not.toBe(randomToken());
  });
});
