/**
 * The example client: a classic "Login with Latchkey" web app.
 *
 * It talks to Latchkey over HTTP only, like any third-party app would: OpenID Connect's
 * authorization code flow with PKCE S256, state and nonce, as a confidential client
 * (client_secret_basic), with its tokens and ID token kept in a server-side session, and logout at
 * Latchkey too (RP-Initiated Logout). Nothing here imports Latchkey's own code.
 */

import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import * as client from 'openid-client';
import { callbackHandler } from './callback.js';
import {
  type ClientContext,
  cookieOptions,
  csrfMatches,
  endSession,
  LOGOUT_COOKIE,
  loadSession,
  logoutStateMatches,
  providerErrorPage,
  sendError,
  sendPage,
  startSession,
} from './context.js';
import { createOAuthClient, ProviderError } from './oauth.js';
import { homePage, STYLESHEET } from './pages.js';
import { profileHandler } from './profile.js';
import { createSessionStore } from './session-store.js';

export interface ExampleClientOptions {
  /** Latchkey's issuer URL, e.g. http://localhost:9000 (no trailing slash). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** This app's public URL, e.g. http://localhost:5000; the redirect URI is baseUrl + '/callback'. */
  baseUrl: string;
  /** The protected API, e.g. http://localhost:9000/api/me. */
  apiUrl: string;
  /** SQLite file for server-side sessions, or ':memory:'. */
  sessionDbPath: string;
  /**
   * The scope to request, 'openid profile email' by default. Without `openid` the app is a plain
   * OAuth client: no nonce, ID token, UserInfo or logout at Latchkey (for an older registration).
   */
  scope?: string;
  logger?: boolean;
  /** Clock in epoch ms, for tests of token and session expiry. */
  now?: () => number;
}

// A login left unfinished this long (e.g. an abandoned consent page) can no longer complete.
const LOGIN_TTL_MS = 10 * 60 * 1000;
// Time to confirm the sign-out at Latchkey and come back, for the "You are signed out" note.
const LOGOUT_TTL_S = 10 * 60;

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  // The callback URL carries the authorization code; it must not leak through a Referer header.
  'referrer-policy': 'no-referrer',
};

// The callback URL carries the authorization code and the state: they must never reach a log
// (the state also comes back on `/` after logging out at Latchkey).
const LOGGER = {
  serializers: {
    req: (request: FastifyRequest) => ({
      method: request.method,
      url: request.url.replace(/([?&](?:code|state)=)[^&]*/g, '$1[redacted]'),
      remoteAddress: request.ip,
    }),
  },
};

/** Builds the app, not yet listening: the caller calls listen(). */
export async function createExampleClient(options: ExampleClientOptions): Promise<FastifyInstance> {
  const now = options.now ?? Date.now;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const redirectUri = new URL(`${baseUrl}/callback`).href;
  // RP-Initiated Logout §3: registered with Latchkey as one of the client's post_logout_redirect_uris.
  const postLogoutRedirectUri = new URL(`${baseUrl}/`).href;
  const sessions = createSessionStore({ path: options.sessionDbPath, now });
  const context: ClientContext = {
    issuer: options.issuer,
    apiUrl: options.apiUrl,
    redirectUri,
    secureCookies: new URL(baseUrl).protocol === 'https:',
    sessions,
    now,
    oauth: createOAuthClient({
      issuer: options.issuer,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      redirectUri,
      scope: options.scope,
      now,
    }),
  };

  const app = Fastify({ logger: options.logger ? LOGGER : false });
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);
  app.addHook('onClose', async () => sessions.close());

  app.addHook('onSend', async (request, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    // Pages show tokens' results and per-session CSRF tokens; no cache may keep them.
    if (request.url !== '/style.css') reply.header('cache-control', 'no-store');
    return payload;
  });

  app.setNotFoundHandler((_request, reply) =>
    sendError(reply, 404, { title: 'Not found', message: 'There is no page at this address.' }),
  );

  app.setErrorHandler((error: FastifyError, request, reply) => {
    // Fastify's own 4xx (unsupported media type, malformed body …) are the client's mistake.
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'unexpected error');
    return sendError(reply, status, {
      title: status === 500 ? 'Something went wrong' : 'Bad request',
      message: status === 500 ? 'The example app hit an unexpected error.' : 'The request could not be read.',
    });
  });

  // No icon: an empty answer instead of a 404 in every browser console.
  app.get('/favicon.ico', (_request, reply) => reply.code(204).send());

  app.get('/style.css', (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLESHEET),
  );

  app.get('/', (request, reply) => {
    const session = loadSession(context, request);
    const csrf = session?.data.tokens ? session.data.csrf : undefined;
    // Back from Latchkey's end_session_endpoint: the state is the one this browser's logout sent.
    const signedOut = logoutStateMatches(request, (request.query as Record<string, unknown>).state);
    if (signedOut) reply.clearCookie(LOGOUT_COOKIE, cookieOptions(context));
    return sendPage(reply, 200, homePage({ issuer: options.issuer, csrf, signedOut }));
  });

  app.get('/login', async (request, reply) => {
    let login: Awaited<ReturnType<typeof context.oauth.beginLogin>>;
    try {
      login = await context.oauth.beginLogin();
    } catch (error) {
      if (error instanceof ProviderError) return providerErrorPage(reply, error);
      throw error;
    }
    // The verifier and state stay server-side; only the challenge travels in the URL.
    const session = loadSession(context, request) ?? startSession(context, reply);
    session.data.login = {
      state: login.state,
      codeVerifier: login.codeVerifier,
      ...(login.nonce !== undefined && { nonce: login.nonce }),
      expiresAt: now() + LOGIN_TTL_MS,
    };
    sessions.save(session);
    return reply.redirect(login.url.href);
  });

  app.get('/callback', callbackHandler(context));
  app.get('/profile', profileHandler(context));

  app.post('/logout', async (request, reply) => {
    const session = loadSession(context, request);
    let endSessionUrl: URL | undefined;
    if (session) {
      const body: unknown = request.body;
      const submitted =
        typeof body === 'object' && body !== null ? (body as Record<string, unknown>).csrf : undefined;
      if (!csrfMatches(session, submitted)) {
        return sendError(reply, 403, {
          title: 'Log out failed',
          message: 'The form was not sent from this app (its CSRF token is missing or wrong).',
        });
      }
      const token = session.data.tokens?.refreshToken ?? session.data.tokens?.accessToken;
      if (token) await context.oauth.revoke(token);
      const idToken = session.data.idToken;
      if (idToken) {
        // RP-Initiated Logout §2: the state comes back on the post_logout_redirect_uri, where a
        // match with this short-lived cookie says the round trip was this browser's own.
        const state = client.randomState();
        endSessionUrl = await context.oauth.endSessionUrl({
          idTokenHint: idToken.raw,
          postLogoutRedirectUri,
          state,
        });
        if (endSessionUrl)
          reply.setCookie(LOGOUT_COOKIE, state, { ...cookieOptions(context), maxAge: LOGOUT_TTL_S });
      }
    }
    endSession(context, reply, session);
    // 303: the browser follows a POST's redirect with a GET. Without an ID token (plain OAuth) or
    // an end_session_endpoint, only this app's session ends.
    return reply.redirect(endSessionUrl?.href ?? '/', 303);
  });

  return app;
}
