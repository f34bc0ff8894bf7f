import { describe, expect, it } from 'vitest';
import { randomId, randomToken } from './random.js';

describe('random values from the pooled CSPRNG', () => {
  it('never repeats a value across many pool refills', () => {
    // 20,000 × 32 bytes is ~156 refills of the 4 KiB pool: a value served twice would repeat.
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(randomToken());
    expect(seen.size).toBe(20_000);
  });

  it("never hands out overlapping bytes: no token starts with the previous one's end", () => {
    // An off-by-one in the offset would make the last bytes of one value the first of the next.
    let previous = Buffer.from(randomToken(), 'base64url');
    for (let i = 0; i < 5_000; i++) {
      const next = Buffer.from(randomToken(), 'base64url');
      for (let overlap = 4; overlap <= 32; overlap++)
        expect(next.subarray(0, overlap).equals(previous.subarray(32 - overlap))).toBe(false);
      previous = next;
    }
  });

  it('refuses sizes that are not a positive whole number of bytes', () => {
    for (const bad of [0, -32, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => randomToken(bad)).toThrow(RangeError);
    // and the pool is still sound afterwards
    expect(Buffer.from(randomToken(), 'base64url')).toHaveLength(32);
  });

  it('serves the length asked for, including sizes that straddle a refill or exceed the pool', () => {
    for (const bytes of [1, 12, 31, 32, 33, 100, 4095, 4096, 4097, 10_000]) {
      for (let i = 0; i < 3; i++) expect(Buffer.from(randomToken(bytes), 'base64url')).toHaveLength(bytes);
    }
    expect(Buffer.from(randomId(), 'base64url')).toHaveLength(16);
  });

  it('looks uniformly random: every byte value appears, none dominates', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 2_000; i++) for (const b of Buffer.from(randomToken(), 'base64url')) counts[b]!++;
    // 64,000 bytes: 250 expected per value; a stuck or zeroed pool would blow far past these bounds.
    expect(Math.min(...counts)).toBeGreaterThan(150);
    expect(Math.max(...counts)).toBeLessThan(370);
  });
});
