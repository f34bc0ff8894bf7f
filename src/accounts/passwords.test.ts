import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.doUnmock('@node-rs/argon2');
  vi.resetModules();
});

describe('passwords', () => {
  it('hashes with argon2id and verifies only the right password', async () => {
    const { hashPassword, verifyPassword } = await import('./passwords.js');
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(hash, 'wrong')).toBe(false);
    expect(await verifyPassword(null, 'anything')).toBe(false);
    expect(await verifyPassword('not a hash', 'anything')).toBe(false);
  });

  it('fails loudly, alike for known and unknown users, when argon2 cannot load; and loads it later', async () => {
    let broken = true;
    vi.doMock('@node-rs/argon2', async (original) => {
      if (broken) throw new Error('cannot load the native binding');
      return original();
    });
    const { hashPassword, verifyPassword } = await import('./passwords.js');
    const stored = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';
    // An error (a logged 500), not "wrong password", and no difference an attacker could read.
    await expect(verifyPassword(stored, 'pw')).rejects.toThrow();
    await expect(verifyPassword(null, 'pw')).rejects.toThrow();
    await expect(hashPassword('pw-long-enough')).rejects.toThrow();
    // The failed load is not kept: once the binding loads, the same module works.
    broken = false;
    expect(await verifyPassword(await hashPassword('pw-long-enough'), 'pw-long-enough')).toBe(true);
  });
});
