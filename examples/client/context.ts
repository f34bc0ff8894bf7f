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
/** The state of a logout at Latchkey in progress, until the browser comes back to `/`. */
export const LOGOUT_COOKIE = 'example_logout';

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

/** Every cookie of this app: HttpOnly, SameSite=Lax (the redirects back from Latchkey carry it). */
export function cookieOptions(context: Pick<ClientContext, 'secureCookies'>) {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure: context.secureCookies } as const;
}

/** Creates a session and points the browser's cookie at it. */
export function startSession(context: ClientContext, reply: FastifyReply): Session {
  const session = context.sessions.create();
  reply.setCookie(SESSION_COOKIE, session.id, {
    ...cookieOptions(context),
    maxAge: Math.max(0, Math.floor((session.expiresAt - context.now()) / 1000)),
  });
  return session;
}

export function endSession(context: ClientContext, reply: FastifyReply, session: Session | undefined): void {
  if (session) context.sessions.destroy(session.id);
  reply.clearCookie(SESSION_COOKIE, cookieOptions(context));
}

/** Constant-time comparison, so a secret cannot be guessed byte by byte. */
function secretMatches(expected: string | undefined, submitted: unknown): boolean {
  if (typeof submitted !== 'string' || typeof expected !== 'string' || expected === '') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function csrfMatches(session: Session, submitted: unknown): boolean {
  return secretMatches(session.data.csrf, submitted);
}

/** Whether `state` is the one this browser's logout sent to Latchkey (kept in LOGOUT_COOKIE). */
export function logoutStateMatches(request: FastifyRequest, state: unknown): boolean {
  return secretMatches(request.cookies[LOGOUT_COOKIE], state);
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
