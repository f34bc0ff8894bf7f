/**
 * The provider's cookies. Both are HttpOnly and SameSite=Lax (top-level navigations from a client
 * still carry them); on https they are Secure and carry the `__Host-` prefix, so no subdomain
 * can set or shadow them.
 * - session: a random session id; the database keys the session by its digest.
 * - browser: a random per-browser secret. Its digest binds each interaction to the browser that
 *   started it, and an HMAC of it is the double-submit CSRF token of every form, so a form's
 *   HTML never reveals the secret itself.
 */
import { createHmac } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { safeEqual } from '../crypto/digest.js';
import { randomToken } from '../crypto/random.js';
import { OAuthError } from '../protocol/errors.js';

export interface CookiePolicy {
  secure: boolean;
  sessionTtl: number;
  sessionName: string;
  browserName: string;
  /** The interaction this browser was last sent to the host's login page for. */
  hostLoginName: string;
}

export function cookiePolicy(secure: boolean, sessionTtl: number): CookiePolicy {
  const prefix = secure ? '__Host-' : '';
  return {
    secure,
    sessionTtl,
    sessionName: `${prefix}lk_session`,
    browserName: `${prefix}lk_browser`,
    hostLoginName: `${prefix}lk_host_login`,
  };
}

const attributes = (policy: CookiePolicy) =>
  ({ httpOnly: true, sameSite: 'lax', secure: policy.secure, path: '/' }) as const;

function read(request: FastifyRequest, name: string): string | undefined {
  const value = request.cookies[name];
  return value && value.length <= 200 ? value : undefined;
}

export function sessionId(request: FastifyRequest, policy: CookiePolicy): string | undefined {
  return read(request, policy.sessionName);
}

export function setSessionCookie(reply: FastifyReply, policy: CookiePolicy, id: string): void {
  reply.setCookie(policy.sessionName, id, { ...attributes(policy), maxAge: policy.sessionTtl });
}

export function clearSessionCookie(reply: FastifyReply, policy: CookiePolicy): void {
  reply.clearCookie(policy.sessionName, attributes(policy));
}

/**
 * Marks this browser as sent to the host's login page for an interaction, so that coming back
 * without the sign-in it needs ends the interaction instead of looping (services/interaction.ts).
 */
export function markHostLogin(reply: FastifyReply, policy: CookiePolicy, interactionId: string): void {
  reply.setCookie(policy.hostLoginName, interactionId, attributes(policy));
}

/** Whether this browser was sent to the host's login page for this interaction. */
export function wasSentToHostLogin(request: FastifyRequest, policy: CookiePolicy, interactionId: string) {
  return read(request, policy.hostLoginName) === interactionId;
}

export function clearHostLogin(request: FastifyRequest, reply: FastifyReply, policy: CookiePolicy): void {
  if (read(request, policy.hostLoginName) !== undefined)
    reply.clearCookie(policy.hostLoginName, attributes(policy));
}

/** This browser's secret, if it has one. */
export function browserSecret(request: FastifyRequest, policy: CookiePolicy): string | undefined {
  return read(request, policy.browserName);
}

/** This browser's secret, created (and set as a cookie) on first need. */
export function ensureBrowserSecret(
  request: FastifyRequest,
  reply: FastifyReply,
  policy: CookiePolicy,
): string {
  const existing = browserSecret(request, policy);
  if (existing) return existing;
  const created = randomToken();
  reply.setCookie(policy.browserName, created, attributes(policy));
  // Later reads in this same request see it too.
  request.cookies[policy.browserName] = created;
  return created;
}

function csrfFor(secret: string): string {
  return createHmac('sha256', secret).update('latchkey csrf').digest('base64url');
}

/** The CSRF token for this browser's forms. */
export function csrfToken(request: FastifyRequest, reply: FastifyReply, policy: CookiePolicy): string {
  return csrfFor(ensureBrowserSecret(request, reply, policy));
}

/** Double-submit check: the form's csrf_token must be the one derived from this browser's cookie. */
export function checkCsrf(request: FastifyRequest, policy: CookiePolicy, formToken: unknown): void {
  const secret = browserSecret(request, policy);
  if (!secret || typeof formToken !== 'string' || !safeEqual(csrfFor(secret), formToken)) {
    throw new OAuthError(
      'invalid_request',
      'This form has expired. Go back, reload the page and try again.',
      {
        status: 403,
        detail: 'CSRF token missing or wrong',
      },
    );
  }
}
