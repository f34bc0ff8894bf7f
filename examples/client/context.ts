/**
 * What the route handlers share: the options, the session store, the OAuth client, and the few
 * helpers that turn a session into a cookie and a page into a reply.
 */

import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OAuthClient, ProviderError } from './oauth.js';
import { type ErrorView, errorPage } from './pages.js';
import type { Session, SessionStore } from './session-store.js';

export const SESSION_COOKIE = 'example_session';

export interface ClientContext {
  issuer: string;
  apiUrl: string;
  /** baseUrl + '/callback', normalised the way openid-client derives it from the callback URL. */
  redirectUri: string;
  secureCookies: boolean;
  sessions: SessionStore;
  oauth: OAuthClient;
  now: () => number;
}

export function loadSession(context: ClientContext, request: FastifyRequest): Session | undefined {
  return context.sessions.get(request.cookies[SESSION_COOKIE]);
}

/** Creates a session and points the browser's cookie at it. */
export function startSession(context: ClientContext, reply: FastifyReply): Session {
  const session = context.sessions.create();
  reply.setCookie(SESSION_COOKIE, session.id, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: context.secureCookies,
    maxAge: Math.max(0, Math.floor((session.expiresAt - context.now()) / 1000)),
  });
  return session;
}

export function endSession(context: ClientContext, reply: FastifyReply, session: Session | undefined): void {
  if (session) context.sessions.destroy(session.id);
  reply.clearCookie(SESSION_COOKIE, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: context.secureCookies,
  });
}

/** Constant-time comparison, so the CSRF token cannot be guessed byte by byte. */
export function csrfMatches(session: Session, submitted: unknown): boolean {
  if (typeof submitted !== 'string') return false;
  const expected = Buffer.from(session.data.csrf);
  const actual = Buffer.from(submitted);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export function sendPage(reply: FastifyReply, status: number, page: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(page);
}

export function sendError(reply: FastifyReply, status: number, view: ErrorView): FastifyReply {
  return sendPage(reply, status, errorPage(view));
}

export function providerErrorPage(reply: FastifyReply, error: ProviderError): FastifyReply {
  return sendError(reply, 502, {
    title: 'Latchkey is unreachable',
    message: `Could not reach Latchkey at ${error.issuer}.`,
    details: [['Reason', error.reason]],
    retry: true,
  });
}
