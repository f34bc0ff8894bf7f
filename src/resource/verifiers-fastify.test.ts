/**
 * Both verifiers wired into the Fastify plugin, end to end: 200, 401 invalid_token,
 * 403 insufficient_scope, and 503 from the host's error handler when the provider is down. The
 * provider is a `fetch` double here; jwt.test.ts and introspection.test.ts use real HTTP servers.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fakeClock } from '../protocol/clock.js';
import { requireAccessToken, resourceServer } from './fastify.js';
import { introspectionVerifier } from './introspection.js';
import { jwtVerifier } from './jwt.js';
import type { TokenVerifier } from './verify.js';

const ISSUER = 'https://id.example.test';
const AUDIENCE = 'https://orders.example.test';
const clock = fakeClock(1_800_000_000);

/** The provider's state, as the fetch doubles see it. */
let providerUp = true;
let publicJwk: JWK;
let signToken: (scope: string) => Promise<string>;

const providerFetch: typeof fetch = async (input, init) => {
  if (!providerUp) throw new TypeError('fetch failed');
  if (String(input).endsWith('/jwks.json')) return Response.json({ keys: [publicJwk] });
  const token = new URLSearchParams(String(init?.body)).get('token') ?? '';
  // Opaque tokens here are the scope they carry, with '~' for ':' (a b64token has no ':').
  const scope = /^opaque-(.*)$/.exec(token)?.[1]?.replace(/~/g, ':');
  if (scope === undefined) return Response.json({ active: false });
  const now = clock.now();
  return Response.json({
    active: true,
    client_id: 'shop',
    sub: 'u1',
    username: 'alice',
    scope,
    iat: now,
    exp: now + 60,
  });
};

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  publicJwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
  signToken = (scope) =>
    new SignJWT({ client_id: 'shop', username: 'alice', scope, jti: scope })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setSubject('u1')
      .setAudience(AUDIENCE)
      .setIssuedAt(clock.now())
      .setExpirationTime(clock.now() + 60)
      .sign(privateKey);
});

let app: FastifyInstance | undefined;

afterEach(async () => {
  providerUp = true;
  await app?.close();
});

async function ordersApi(verify: TokenVerifier, ownErrorHandler = true): Promise<FastifyInstance> {
  app = Fastify();
  await app.register(resourceServer, { verify, realm: 'orders', clock });
  if (ownErrorHandler) {
    app.setErrorHandler((_error, _request, reply) =>
      reply.code(503).header('Retry-After', '5').send({ error: 'temporarily_unavailable' }),
    );
  }
  app.get('/orders', { preHandler: requireAccessToken({ scopes: ['orders:read'] }) }, async (request) => ({
    user: request.accessToken?.username,
  }));
  return app;
}

const cases: [string, () => TokenVerifier, (scope: string) => Promise<string>][] = [
  [
    'jwtVerifier',
    () => jwtVerifier({ issuer: ISSUER, audience: AUDIENCE, clock, fetch: providerFetch }),
    (scope) => signToken(scope),
  ],
  [
    'introspectionVerifier',
    () =>
      introspectionVerifier({
        introspectionEndpoint: `${ISSUER}/oauth/introspect`,
        clientId: 'orders-api',
        clientSecret: 'secret',
        clock,
        fetch: providerFetch,
      }),
    async (scope) => `opaque-${scope.replace(/:/g, '~')}`,
  ],
];

describe.each(cases)('%s behind resourceServer', (_name, makeVerifier, tokenWith) => {
  const get = (token: string) =>
    app!.inject({ url: '/orders', headers: { authorization: `Bearer ${token}` } });

  it('200 for a token with the scope', async () => {
    await ordersApi(makeVerifier());
    const response = await get(await tokenWith('orders:read'));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ user: 'alice' });
  });

  it('401 invalid_token for an unknown token', async () => {
    await ordersApi(makeVerifier());
    const response = await get('not-a-token');
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="orders", error="invalid_token"/);
    expect(response.json().error).toBe('invalid_token');
  });

  it('403 insufficient_scope for a token without the scope', async () => {
    await ordersApi(makeVerifier());
    const response = await get(await tokenWith('profile'));
    expect(response.statusCode).toBe(403);
    expect(response.headers['www-authenticate']).toContain('scope="orders:read"');
    expect(response.json().error).toBe('insufficient_scope');
  });

  it('503 from the error handler when the provider is down, never a 401', async () => {
    await ordersApi(makeVerifier());
    const token = await tokenWith('orders:read');
    providerUp = false;
    const response = await get(token);
    expect(response.statusCode).toBe(503);
    expect(response.headers['www-authenticate']).toBeUndefined();
    expect(response.json()).toEqual({ error: 'temporarily_unavailable' });
  });

  it("503 from Fastify's default error handler too: the outage error carries statusCode 503", async () => {
    await ordersApi(makeVerifier(), false);
    const token = await tokenWith('orders:read');
    providerUp = false;
    const response = await get(token);
    expect(response.statusCode).toBe(503);
    expect(response.headers['www-authenticate']).toBeUndefined();
  });
});
