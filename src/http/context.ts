/** What every route needs, built once per app. */
import type { FastifyRequest } from 'fastify';
import { type CheckedStyle, checkPageStyle, type PagesOption } from '../embedding/pages.js';
import type { PageChrome } from '../pages/index.js';
import { OAuthError } from '../protocol/errors.js';
import { ACCOUNT_REFUSED } from '../services/accounts.js';
import { accountsOf, type ServiceDeps } from '../services/deps.js';
import { currentSignIn, isRefused, type SignedIn, type SignInState } from '../services/login.js';
import { type CookiePolicy, cookiePolicy, sessionId } from './cookies.js';
import { hostRequestOf } from './mount.js';
import { type PageSet, pageChrome, pageSet } from './pages.js';
import type { RespondContext } from './respond.js';

export interface HttpContext extends RespondContext {
  deps: ServiceDeps;
  cookies: CookiePolicy;
  /** The login, consent, logout and error pages: the host's or Latchkey's. */
  pages: PageSet;
  style: CheckedStyle;
}

export function httpContext(deps: ServiceDeps, pages?: PagesOption): HttpContext {
  const style = checkPageStyle(pages?.style);
  return {
    deps,
    issuer: deps.config.issuer,
    providerName: deps.config.providerName,
    logoUrl: deps.config.logoUrl ?? null,
    cookies: cookiePolicy(deps.config.issuer.startsWith('https://'), deps.config.sessions.ttl),
    pages: pageSet(pages, style),
    style,
  };
}

/** The chrome of every page this app draws, with the host's stylesheets. */
export function chromeOf(ctx: HttpContext): PageChrome {
  return pageChrome(ctx);
}

/**
 * Who is signed in: the host application's user (its adapter's getCurrentUser) or Latchkey's
 * session's; refused when the host's user may not use apps here.
 */
export function signInState(ctx: HttpContext, request: FastifyRequest): Promise<SignInState> {
  return currentSignIn(ctx.deps, {
    sessionId: sessionId(request, ctx.cookies),
    hostRequest: hostRequestOf(request),
  });
}

/**
 * Who is signed in, for pages: a host user who may not use apps here gets a 403 page (sending
 * them to the host's login would loop: the host says they are signed in).
 */
export async function signedInUser(ctx: HttpContext, request: FastifyRequest): Promise<SignedIn | null> {
  const state = await signInState(ctx, request);
  if (isRefused(state)) throw new OAuthError('access_denied', ACCOUNT_REFUSED, { status: 403 });
  return state;
}

/** Whether the host's own login decides who is signed in (then Latchkey's login form is not used). */
export function hostSignsIn(ctx: HttpContext): boolean {
  return accountsOf(ctx.deps).asksHost;
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
