/**
 * What every console route shares: who the administrator is (the one rule in
 * services/admin-auth.ts), the page chrome, query reading and the previous/next links.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AdminChrome, AdminSection } from '../../../pages/index.js';
import { OAuthError } from '../../../protocol/errors.js';
import { adminFromSession } from '../../../services/admin-auth.js';
import type { AuditActor } from '../../../services/audit.js';
import { formBody, type HttpContext, signedInUser } from '../../context.js';
import { checkCsrf, csrfToken, sessionId } from '../../cookies.js';
import { chrome } from '../../respond.js';

/** Console errors are pages, not JSON. */
export const PAGE = { config: { errorFormat: 'page' as const } };

export interface Admin {
  actor: AuditActor;
  userId: string;
  view: (section: AdminSection) => AdminChrome;
}

/**
 * The signed-in administrator, or null after sending the browser to /login. A signed-in user
 * who is not an administrator gets a 403 page (adminFromSession's access_denied).
 */
export async function requireAdmin(
  ctx: HttpContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<Admin | null> {
  if (!(await signedInUser(ctx, request))) {
    reply.redirect('/login', request.method === 'GET' || request.method === 'HEAD' ? 302 : 303);
    return null;
  }
  const principal = await adminFromSession(ctx.deps, sessionId(request, ctx.cookies));
  const token = csrfToken(request, reply, ctx.cookies);
  return {
    actor: { ...principal.actor, ip: request.ip, userAgent: request.headers['user-agent'] ?? null },
    userId: principal.userId!,
    view: (section) => ({ ...chrome(ctx), adminName: principal.username ?? '', section, csrfToken: token }),
  };
}

/**
 * For POSTs: the CSRF token is checked before anything else, so a forged post changes nothing,
 * and then the administrator. Returns the form and the admin, or null after a redirect to /login.
 */
export async function adminPost(
  ctx: HttpContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<{ body: Record<string, unknown>; admin: Admin } | null> {
  const body = formBody(request);
  checkCsrf(request, ctx.cookies, body.csrf_token);
  const admin = await requireAdmin(ctx, request, reply);
  return admin ? { body, admin } : null;
}

export function queryValue(request: FastifyRequest, name: string): string {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

/** A form field given once or many times (checkboxes), as a list of strings. */
export function fieldList(body: Record<string, unknown>, name: string): string[] {
  const value = body[name];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The errors a form shows beside itself instead of an error page. */
export function formError(error: unknown, codes: readonly string[]): OAuthError | null {
  return error instanceof OAuthError && codes.includes(error.code) ? error : null;
}

// The services' cursors only go forward, so the way back travels in the link: `trail` lists the
// cursors of the pages before this one, "!" standing for the first page (no cursor has one).
const FIRST = '!';
const TRAIL_MAX = 50;

/** Previous and next links for a keyset-paged list at `path` with its filter `params`. */
export function pagingLinks(
  request: FastifyRequest,
  path: string,
  params: Record<string, string>,
  nextCursor: string | null,
): { prevHref: string | null; nextHref: string | null } {
  const cursor = queryValue(request, 'cursor');
  const trail = queryValue(request, 'trail').split(',').filter(Boolean).slice(-TRAIL_MAX);
  const href = (extra: Record<string, string>) => {
    const query = new URLSearchParams(
      Object.entries({ ...params, ...extra }).filter(([, value]) => value !== ''),
    );
    const text = query.toString();
    return text ? `${path}?${text}` : path;
  };
  const back = trail.at(-1);
  const prevHref =
    back === undefined
      ? null
      : href({ cursor: back === FIRST ? '' : back, trail: trail.slice(0, -1).join(',') });
  const nextHref = nextCursor
    ? href({ cursor: nextCursor, trail: [...trail, cursor || FIRST].join(',') })
    : null;
  return { prevHref, nextHref };
}
