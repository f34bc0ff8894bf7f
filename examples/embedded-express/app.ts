/**
 * "Shop": an existing Express app with its own users (a Map with scrypt hashes) and its own login
 * on express-session, which becomes an OpenID Connect provider by mounting Latchkey's handler.
 * Only the block marked "Latchkey" is new. The handler goes after the session middleware (so
 * getCurrentUser can read req.session) and before any body parser (Latchkey reads its own bodies).
 */
import { randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import express, { type Request } from 'express';
import session from 'express-session';
import { type AuthServer, createAuthServer, type PagesOption } from '../../src/index.js';

declare module 'express-session' {
  interface SessionData {
    userId?: string;
    /** When the user signed in, seconds since the epoch. */
    signedInAt?: number;
    /** The login form's CSRF token. */
    csrfToken?: string;
    /** An opaque id of this sign-in, for Latchkey's `sid` (never the session cookie). */
    signInId?: string;
  }
}

export interface ShopUser {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
}

export interface ShopAppOptions {
  /** This app's public origin: Latchkey's issuer. */
  issuer: string;
  databaseUrl?: string;
  pages?: PagesOption;
}

export interface ShopApp {
  app: express.Express;
  latchkey: AuthServer;
  addUser(email: string, name: string, password: string): ShopUser;
  listen(port: number): Promise<Server>;
  close(): Promise<void>;
}

const hash = (password: string, salt = randomBytes(16).toString('base64url')) =>
  `${salt}:${scryptSync(password, salt, 32).toString('base64url')}`;
function matches(stored: string, password: string): boolean {
  const a = Buffer.from(stored);
  const b = Buffer.from(hash(password, stored.split(':')[0]));
  return a.length === b.length && timingSafeEqual(a, b);
}
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/**
 * Where the login page may send the browser back to: Latchkey's sign-in in progress, or home.
 * Nothing else — a "local path" check such as startsWith('/') lets `/\evil.com` through, which
 * browsers read as //evil.com: an open redirect on the provider's own origin.
 */
const safeNext = (next: unknown) =>
  typeof next === 'string' && /^\/interaction\/[A-Za-z0-9_-]+$/.test(next) ? next : '/';

/** The login form's CSRF token, kept in the session (a login form needs one too). */
function csrfOf(req: Request): string {
  req.session.csrfToken ??= randomBytes(32).toString('base64url');
  return req.session.csrfToken;
}

function csrfMatches(req: Request, sent: unknown): boolean {
  const expected = req.session.csrfToken;
  if (typeof sent !== 'string' || !expected || sent.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
}

function loginPage(next: string, csrf: string, error: string | null): string {
  return `<!doctype html><html><head><title>Sign in to Shop</title></head><body>
<h1>Sign in to Shop</h1>${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/login"><input type="hidden" name="next" value="${escapeHtml(next)}">
<input type="hidden" name="csrf_token" value="${escapeHtml(csrf)}">
<label>Email <input name="email"></label><label>Password <input name="password" type="password"></label>
<button>Sign in</button></form></body></html>`;
}

export async function createShopApp(options: ShopAppOptions): Promise<ShopApp> {
  const users = new Map<string, ShopUser>();
  const byEmail = (email: string) => [...users.values()].find((u) => u.email === email) ?? null;
  const app = express();
  app.use(
    session({
      secret: randomBytes(32).toString('hex'),
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax' },
    }),
  );

  // ---- Latchkey: mounted at the root, before the body parsers ----
  const latchkey = await createAuthServer<Request>({
    config: { issuer: options.issuer, logLevel: 'silent', providerName: 'Shop' },
    database: options.databaseUrl ?? 'sqlite::memory:',
    accounts: {
      findAccount(id) {
        const user = users.get(id);
        return user ? { id, username: user.email, claims: { name: user.name, email: user.email } } : null;
      },
      getCurrentUser: (req) =>
        req.session.userId && req.session.signedInAt !== undefined
          ? {
              accountId: req.session.userId,
              authTime: req.session.signedInAt,
              sessionId: req.session.signInId,
            }
          : null,
      loginUrl: (returnTo) => `/login?next=${encodeURIComponent(returnTo)}`,
      signOut: (req) =>
        new Promise<void>((resolve, reject) => req.session.destroy((e) => (e ? reject(e) : resolve()))),
    },
    pages: options.pages,
  });
  app.use(latchkey.handler);

  // ---- the app as it was ----
  app.use(express.urlencoded({ extended: false }));
  app.get('/', (req, res) => {
    const user = req.session.userId ? users.get(req.session.userId) : undefined;
    res.type('html').send(user ? `<p>Hello ${escapeHtml(user.name)}</p>` : '<a href="/login">Sign in</a>');
  });
  app.get('/login', (req, res) => {
    res.type('html').send(loginPage(safeNext(req.query.next), csrfOf(req), null));
  });
  app.post('/login', (req, res, next) => {
    const body = req.body as Record<string, unknown>;
    const target = safeNext(body.next);
    if (!csrfMatches(req, body.csrf_token)) {
      res.status(403).type('html').send('This form has expired: go back and reload it.');
      return;
    }
    const user = byEmail(String(body.email ?? ''));
    if (!user || !matches(user.passwordHash, String(body.password ?? ''))) {
      res
        .status(401)
        .type('html')
        .send(loginPage(target, csrfOf(req), 'Wrong email or password'));
      return;
    }
    // A new session id at sign-in (no session fixation).
    req.session.regenerate((error) => {
      if (error) return next(error);
      req.session.userId = user.id;
      req.session.signedInAt = Math.floor(Date.now() / 1000);
      req.session.signInId = randomUUID();
      res.redirect(303, target);
    });
  });

  let server: Server | null = null;
  return {
    app,
    latchkey,
    addUser(email, name, password) {
      const user = { id: randomUUID(), email, name, passwordHash: hash(password) };
      users.set(user.id, user);
      return user;
    },
    listen: (port) =>
      new Promise((resolve) => {
        server = app.listen(port, '127.0.0.1', () => resolve(server!));
      }),
    async close() {
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
      await latchkey.close();
    },
  };
}
