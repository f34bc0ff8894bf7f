/** What every route needs, built once per app. */
import type { FastifyRequest } from 'fastify';
import type { ServiceDeps } from '../services/deps.js';
import { currentSession, type SignedIn } from '../services/login.js';
import { type CookiePolicy, cookiePolicy, sessionId } from './cookies.js';
import type { RespondContext } from './respond.js';

export interface HttpContext extends RespondContext {
  deps: ServiceDeps;
  cookies: CookiePolicy;
}

export function httpContext(deps: ServiceDeps): HttpContext {
  return {
    deps,
    issuer: deps.config.issuer,
    providerName: deps.config.providerName,
    logoUrl: deps.config.logoUrl ?? null,
    cookies: cookiePolicy(deps.config.issuer.startsWith('https://'), deps.config.sessions.ttl),
  };
}

export function signedInUser(ctx: HttpContext, request: FastifyRequest): Promise<SignedIn | null> {
  return currentSession(ctx.deps, sessionId(request, ctx.cookies));
}

/** A form body as a plain record (anything else, e.g. a JSON array, is treated as empty). */
export function formBody(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/** The first value of a form field, as a string ('' when absent or not a string). */
export function field(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  return typeof value === 'string' ? value : '';
}
