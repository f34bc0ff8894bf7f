import { calculateJwkThumbprint, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  generateSigningKey,
  isSigningAlgorithm,
  publicMembers,
  publishedJwk,
  SIGNING_ALGORITHMS,
  signJwt,
} from './keys.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'];

describe.each(SIGNING_ALGORITHMS)('%s keys', (alg) => {
  it('sign JWTs that verify against the published public JWK', async () => {
    const key = await generateSigningKey(alg);
    const jwt = await signJwt(key, 'at+jwt', { sub: 'alice', iss: 'https://issuer.example', exp: 4e9 });
    expect(decodeProtectedHeader(jwt)).toEqual({ alg, kid: key.kid, typ: 'at+jwt' });
    const jwk = publishedJwk(key);
    const { payload } = await jwtVerify(jwt, await importJWK(jwk, alg), {
      issuer: 'https://issuer.example',
      typ: 'at+jwt',
    });
    expect(payload.sub).toBe('alice');
    // A second signature reuses the imported key and still verifies.
    const again = await signJwt(key, 'JWT', { sub: 'bob' });
    await expect(jwtVerify(again, await importJWK(jwk, alg))).resolves.toBeTruthy();
  });

  it('names the key by its RFC 7638 thumbprint and publishes no private member', async () => {
    const key = await generateSigningKey(alg);
    expect(key.kid).toBe(await calculateJwkThumbprint(key.publicJwk, 'sha256'));
    expect(key.privateJwk).toHaveProperty('d');
    const jwk = publishedJwk(key);
    expect(jwk).toMatchObject({ kid: key.kid, alg, use: 'sig' });
    for (const member of PRIVATE_MEMBERS) {
      expect(jwk).not.toHaveProperty(member);
      expect(key.publicJwk).not.toHaveProperty(member);
    }
  });
});

describe('publicMembers', () => {
  it('copies only public members, even from a private JWK', async () => {
    const key = await generateSigningKey('RS256');
    expect(Object.keys(publicMembers(key.privateJwk)).sort()).toEqual(['e', 'kty', 'n']);
  });

  it('refuses unknown key types and missing members', () => {
    expect(() => publicMembers({ kty: 'oct', k: 'c2VjcmV0' })).toThrow(/Unsupported key type oct/);
    expect(() => publicMembers({ kty: 'EC', crv: 'P-256', x: 'AA' })).toThrow(/lacks "y"/);
  });
});

describe('signJwt', () => {
  it('reports a private JWK that does not import, every time', async () => {
    const key = await generateSigningKey('ES256');
    const broken = { ...key, kid: 'broken-kid', privateJwk: { kty: 'EC', crv: 'P-256', x: 'AA' } };
    await expect(signJwt(broken, 'JWT', {})).rejects.toThrow();
    await expect(signJwt(broken, 'JWT', {})).rejects.toThrow();
  });

  it('refuses a stored key whose alg it does not sign with, rather than sign with "none" or a guess', async () => {
    const key = await generateSigningKey('ES256');
    for (const alg of ['HS256', 'none', 'constructor', 'toString', '__proto__']) {
      const odd = { ...key, kid: `odd-${alg}`, alg: alg as never };
      await expect(signJwt(odd, 'JWT', {})).rejects.toThrow(/Unsupported signing algorithm/);
    }
  });

  it('refuses a key row whose key is not of its alg (damaged or edited), and keeps refusing', async () => {
    const [ec, rsa, ed] = await Promise.all([
      generateSigningKey('ES256'),
      generateSigningKey('RS256'),
      generateSigningKey('EdDSA'),
    ]);
    const mislabelled = [
      { ...rsa, alg: 'ES256' as const },
      { ...ec, alg: 'EdDSA' as const },
      { ...ed, alg: 'RS256' as const },
    ];
    for (const key of mislabelled) {
      await expect(signJwt(key, 'JWT', {})).rejects.toThrow(/is not an? (ES256|EdDSA|RS256) key/);
      await expect(signJwt(key, 'JWT', {})).rejects.toThrow(/is not an? (ES256|EdDSA|RS256) key/);
    }
    // The genuine keys still sign after their mislabelled twins were refused.
    for (const key of [ec, rsa, ed]) await expect(signJwt(key, 'JWT', {})).resolves.toMatch(/\./);
  });

  it('signs the JOSE header and claims as JSON, exactly as given', async () => {
    const key = await generateSigningKey('EdDSA');
    const claims = { sub: 'ü \u2028 "quoted"', aud: ['a', 'b'], nested: { n: 1 } };
    const jwt = await signJwt(key, 'JWT', claims);
    const { payload } = await jwtVerify(jwt, await importJWK(publishedJwk(key), 'EdDSA'));
    expect(payload).toEqual(claims);
  });
});

describe('isSigningAlgorithm', () => {
  it('accepts the three algorithms only', () => {
    for (const alg of SIGNING_ALGORITHMS) expect(isSigningAlgorithm(alg)).toBe(true);
    for (const other of ['HS256', 'none', 'es256', '', 42, null])
      expect(isSigningAlgorithm(other)).toBe(false);
  });
});
