/**
 * Who is calling the admin API (the rule itself is services/admin-auth.ts):
 * - `Authorization: Bearer <token>` with the `latchkey:admin` scope — machines. Needs no CSRF
 *   token: a browser never adds an Authorization header to a cross-site request by itself.
 * - the Latchkey session cookie of an admin user — the console. The cookie is SameSite=Lax, which
 *   still lets a same-site page or a top-level form post ride on it, so every state-changing
 *   request must also carry the CSRF token (`X-CSRF-Token`, the one the pages' forms use).
 * A request with a bearer token is judged by it alone, even when it also carries a cookie.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpContext } from '../../http/context.js';
import { checkCsrf, csrfToken, sessionId } from '../../http/cookies.js';
import { isOAuthError, OAuthError } from '../../protocol/errors.js';
import { extractBearerToken, withBearerChallenge } from '../../protocol/rfc6750-bearer.js';
import {
  ADMIN_REALM,
  type AdminPrincipal,
  adminFromSession,
  adminFromToken,
} from '../../services/admin-auth.js';
import type { AuditActor } from '../../services/audit.js';

export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface AdminAuthentication {
  principal: AdminPrincipal;
  actor: AuditActor;
  /** For session callers: the token to send as X-CSRF-Token. */
  csrfToken: string | null;
}

function bearerToken(request: FastifyRequest): string | null {
  try {
    return extractBearerToken(request.headers.authorization);
  } catch (error) {
    throw isOAuthError(error) ? withBearerChallenge(error, { realm: ADMIN_REALM }) : error;
  }
}

export async function authenticate(
  ctx: HttpContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<AdminAuthentication> {
  const token = bearerToken(request);
  const principal =
    token !== null
      ? await adminFromToken(ctx.deps, token)
      : await adminFromSession(ctx.deps, sessionId(request, ctx.cookies));
  const userAgent = request.headers['user-agent'];
  const actor: AuditActor = { ...principal.actor, ip: request.ip, userAgent: userAgent ?? null };
  if (principal.via === 'bearer') return { principal, actor, csrfToken: null };
  if (!SAFE_METHODS.has(request.method)) {
    try {
      checkCsrf(request, ctx.cookies, request.headers[CSRF_HEADER]);
    } catch {
      throw new OAuthError(
        'access_denied',
        'X-CSRF-Token is missing or wrong: with a session cookie, send the csrf_token of GET /admin/api/v1/me as the X-CSRF-Token header',
        { status: 403 },
      );
    }
  }
  return { principal, actor, csrfToken: csrfToken(request, reply, ctx.cookies) };
}
