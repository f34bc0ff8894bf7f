import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { base64url, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../protocol/clock.js';
import { isOAuthError } from '../protocol/errors.js';
import { type JwtVerifierOptions, jwtVerifier } from './jwt.js';

const ISSUER = 'https://id.example.test';
const clock = fakeClock(1_800_000_000);

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
interface TestKey {
  kid: string;
  privateKey: PrivateKey;
  jwk: JWK;
}

async function makeKey(kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

/** What the JWKS server answers; tests change it to rotate keys or simulate an outage. */
let answer: { status: number; body: string } | 'hang';
let requests = 0;
let server: Server;
let jwksUri: string;
let k1: TestKey;
let k2: TestKey;
let stranger: TestKey;

function serve(...keys: TestKey[]): void {
  answer = { status: 200, body: JSON.stringify({ keys: keys.map((key) => key.jwk) }) };
}

beforeAll(async () => {
  [k1, k2, stranger] = await Promise.all([makeKey('k1'), makeKey('k2'), makeKey('k1')]);
  server = createServer((_request, response) => {
    requests += 1;
    if (answer === 'hang') return;
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  clock.set(1_800_000_000);
  requests = 0;
  serve(k1);
});

function verifier(options: Partial<JwtVerifierOptions> = {}) {
  return jwtVerifier({ issuer: ISSUER, jwksUri, audience: 'https://orders.example.test', clock, ...options });
}

type Claims = Record<string, unknown>;

/** A token as Latchkey issues it, with claims and header fields overridden (undefined: left out). */
function sign(key: TestKey, claims: Claims = {}, header: Claims = {}): Promise<string> {
  const now = clock.now();
  const payload = {
    iss: ISSUER,
    sub: 'u1',
    aud: 'https://orders.example.test',
    client_id: 'shop',
    scope: 'orders:read profile',
    username: 'alice',
    iat: now,
    exp: now + 300,
    jti: 'jti-1',
    ...claims,
  };
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt', ...header })
    .sign(key.privateKey);
}

const encode = (value: unknown) => base64url.encode(JSON.stringify(value));

describe('jwtVerifier', () => {
  it('verifies a user token into AccessTokenInfo', async () => {
    const info = await verifier()(await sign(k1));
    expect(info).toEqual({
      clientId: 'shop',
      userId: 'u1',
      username: 'alice',
      scope: ['orders:read', 'profile'],
      issuedAt: clock.now(),
      expiresAt: clock.now() + 300,
    });
  });

  it('a client-credentials token (sub = client_id, no username) has no user', async () => {
    const token = await sign(k1, { sub: 'shop', username: undefined, scope: 'orders:read' });
    expect(await verifier()(token)).toMatchObject({ clientId: 'shop', userId: null, username: null });
  });

  it('accepts typ application/at+jwt (RFC 9068 §4) and no audience when none is configured', async () => {
    expect(await verifier()(await sign(k1, {}, { typ: 'application/at+jwt' }))).not.toBeNull();
    expect(await verifier({ audience: undefined })(await sign(k1, { aud: 'other' }))).not.toBeNull();
  });

  it('reuses the fetched key set', async () => {
    const verify = verifier();
    await verify(await sign(k1));
    await verify(await sign(k1, { jti: 'jti-2' }));
    expect(requests).toBe(1);
  });

  it.each([
    ['an ID token (typ JWT)', {}, { typ: 'JWT' }],
    ['no typ', {}, { typ: undefined }],
    ['another issuer', { iss: 'https://evil.example.test' }, {}],
    ['another audience', { aud: 'https://billing.example.test' }, {}],
    ['no aud', { aud: undefined }, {}],
    ['no client_id', { client_id: undefined }, {}],
    ['no jti', { jti: undefined }, {}],
    ['no sub', { sub: undefined }, {}],
    ['an ill-typed scope', { scope: ['orders:read'] }, {}],
    ['an ill-typed username', { username: 7 }, {}],
    ['an ill-typed exp', { exp: 'tomorrow' }, {}],
    ['a future nbf', { nbf: 1_800_000_000 + 60 }, {}],
  ])('refuses a token with %s', async (_case, claims, header) => {
    expect(await verifier()(await sign(k1, claims, header))).toBeNull();
  });

  it('refuses a wrong typ or issuer without fetching, even while the key set is unreachable', async () => {
    answer = { status: 500, body: '' };
    const verify = verifier();
    expect(await verify(await sign(k1, {}, { typ: 'JWT' }))).toBeNull();
    expect(await verify(await sign(k1, { iss: 'https://evil.example.test' }))).toBeNull();
    expect(await verify(await sign(k1, { iss: undefined }))).toBeNull();
    expect(requests).toBe(0);
  });

  it('refuses an expired token, past the clock tolerance', async () => {
    const token = await sign(k1);
    const verify = verifier();
    clock.advance(300 + 4);
    expect(await verify(token)).not.toBeNull();
    clock.advance(2);
    expect(await verify(token)).toBeNull();
    expect(await verifier({ clockTolerance: 0 })(token)).toBeNull();
  });

  it('refuses alg none and HMAC tokens', async () => {
    const claims = { iss: ISSUER, sub: 'u1', aud: 'https://orders.example.test', client_id: 'shop' };
    const none = `${encode({ alg: 'none', typ: 'at+jwt' })}.${encode(claims)}`;
    expect(await verifier()(`${none}.`)).toBeNull();
    expect(await verifier()(`${none}.c2ln`)).toBeNull();
    const secret = new TextEncoder().encode('a-shared-secret-of-thirty-two-bytes!');
    const hs256 = await new SignJWT({ ...claims, iat: clock.now(), exp: clock.now() + 60, jti: 'j' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'at+jwt' })
      .sign(secret);
    expect(await verifier()(hs256)).toBeNull();
    expect(requests).toBe(0);
  });

  it('refuses a token signed by another key under a known kid', async () => {
    expect(await verifier()(await sign(stranger))).toBeNull();
  });

  it('refuses garbage without fetching the key set', async () => {
    const verify = verifier();
    for (const junk of ['', 'garbage', 'a.b', 'a.b.c.d.e', 'a..c', '..', 'ä.b.c', 'a.b.c ']) {
      expect(await verify(junk)).toBeNull();
    }
    expect(requests).toBe(0);
    // Shaped like a JWS, but not one: refused by jose, still as a bad token, not an outage.
    for (const junk of ['a.b.c', `${encode({ alg: 'ES256' })}.e30.AAAA`, `${encode('x')}.e30.AAAA`]) {
      expect(await verify(junk)).toBeNull();
    }
  });

  it('refuses a token whose kid is unknown, even after fetching the set again', async () => {
    const verify = verifier({ cooldown: 0 });
    expect(await verify(await sign(k2))).toBeNull();
    expect(requests).toBe(2);
  });

  it('during the cooldown, an unknown kid is refused without another fetch', async () => {
    const verify = verifier();
    expect(await verify(await sign(k1))).not.toBeNull();
    serve(k1, k2);
    expect(await verify(await sign(k2))).toBeNull();
    expect(requests).toBe(1);
  });

  it('picks up a new key, and refuses a retired one once the set is fetched again', async () => {
    const verify = verifier({ cooldown: 0 });
    const old = await sign(k1);
    expect(await verify(old)).not.toBeNull();
    serve(k2);
    // Until the set is fetched again, the cached copy still holds k1.
    expect(await verify(old)).not.toBeNull();
    expect(await verify(await sign(k2))).not.toBeNull();
    expect(await verify(old)).toBeNull();
    expect(requests).toBeGreaterThanOrEqual(2);
  });

  it('refetches after cacheMaxAge, dropping retired keys', async () => {
    const verify = verifier({ cacheMaxAge: 0 });
    const old = await sign(k1);
    expect(await verify(old)).not.toBeNull();
    serve(k2);
    expect(await verify(old)).toBeNull();
  });

  describe('an unreachable key set is an outage: it throws, never null', () => {
    async function outage(options: Partial<JwtVerifierOptions> = {}): Promise<Error> {
      const token = await sign(k1);
      const error = await verifier(options)(token).then(
        () => new Error('expected a rejection'),
        (reason: Error) => reason,
      );
      expect(error).toBeInstanceOf(Error);
      expect(isOAuthError(error)).toBe(false);
      expect(error.message).toMatch(/JSON Web Key Set/);
      expect(error.message).not.toContain(token);
      return error;
    }

    it('HTTP 500', async () => {
      answer = { status: 500, body: '{"error":"oops"}' };
      await outage();
    });

    it('a body that is not JSON', async () => {
      answer = { status: 200, body: '<html>maintenance</html>' };
      await outage();
    });

    it('JSON that is not a JWK Set', async () => {
      answer = { status: 200, body: '{"keys":"none"}' };
      await outage();
    });

    it('a timeout', async () => {
      answer = 'hang';
      const error = await outage({ timeoutMs: 50 });
      expect((error.cause as { code?: string }).code).toBe('ERR_JWKS_TIMEOUT');
    });

    it('a server that is down', async () => {
      const down = createServer();
      down.listen(0, '127.0.0.1');
      await once(down, 'listening');
      const port = (down.address() as AddressInfo).port;
      await new Promise((resolve) => down.close(resolve));
      await outage({ jwksUri: `http://127.0.0.1:${port}/jwks.json` });
    });

    it('recovers once the key set is back', async () => {
      const verify = verifier();
      answer = { status: 503, body: '' };
      await expect(verify(await sign(k1))).rejects.toThrow(/JSON Web Key Set/);
      serve(k1);
      expect(await verify(await sign(k1))).not.toBeNull();
    });
  });

  it('refuses unsafe or malformed options when created', () => {
    expect(() => jwtVerifier({ issuer: '' })).toThrow(TypeError);
    expect(() => jwtVerifier({ issuer: ISSUER, algorithms: ['none'] })).toThrow(/none/);
    expect(() => jwtVerifier({ issuer: ISSUER, algorithms: ['ES256', 'HS256'] })).toThrow(/HS256/);
    expect(() => jwtVerifier({ issuer: ISSUER, algorithms: [] })).toThrow(TypeError);
    expect(() => jwtVerifier({ issuer: ISSUER, audience: [''] })).toThrow(TypeError);
    expect(() => jwtVerifier({ issuer: ISSUER, cooldown: -1 })).toThrow(TypeError);
    expect(() => jwtVerifier({ issuer: ISSUER, timeoutMs: 0.5 })).toThrow(TypeError);
    expect(() => jwtVerifier({ issuer: ISSUER, jwksUri: 'not a url' })).toThrow(TypeError);
    expect(() => jwtVerifier({ issuer: 'id.example.test' })).toThrow(TypeError);
  });
});
