/** One sign-in attempt from a login form, shared by the interaction and the standalone login page. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../protocol/errors.js';
import { type SignedIn, signIn } from '../services/login.js';
import { field, formBody, type HttpContext } from './context.js';
import { checkCsrf, setSessionCookie } from './cookies.js';

export type LoginAttempt =
  | { ok: true; signedIn: SignedIn }
  | { ok: false; username: string; message: string | null; status: number };

/**
 * Checks the CSRF token and the credentials; on success sets the session cookie. A wrong password
 * or a throttled account is a result to show on the form again; anything else is thrown.
 */
export async function attemptLogin(
  ctx: HttpContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<LoginAttempt> {
  const body = formBody(request);
  checkCsrf(request, ctx.cookies, body.csrf_token);
  const username = field(body, 'username');
  try {
    const { sessionId, signedIn } = await signIn(ctx.deps, {
      username,
      password: field(body, 'password'),
      ip: request.ip,
      userAgent: request.headers['user-agent'] ?? null,
    });
    setSessionCookie(reply, ctx.cookies, sessionId);
    return { ok: true, signedIn };
  } catch (error) {
    if (
      !(error instanceof OAuthError) ||
      (error.code !== 'access_denied' && error.code !== 'too_many_requests')
    )
      throw error;
    reply.headers(error.headers);
    return { ok: false, username, message: error.description ?? null, status: error.status };
  }
}
