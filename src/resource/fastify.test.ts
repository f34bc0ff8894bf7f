import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../protocol/clock.js';
import type { AccessTokenInfo } from '../protocol/types.js';
import { requireAccessToken, resourceServer } from './fastify.js';
import type { TokenVerifier } from './verify.js';

const clock = fakeClock(1_800_000_000);

const alice: AccessTokenInfo = {
  clientId: 'app',
  userId: 'u1',
  username: 'alice',
  scope: ['openid', 'profile'],
  issuedAt: clock.now() - 10,
  expiresAt: clock.now() + 3600,
};

/** A fake verifier: one good token, one that simulates an outage, everything else unknown. */
const verify: TokenVerifier = async (token) => {
  if (token === 'outage') throw new Error('database is down');
  return token === 'good-token' ? alice : null;
};

let app: FastifyInstance;

afterEach(async () => {
  await app?.close();
});

async function build(): Promise<{ app: FastifyInstance; handled: unknown[] }> {
  const handled: unknown[] = [];
  app = Fastify();
  await app.register(resourceServer, { verify, realm: 'api', clock });
  app.setErrorHandler((error, _request, reply) => {
    handled.push(error);
    return reply.code(503).send({ error: 'temporarily_unavailable' });
  });
  app.get('/me', { preHandler: requireAccessToken() }, async (request) => ({ token: request.accessToken }));
  app.get('/profile', { preHandler: requireAccessToken({ scopes: ['profile', 'email'] }) }, async () => 'ok');
  app.get('/open', async (request) => ({ token: request.accessToken }));
  // Guarded routes inside an encapsulated child plugin see the decorators too (skip-override).
  await app.register(async (child) => {
    child.get<{ Params: { id: string } }>(
      '/child/:id',
      { preHandler: requireAccessToken({ scopes: ['openid'] }) },
      async (request) => ({ id: request.params.id, user: request.accessToken?.username }),
    );
  });
  return { app, handled };
}

describe('resourceServer + requireAccessToken', () => {
  it('valid token: 200 and request.accessToken set', async () => {
    await build();
    const response = await app.inject({ url: '/me', headers: { authorization: 'Bearer good-token' } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ token: alice });
  });

  it('unguarded routes see request.accessToken as null', async () => {
    await build();
    const response = await app.inject({ url: '/open', headers: { authorization: 'Bearer good-token' } });
    expect(response.json()).toEqual({ token: null });
  });

  it('garbage token: 401 invalid_token with the challenge', async () => {
    await build();
    const response = await app.inject({ url: '/me', headers: { authorization: 'Bearer garbage' } });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="invalid_token"/);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toEqual({
      error: 'invalid_token',
      error_description: 'the access token is invalid, expired or revoked',
    });
  });

  it('missing header: 401 with Bearer realm= and no error attribute', async () => {
    await build();
    const response = await app.inject({ url: '/me' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('malformed header: 400 invalid_request', async () => {
    await build();
    const response = await app.inject({ url: '/me', headers: { authorization: 'Bearer two tokens' } });
    expect(response.statusCode).toBe(400);
    expect(response.headers['www-authenticate']).toMatch(/error="invalid_request"/);
    expect(response.json().error).toBe('invalid_request');
  });

  it('wrong scope: 403 insufficient_scope with scope=', async () => {
    await build();
    const response = await app.inject({ url: '/profile', headers: { authorization: 'Bearer good-token' } });
    expect(response.statusCode).toBe(403);
    expect(response.headers['www-authenticate']).toContain('error="insufficient_scope"');
    expect(response.headers['www-authenticate']).toContain('scope="profile email"');
    expect(response.json()).toEqual({
      error: 'insufficient_scope',
      error_description: 'the access token lacks the scope: email',
    });
  });

  it('verifier throwing a plain Error: the error handler gets it, not a 401', async () => {
    const { handled } = await build();
    const response = await app.inject({ url: '/me', headers: { authorization: 'Bearer outage' } });
    expect(response.statusCode).toBe(503);
    expect(response.headers['www-authenticate']).toBeUndefined();
    expect(handled).toHaveLength(1);
    expect((handled[0] as Error).message).toBe('database is down');
  });

  it('guards routes of encapsulated child plugins', async () => {
    await build();
    const ok = await app.inject({ url: '/child/7', headers: { authorization: 'Bearer good-token' } });
    expect(ok.json()).toEqual({ id: '7', user: 'alice' });
    const denied = await app.inject({ url: '/child/7' });
    expect(denied.statusCode).toBe(401);
  });

  it('without the plugin registered, a guarded route fails loudly, not open', async () => {
    app = Fastify();
    app.get('/me', { preHandler: requireAccessToken() }, async () => 'secret');
    const response = await app.inject({ url: '/me', headers: { authorization: 'Bearer good-token' } });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret');
  });

  it('rejects a malformed scope list when the route is defined', () => {
    expect(() => requireAccessToken({ scopes: ['profile email'] })).toThrow(TypeError);
  });

  it('rejects registration without a verifier', async () => {
    app = Fastify();
    // @ts-expect-error: verify is required
    await expect(app.register(resourceServer, { realm: 'api' })).rejects.toThrow(/verify/);
  });
});
