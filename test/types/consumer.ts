/**
 * A consumer of Latchkey's public types, compiled by `npm run typecheck` with its own tsconfig.
 * It imports the two entries the package exports (`.` is src/index.ts and `./resource` is
 * src/resource/index.ts, built to dist/; src/embedding/embedding.test.ts checks the exports map
 * has no others), and each `@ts-expect-error` is something a consumer must not be able to write.
 */
import type { IncomingMessage } from 'node:http';
import express from 'express';
import Fastify, { type FastifyRequest } from 'fastify';
import {
  type AccountAdapter,
  type AuthServer,
  type ConsentView,
  createAuthServer,
  type ExtraClaims,
  type LoginView,
  OAuthError,
} from '../../src/index.js';
import { jwtVerifier, requireAccessToken } from '../../src/resource/index.js';

export async function fastifyHost(): Promise<AuthServer> {
  const app = Fastify();
  const server = await createAuthServer<FastifyRequest>({
    config: { issuer: 'https://app.example.com' },
    database: 'sqlite:./latchkey.db',
    accounts: {
      findAccount: async (id) => ({
        id,
        username: 'ada',
        claims: { email: 'ada@example.com', email_verified: true },
      }),
      getCurrentUser: (request) => {
        const id = request.cookies?.session;
        return id ? { accountId: id, authTime: 1_700_000_000 } : null;
      },
      loginUrl: (returnTo, { reauthenticate }) =>
        `/login?next=${encodeURIComponent(returnTo)}&fresh=${reauthenticate}`,
    },
    hooks: {
      events: {
        tokenIssued: (event) => {
          const kind: 'tokenIssued' = event.type;
          const scope: string[] = event.scope;
          void [kind, scope, event.accountId?.length];
        },
        loginFailed: async (event) => void event.reason,
      },
      claims: ({ token, accountId }) =>
        token === 'id_token' ? { tenant: 'acme', roles: [accountId ?? 'x'] } : undefined,
      consent: ({ clientId }) => (clientId === 'first-party' ? 'skip' : 'default'),
    },
    pages: {
      consent: (view: ConsentView) =>
        `<form action="${view.action}">${view.csrfToken}${view.interactionId}</form>`,
      login: async (view: LoginView) => `<p>${view.error ?? ''}</p>`,
      style: { stylesheetUrl: 'https://cdn.example.com/brand.css', colors: { primary: '#0a7f5a' } },
    },
  });
  await app.register(server.fastifyPlugin);
  return server;
}

export async function expressHost(): Promise<void> {
  const app = express();
  const accounts: AccountAdapter<express.Request> = {
    findAccount: (id) => (id === '1' ? { id } : null),
    verifyCredentials: (username, password) => (username === password ? '1' : { failure: 'wrong_password' }),
  };
  const server = await createAuthServer<express.Request>({ accounts });
  app.use(server.handler);
  const paths: readonly string[] = server.paths.prefixes;
  void paths;
}

export function claimsThatMustNotCompile(): ExtraClaims[] {
  return [
    { roles: ['admin'], nested: { ok: true, n: 1, none: null } },
    // @ts-expect-error reserved: Latchkey sets iss
    { iss: 'https://evil.example' },
    // @ts-expect-error reserved: Latchkey sets sub
    { sub: 'someone-else' },
    // @ts-expect-error reserved: Latchkey sets exp
    { exp: 9_999_999_999 },
    // @ts-expect-error not a JSON value
    { when: new Date() },
  ];
}

export async function misuses(): Promise<void> {
  // @ts-expect-error findAccount is required
  await createAuthServer({ accounts: { verifyCredentials: () => null } });
  await createAuthServer({
    // @ts-expect-error getCurrentUser answers an accountId and authTime, not a bare id
    accounts: { findAccount: () => null, getCurrentUser: () => 'user-1', loginUrl: () => '/login' },
  });
  await createAuthServer({
    // @ts-expect-error the consent hook answers ask, skip or default
    hooks: { consent: () => true },
  });
  await createAuthServer({
    // @ts-expect-error there is no such event
    hooks: { events: { tokenMinted: () => {} } },
  });
  // The default request type is Node's.
  const node: AccountAdapter = {
    findAccount: () => null,
    getCurrentUser: (req: IncomingMessage) => (req.url ? null : null),
  };
  void node;
  // @ts-expect-error internals are not exported from the public entry
  const { builtInAccounts } = await import('../../src/index.js');
  void builtInAccounts;
  // @ts-expect-error the exports map has no deep paths: only `latchkey` and `latchkey/resource`
  await import('latchkey/services/login');
  void new OAuthError('invalid_request', 'still public');
  void requireAccessToken({ scopes: ['read'] });
  void jwtVerifier({ issuer: 'https://app.example.com', audience: 'https://api.example.com' });
}
