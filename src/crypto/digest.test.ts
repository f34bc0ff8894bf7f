import { describe, expect, it } from 'vitest';
import { digest, matchesDigest, safeEqual } from './digest.js';
import { randomId, randomToken } from './random.js';

describe('digest', () => {
  it('is SHA-256 in base64url and never the input', () => {
    const token = randomToken();
    expect(digest(token)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(digest(token)).not.toBe(token);
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
