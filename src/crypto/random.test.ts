import { describe, expect, it } from 'vitest';
import { randomId, randomToken } from './random.js';

describe('random values from the pooled CSPRNG', () => {
  it('never repeats a value across many pool refills', () => {
    // 20,000 × 32 bytes is ~156 refills of the 4 KiB pool: a byte served twice would repeat.
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(randomToken());
    expect(seen.size).toBe(20_000);
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
