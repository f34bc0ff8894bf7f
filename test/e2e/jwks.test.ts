/** The JWK Set at /.well-known/jwks.json: made at first start, public members only, short cache. */
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../src/crypto/keys.js';
import { rotateSigningKeys, signingKey } from '../../src/services/signing-keys.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

async function jwks() {
  const response = await fetch(`${t.url}/.well-known/jwks.json`);
  expect(response.status).toBe(200);
  return { response, body: (await response.json()) as { keys: Array<Record<string, unknown>> } };
}

describe('GET /.well-known/jwks.json', () => {
  it('publishes the ES256 and RS256 keys made at start, with no private member, cacheable for a short time', async () => {
    const { response, body } = await jwks();
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=60');
    expect(body.keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    const ec = body.keys.find((k) => k.alg === 'ES256');
    expect(ec).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'sig', kid: expect.any(String) });
    expect(Object.keys(ec!).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    const rsa = body.keys.find((k) => k.alg === 'RS256');
    expect(Object.keys(rsa!).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    for (const key of body.keys) for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
  });

  it('verifies what the signing key signs, and keeps the old key after a rotation', async () => {
    const deps = { store: t.server.store, clock: t.clock, config: t.server.config };
    const before = await signingKey(deps, 'ES256');
    const token = await signJwt(before, 'at+jwt', { iss: t.url, sub: 'alice' });
    const [rotated] = await rotateSigningKeys(deps, { alg: 'ES256' });
    // The server reads the keys through the same store: the rotation shows at once here.
    const { body } = await jwks();
    const ecKids = body.keys.filter((k) => k.alg === 'ES256').map((k) => k.kid);
    expect(ecKids.sort()).toEqual([before.kid, rotated!.kid].sort());
    const { payload } = await jwtVerify(token, createLocalJWKSet(body as JSONWebKeySet), { issuer: t.url });
    expect(payload.sub).toBe('alice');
  });

  it('answers other methods with 405 and Allow', async () => {
    const response = await fetch(`${t.url}/.well-known/jwks.json`, { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });
});
