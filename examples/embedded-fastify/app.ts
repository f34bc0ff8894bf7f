/**
 * "Notes": an existing Fastify app with its own users and its own login, which becomes an OAuth
 * 2.1 / OpenID Connect provider by registering Latchkey. Only the block marked "Latchkey" is new:
 * the app keeps its login page, its session cookie and its user table, and Latchkey asks them.
 */

import { randomBytes, timingSafeEqual } from 'node:crypto';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { type AuthServer, createAuthServer, type PagesOption } from '../../src/index.js';
import { Sessions, UserTable } from './users.js';

export interface NotesAppOptions {
  /** This app's public origin, e.g. https://notes.example.com: Latchkey's issuer. */
  issuer: string;
  /** Latchkey's database; default: in memory. */
  databaseUrl?: string;
  /** Custom or restyled Latchkey pages. */
  pages?: PagesOption;
  /** Clients that are part of this app and skip the consent page. */
  firstPartyClients?: string[];
}

export interface NotesApp {
  app: FastifyInstance;
  users: UserTable;
  latchkey: AuthServer;
  /** What the app saw of Latchkey's events, for its own audit trail. */
  events: string[];
  close(): Promise<void>;
}

const SESSION_COOKIE = 'notes_session';
const CSRF_COOKIE = 'notes_csrf';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Where the login page may send the browser back to: Latchkey's sign-in in progress, or home.
 * Nothing else — a "local path" check such as startsWith('/') lets `/\evil.com` through, which
 * browsers read as //evil.com: an open redirect on the provider's own origin.
 */
const safeNext = (next: unknown) =>
  typeof next === 'string' && /^\/interaction\/[A-Za-z0-9_-]+$/.test(next) ? next : '/';

/** Double-submit CSRF token: a random cookie, echoed by the form (a login form needs one too). */
function csrfFor(request: FastifyRequest, reply: FastifyReply): string {
  const existing = request.cookies[CSRF_COOKIE];
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const token = randomBytes(32).toString('base64url');
  reply.setCookie(CSRF_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax' });
  return token;
}

function csrfMatches(request: FastifyRequest, sent: unknown): boolean {
  const cookie = request.cookies[CSRF_COOKIE];
  if (typeof sent !== 'string' || !cookie || sent.length !== cookie.length) return false;
  return timingSafeEqual(Buffer.from(sent), Buffer.from(cookie));
}

function loginPage(next: string, csrf: string, error: string | null): string {
  return `<!doctype html><html><head><title>Sign in to Notes</title></head><body>
<h1>Sign in to Notes</h1>${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/login">
<input type="hidden" name="next" value="${escapeHtml(next)}">
<input type="hidden" name="csrf_token" value="${escapeHtml(csrf)}">
<label>Email <input name="email" type="email"></label>
<label>Password <input name="password" type="password"></label>
<button>Sign in</button></form></body></html>`;
}

export async function createNotesApp(options: NotesAppOptions): Promise<NotesApp> {
  const users = new UserTable();
  const sessions = new Sessions();
  const events: string[] = [];
  const app = Fastify();
  await app.register(cookie);
  await app.register(formbody);

  const sessionOf = (request: FastifyRequest) => sessions.get(request.cookies[SESSION_COOKIE]);

  // ---- the app as it was: home, login, logout ----
  app.get('/', async (request, reply) => {
    const user = sessionOf(request) && users.find(sessionOf(request)!.userId);
    return reply
      .type('text/html')
      .send(user ? `<p>Hello ${escapeHtml(user.displayName)}</p>` : '<a href="/login">Sign in</a>');
  });
  app.get<{ Querystring: { next?: string } }>('/login', async (request, reply) =>
    reply.type('text/html').send(loginPage(safeNext(request.query.next), csrfFor(request, reply), null)),
  );
  app.post<{ Body: { email?: string; password?: string; next?: string; csrf_token?: string } }>(
    '/login',
    async (request, reply) => {
      const next = safeNext(request.body?.next);
      if (!csrfMatches(request, request.body?.csrf_token))
        return reply.code(403).type('text/html').send('This form has expired: go back and reload it.');
      const user = users.check(String(request.body?.email ?? ''), String(request.body?.password ?? ''));
      if (!user)
        return reply
          .code(401)
          .type('text/html')
          .send(loginPage(next, csrfFor(request, reply), 'Wrong email or password'));
      reply.setCookie(SESSION_COOKIE, sessions.create(user.id), {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
      });
      return reply.redirect(next, 303);
    },
  );
  app.post('/logout', async (request, reply) => {
    sessions.delete(request.cookies[SESSION_COOKIE]);
    return reply.clearCookie(SESSION_COOKIE, { path: '/' }).redirect('/', 303);
  });

  // ---- Latchkey: the app becomes an OpenID Connect provider for its own users ----
  const firstParty = new Set(options.firstPartyClients ?? []);
  const latchkey = await createAuthServer<FastifyRequest>({
    config: { issuer: options.issuer, logLevel: 'silent', providerName: 'Notes' },
    database: options.databaseUrl ?? 'sqlite::memory:',
    accounts: {
      findAccount(id) {
        const user = users.find(id);
        return user
          ? {
              id: user.id,
              username: user.email,
              claims: { name: user.displayName, email: user.email, email_verified: true },
            }
          : null;
      },
      getCurrentUser(request) {
        const session = sessionOf(request);
        return session
          ? {
              accountId: session.userId,
              authTime: session.signedInAt,
              sessionId: session.sid,
            }
          : null;
      },
      loginUrl: (returnTo) => `/login?next=${encodeURIComponent(returnTo)}`,
      signOut(request) {
        sessions.delete(request.cookies[SESSION_COOKIE]);
      },
    },
    pages: options.pages,
    hooks: {
      consent: ({ clientId }) => (firstParty.has(clientId) ? 'skip' : 'default'),
      events: {
        tokenIssued: (e) => void events.push(`tokenIssued ${e.clientId} ${e.grantType}`),
        consentGranted: (e) => void events.push(`consentGranted ${e.clientId}`),
      },
    },
  });
  await app.register(latchkey.fastifyPlugin);

  return {
    app,
    users,
    latchkey,
    events,
    async close() {
      await app.close();
      await latchkey.close();
      users.close();
    },
  };
}
