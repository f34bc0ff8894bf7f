/**
 * The code of docs/resource-server.md, compiled and run, so the guide cannot drift from the API.
 * Keep the bodies below in step with the guide. Differences, on purpose: imports come from
 * './index.js' (the guide's 'latchkey/resource' resolves to the built dist/), the verifier is a
 * parameter so tests can pass a double, and Express is played by the stand-in types below
 * (express is no dependency of Latchkey) over a real node:http server.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type AccessTokenInfo,
  introspectionVerifier,
  isOAuthError,
  jwtVerifier,
  requireAccessToken,
  resourceServer,
  type TokenVerifier,
  verifyAccessToken,
} from './index.js';

const NOW = Math.floor(Date.now() / 1000);
const reader: AccessTokenInfo = {
  clientId: 'shop',
  userId: 'u1',
  username: 'alice',
  scope: ['orders:read'],
  issuedAt: NOW,
  expiresAt: NOW + 600,
};
const verifyDouble: TokenVerifier = async (token) => {
  if (token === 'outage') throw new Error('latchkey/resource: the introspection endpoint cannot answer');
  return token === 'reader' ? reader : null;
};

// ---- the guide's verifiers: they must type-check (and need no network until used) ----
function documentedVerifiers(): TokenVerifier[] {
  return [
    jwtVerifier({
      issuer: 'https://id.example.com',
      // The `aud` Latchkey puts in its JWTs: LATCHKEY_ACCESS_TOKEN_AUDIENCE, or the issuer if unset.
      audience: 'https://orders.example.com',
    }),
    introspectionVerifier({
      introspectionEndpoint: 'https://id.example.com/oauth/introspect',
      clientId: process.env.ORDERS_API_CLIENT_ID ?? '',
      clientSecret: process.env.ORDERS_API_CLIENT_SECRET ?? '',
    }),
  ];
}

// ---- the guide's Fastify example ----
async function fastifyOrdersApi(verify: TokenVerifier): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(resourceServer, { verify, realm: 'orders' });

  app.setErrorHandler((error, request, reply) => {
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status < 500) return reply.send(error); // Fastify's own 4xx: bad JSON, body too large…
    request.log.error({ err: error }, 'request failed');
    return reply.code(503).header('Retry-After', '5').send({ error: 'temporarily_unavailable' });
  });

  app.get('/orders', { preHandler: requireAccessToken({ scopes: ['orders:read'] }) }, async (request) => {
    const token = request.accessToken!;
    return { user: token.userId, client: token.clientId, scope: token.scope };
  });

  app.post('/orders', { preHandler: requireAccessToken({ scopes: ['orders:write'] }) }, async (request) => {
    return { created: true, by: request.accessToken!.username };
  });
  return app;
}

// ---- stand-ins for the members of express's types the guide uses ----
type Request = IncomingMessage;
interface Response {
  locals: Record<string, unknown>;
  status(code: number): Response;
  set(field: string | Record<string, string>, value?: string): Response;
  json(body: unknown): Response;
}
type NextFunction = (error?: unknown) => void;

// ---- the guide's Express example ----
function expressOrdersApi(verify: TokenVerifier) {
  function requireToken(scopes: string[] = []) {
    return async (req: Request, res: Response, next: NextFunction) => {
      try {
        res.locals.accessToken = await verifyAccessToken(req, { verify, scopes, realm: 'orders' });
        next();
      } catch (error) {
        if (!isOAuthError(error)) return next(error); // the provider is down: the error handler
        res
          .status(error.status)
          .set({ ...error.headers, 'Cache-Control': 'no-store' })
          .json(error.toJSON());
      }
    };
  }
  const listOrders = (_req: Request, res: Response) => {
    const token = res.locals.accessToken as AccessTokenInfo;
    res.json({ user: token.userId, client: token.clientId });
  };
  const errorHandler = (_error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status(503).set('Retry-After', '5').json({ error: 'temporarily_unavailable' });
  };
  return { guard: requireToken(['orders:read']), listOrders, errorHandler };
}

/** The little of Express the example needs: run guard → route, or guard → error handler. */
function expressLike(api: ReturnType<typeof expressOrdersApi>) {
  return (req: IncomingMessage, raw: ServerResponse) => {
    const res: Response = {
      locals: {},
      status(code) {
        raw.statusCode = code;
        return res;
      },
      set(field, value) {
        const headers = typeof field === 'string' ? { [field]: value ?? '' } : field;
        for (const [name, v] of Object.entries(headers)) raw.setHeader(name, v);
        return res;
      },
      json(body) {
        raw.setHeader('Content-Type', 'application/json');
        raw.end(JSON.stringify(body));
        return res;
      },
    };
    void api.guard(req, res, (error) =>
      error === undefined ? api.listOrders(req, res) : api.errorHandler(error, req, res, () => {}),
    );
  };
}

interface Answer {
  status: number;
  challenge: string | null;
  cacheControl: string | null;
  body: unknown;
}

/** The guide's wire table, as both examples must produce it. */
const table: [string, string | undefined, string, Partial<Answer>][] = [
  ['200 for a good token', 'Bearer reader', 'GET', { status: 200, challenge: null }],
  [
    '401 without a token',
    undefined,
    'GET',
    {
      status: 401,
      challenge: 'Bearer realm="orders"',
      cacheControl: 'no-store',
      body: { error: 'invalid_token', error_description: 'the request carries no bearer access token' },
    },
  ],
  ['401 for Basic credentials', 'Basic YTpi', 'GET', { status: 401, challenge: 'Bearer realm="orders"' }],
  ['400 for a malformed header', 'Bearer', 'GET', { status: 400, cacheControl: 'no-store' }],
  [
    '401 for a bad token',
    'Bearer forged',
    'GET',
    {
      status: 401,
      challenge:
        'Bearer realm="orders", error="invalid_token", error_description="the access token is invalid, expired or revoked"',
      cacheControl: 'no-store',
      body: { error: 'invalid_token', error_description: 'the access token is invalid, expired or revoked' },
    },
  ],
  [
    '403 without the scope',
    'Bearer reader',
    'POST',
    {
      status: 403,
      challenge:
        'Bearer realm="orders", error="insufficient_scope", error_description="the access token lacks the scope: orders:write", scope="orders:write"',
      cacheControl: 'no-store',
    },
  ],
  [
    '503 when the provider is down',
    'Bearer outage',
    'GET',
    { status: 503, challenge: null, body: { error: 'temporarily_unavailable' } },
  ],
];

describe('docs/resource-server.md', () => {
  it('the documented verifiers are TokenVerifiers', () => {
    vi.stubEnv('ORDERS_API_CLIENT_ID', 'orders-api');
    vi.stubEnv('ORDERS_API_CLIENT_SECRET', 'secret');
    try {
      for (const verify of documentedVerifiers()) expect(typeof verify).toBe('function');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  describe('Fastify example', () => {
    let app: FastifyInstance;
    beforeAll(async () => {
      app = await fastifyOrdersApi(verifyDouble);
    });
    afterAll(() => app.close());

    it.each(table)('%s', async (_case, authorization, method, expected) => {
      const response = await app.inject({
        method: method as 'GET' | 'POST',
        url: '/orders',
        headers: authorization === undefined ? {} : { authorization },
      });
      const answer: Answer = {
        status: response.statusCode,
        challenge: (response.headers['www-authenticate'] as string | undefined) ?? null,
        cacheControl: (response.headers['cache-control'] as string | undefined) ?? null,
        body: response.json(),
      };
      expect(answer).toMatchObject(expected);
    });
  });

  describe('Express example', () => {
    const server = createServer(expressLike(expressOrdersApi(verifyDouble)));
    let url: string;
    beforeAll(async () => {
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    // The Express example guards one route; POST reuses it with the orders:read guard, so skip 403.
    it.each(table.filter(([name]) => !name.startsWith('403')))(
      '%s',
      async (_case, authorization, _m, expected) => {
        const response = await fetch(url, { headers: authorization === undefined ? {} : { authorization } });
        const answer: Answer = {
          status: response.status,
          challenge: response.headers.get('www-authenticate'),
          cacheControl: response.headers.get('cache-control'),
          body: await response.json(),
        };
        expect(answer).toMatchObject(expected);
      },
    );
  });
});
