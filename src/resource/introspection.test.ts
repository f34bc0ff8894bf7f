import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../protocol/clock.js';
import { isOAuthError } from '../protocol/errors.js';
import { type IntrospectionVerifierOptions, introspectionVerifier } from './introspection.js';

const clock = fakeClock(1_800_000_000);

interface Seen {
  method: string | undefined;
  headers: IncomingMessage['headers'];
  form: URLSearchParams;
}

/** What the endpoint answers for a token; tests replace it to simulate states and outages. */
let answer: (token: string) => { status: number; body: string } | 'hang';
let seen: Seen[] = [];
let server: Server;
let endpoint: string;

/** Latchkey's answer for an active user token. */
function active(claims: Record<string, unknown> = {}) {
  const now = clock.now();
  const body = {
    active: true,
    client_id: 'shop',
    sub: 'u1',
    username: 'alice',
    scope: 'orders:read profile',
    token_type: 'Bearer',
    iat: now - 10,
    exp: now + 3600,
    iss: 'https://id.example.test',
    ...claims,
  };
  return { status: 200, body: JSON.stringify(body) };
}

const inactive = { status: 200, body: '{"active":false}' };

beforeAll(async () => {
  server = createServer(async (request, response) => {
    let raw = '';
    for await (const chunk of request) raw += chunk;
    const form = new URLSearchParams(raw);
    seen.push({ method: request.method, headers: request.headers, form });
    const reply = answer(form.get('token') ?? '');
    if (reply === 'hang') return;
    response.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/introspect`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  clock.set(1_800_000_000);
  seen = [];
  answer = (token) => (token.startsWith('good') ? active() : inactive);
});

function verifier(options: Partial<IntrospectionVerifierOptions> = {}) {
  return introspectionVerifier({
    introspectionEndpoint: endpoint,
    clientId: 'orders-api',
    clientSecret: 's3cret',
    clock,
    ...options,
  });
}

describe('introspectionVerifier', () => {
  it('an active token: its details, from a well-formed RFC 7662 request', async () => {
    expect(await verifier()('good-1')).toEqual({
      clientId: 'shop',
      userId: 'u1',
      username: 'alice',
      scope: ['orders:read', 'profile'],
      issuedAt: clock.now() - 10,
      expiresAt: clock.now() + 3600,
    });
    const [request] = seen;
    expect(request!.method).toBe('POST');
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request!.headers.authorization).toBe(`Basic ${btoa('orders-api:s3cret')}`);
    expect(Object.fromEntries(request!.form)).toEqual({ token: 'good-1', token_type_hint: 'access_token' });
  });

  it('an inactive token: null', async () => {
    expect(await verifier()('revoked')).toBeNull();
  });

  it('a client token (no sub): no user', async () => {
    answer = () => active({ sub: undefined, username: undefined });
    expect(await verifier()('good')).toMatchObject({ clientId: 'shop', userId: null, username: null });
  });

  it.each([
    ['a refresh token', { token_type: 'refresh_token' }],
    ['no client_id', { client_id: undefined }],
    ['no exp', { exp: undefined }],
    ['an ill-typed scope', { scope: ['orders:read'] }],
    ['an exp already past by our clock', { exp: 1_800_000_000 }],
  ])('an active answer with %s: null', async (_case, claims) => {
    answer = () => active(claims);
    expect(await verifier()('good')).toBeNull();
  });

  it('accepts token_type access_token and a missing token_type or iat', async () => {
    answer = () => active({ token_type: 'access_token' });
    expect(await verifier()('good')).not.toBeNull();
    answer = () => active({ token_type: undefined, iat: undefined });
    expect(await verifier()('good')).toMatchObject({ issuedAt: clock.now() });
  });

  it('caches an active answer, giving each caller its own copy', async () => {
    const verify = verifier();
    const first = await verify('good-1');
    first!.scope.push('admin');
    expect(await verify('good-1')).toMatchObject({ scope: ['orders:read', 'profile'] });
    expect(seen).toHaveLength(1);
  });

  it('caches an inactive answer too', async () => {
    const verify = verifier();
    expect(await verify('revoked')).toBeNull();
    expect(await verify('revoked')).toBeNull();
    expect(seen).toHaveLength(1);
  });

  it('asks again once cacheTtl has passed', async () => {
    const verify = verifier({ cacheTtl: 30 });
    await verify('good-1');
    clock.advance(29);
    await verify('good-1');
    expect(seen).toHaveLength(1);
    answer = () => inactive;
    clock.advance(1);
    expect(await verify('good-1')).toBeNull();
    expect(seen).toHaveLength(2);
  });

  it('never reuses an active answer past the token’s exp', async () => {
    answer = () => active({ exp: clock.now() + 10 });
    const verify = verifier({ cacheTtl: 30 });
    expect(await verify('good-1')).not.toBeNull();
    clock.advance(9);
    expect(await verify('good-1')).not.toBeNull();
    answer = () => inactive;
    clock.advance(1);
    expect(await verify('good-1')).toBeNull();
    expect(seen).toHaveLength(2);
  });

  it('cacheTtl 0: every check asks', async () => {
    const verify = verifier({ cacheTtl: 0 });
    await verify('good-1');
    await verify('good-1');
    await verify('revoked');
    await verify('revoked');
    expect(seen).toHaveLength(4);
  });

  it('drops the oldest answer when the cache is full', async () => {
    const verify = verifier({ cacheSize: 2 });
    for (const token of ['good-a', 'good-b', 'good-c', 'good-b', 'good-c']) await verify(token);
    expect(seen).toHaveLength(3);
    await verify('good-a');
    expect(seen).toHaveLength(4);
  });

  it('concurrent checks of one token share one request', async () => {
    for (const cacheTtl of [30, 0]) {
      seen = [];
      const verify = verifier({ cacheTtl });
      const results = await Promise.all(Array.from({ length: 10 }, () => verify('good-1')));
      expect(seen).toHaveLength(1);
      expect(new Set(results.map((info) => info?.clientId))).toEqual(new Set(['shop']));
    }
  });

  it('form-encodes id and secret before Basic (RFC 6749 §2.3.1)', async () => {
    await verifier({ clientId: 'orders:api%1', clientSecret: 'p:ss%word+ /é' })('good-1');
    const basic = seen[0]!.headers.authorization!.replace(/^Basic /, '');
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    expect(decoded).toBe('orders%3Aapi%251:p%3Ass%25word%2B%20%2F%C3%A9');
    const [id, secret] = decoded.split(':').map((part) => decodeURIComponent(part.replace(/\+/g, ' ')));
    expect([id, secret]).toEqual(['orders:api%1', 'p:ss%word+ /é']);
  });

  describe('an endpoint that cannot answer is an outage: it throws and is not cached', () => {
    async function outage(options: Partial<IntrospectionVerifierOptions> = {}): Promise<void> {
      const verify = verifier(options);
      const error = await verify('good-secret-token').then(
        () => new Error('expected a rejection'),
        (reason: Error) => reason,
      );
      expect(error).toBeInstanceOf(Error);
      expect(isOAuthError(error)).toBe(false);
      expect(error.message).toMatch(/introspection endpoint/);
      expect(error.message).not.toContain('good-secret-token');
      expect(error.message).not.toContain('s3cret');
      answer = () => active();
      expect(await verify('good-secret-token')).not.toBeNull();
      expect(seen).toHaveLength(2);
    }

    it('HTTP 500', async () => {
      answer = () => ({ status: 500, body: '{"error":"server_error"}' });
      await outage();
    });

    it('HTTP 401 (this API’s own credentials are wrong)', async () => {
      answer = () => ({ status: 401, body: '{"error":"invalid_client"}' });
      await outage();
    });

    it('a body that is not JSON', async () => {
      answer = () => ({ status: 200, body: 'maintenance' });
      await outage();
    });

    it('JSON without a boolean active', async () => {
      answer = () => ({ status: 200, body: '{"active":"true"}' });
      await outage();
    });

    it('a timeout', async () => {
      answer = () => 'hang';
      await outage({ timeoutMs: 50 });
    });

    it('every coalesced caller sees the failure', async () => {
      answer = () => ({ status: 502, body: '' });
      const verify = verifier();
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => verify('good-1')));
      expect(results.every((result) => result.status === 'rejected')).toBe(true);
      expect(seen).toHaveLength(1);
    });

    it('a server that is down', async () => {
      const down = createServer();
      down.listen(0, '127.0.0.1');
      await once(down, 'listening');
      const port = (down.address() as AddressInfo).port;
      await new Promise((resolve) => down.close(resolve));
      const verify = verifier({ introspectionEndpoint: `http://127.0.0.1:${port}/oauth/introspect` });
      await expect(verify('good-1')).rejects.toThrow(/introspection endpoint/);
    });
  });

  it('refuses malformed options when created', () => {
    const base = { introspectionEndpoint: endpoint, clientId: 'a', clientSecret: 'b' };
    expect(() => introspectionVerifier({ ...base, introspectionEndpoint: 'not a url' })).toThrow(TypeError);
    expect(() => introspectionVerifier({ ...base, introspectionEndpoint: 'ftp://x/y' })).toThrow(TypeError);
    expect(() => introspectionVerifier({ ...base, clientId: '' })).toThrow(TypeError);
    expect(() => introspectionVerifier({ ...base, clientSecret: '' })).toThrow(TypeError);
    expect(() => introspectionVerifier({ ...base, cacheTtl: -1 })).toThrow(TypeError);
    expect(() => introspectionVerifier({ ...base, cacheSize: 0 })).toThrow(TypeError);
    expect(() => introspectionVerifier({ ...base, timeoutMs: Number.NaN })).toThrow(TypeError);
  });
});
