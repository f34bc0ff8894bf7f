/**
 * Which renderer draws each page: the host's (issue 8) or Latchkey's, and the error page for page
 * routes when the host replaced or restyled the pages. A custom page is sent like Latchkey's own:
 * through sendPage, with the strict CSP and every security header.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CheckedStyle, PageRenderer, PageRenderers } from '../embedding/pages.js';
import {
  type ConsentView,
  type ErrorView,
  type LoginView,
  type LogoutConfirmView,
  type PageChrome,
  renderConsentPage,
  renderErrorPage,
  renderLoginPage,
  renderLogoutConfirmPage,
} from '../pages/index.js';
import { OAuthError } from '../protocol/errors.js';
import {
  chrome,
  errorView,
  logError,
  type RespondContext,
  sendError,
  sendPage,
  toOAuthError,
} from './respond.js';

export interface PageSet {
  login: (view: LoginView) => Promise<string>;
  consent: (view: ConsentView) => Promise<string>;
  logout: (view: LogoutConfirmView) => Promise<string>;
  error: (view: ErrorView) => Promise<string>;
  /** Whether the host replaced or restyled any page: then error pages are drawn here too. */
  customized: boolean;
}

function checked<View>(name: string, renderer: PageRenderer<View>): (view: View) => Promise<string> {
  return async (view) => {
    const html = await renderer(Object.freeze({ ...view }));
    if (typeof html !== 'string')
      throw new OAuthError('server_error', undefined, {
        status: 500,
        detail: `the ${name} page did not return HTML`,
      });
    return html;
  };
}

export function pageSet(custom: PageRenderers | undefined, style: CheckedStyle): PageSet {
  const pick = <View>(name: keyof PageRenderers, builtIn: (view: View) => string) => {
    const renderer = custom?.[name] as PageRenderer<View> | undefined;
    if (renderer !== undefined && typeof renderer !== 'function')
      throw new TypeError(`pages.${name} must be a function from view data to HTML`);
    return renderer ? checked(name, renderer) : async (view: View) => builtIn(view);
  };
  return {
    login: pick('login', renderLoginPage),
    consent: pick('consent', renderConsentPage),
    logout: pick('logout', renderLogoutConfirmPage),
    error: pick('error', renderErrorPage),
    customized:
      ['login', 'consent', 'logout', 'error'].some((name) => custom?.[name as keyof PageRenderers]) ||
      style.stylesheets.length > 0,
  };
}

/** What every page shows: the provider's name and logo, and the stylesheets (Latchkey's, then the host's). */
export function pageChrome(ctx: RespondContext & { style: CheckedStyle }): PageChrome {
  return { ...chrome(ctx), stylesheets: ctx.style.stylesheets };
}

/**
 * An error on a page route, drawn by the host's error page (or Latchkey's with the host's style).
 * Redirected errors and JSON routes take respond.ts's path unchanged, and so does everything when
 * the host customized no page.
 */
export async function sendPageError(
  request: FastifyRequest,
  reply: FastifyReply,
  raw: unknown,
  ctx: RespondContext & { style: CheckedStyle; pages: PageSet },
): Promise<FastifyReply> {
  const error = toOAuthError(raw);
  if (!ctx.pages.customized || error.redirect || request.routeOptions.config?.errorFormat !== 'page')
    return sendError(request, reply, raw, ctx);
  logError(request, error, raw);
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  const view = errorView(error, pageChrome(ctx));
  let html: string;
  try {
    html = await ctx.pages.error(view);
  } catch (failure) {
    // The host's error page failed too: Latchkey's own still tells the user what happened.
    request.log.error({ err: failure }, 'the custom error page failed');
    html = renderErrorPage(view);
  }
  return sendPage(reply, html, error.status);
}
