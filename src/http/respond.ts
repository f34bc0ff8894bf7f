/**
 * The one place an error becomes a response: RFC 6749 §5.2 JSON, an RFC 6749 §4.1.2.1 redirect
 * back to the client, or an error page for people.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  type ErrorView,
  errorPageMessage,
  errorPageTitle,
  FORM_POST_SCRIPT,
  type PageChrome,
  renderErrorPage,
  renderFormPostPage,
  STYLESHEET_PATH,
} from '../pages/index.js';
import { isOAuthError, OAuthError } from '../protocol/errors.js';
import { type AuthorizationResponse, errorResponse } from '../protocol/rfc6749/authorization-response.js';
import { StoreUnavailableError } from '../store/ports.js';
import { formTargetFor, pageCsp } from './security-headers.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** How errors on this route are shown: JSON (APIs) or an HTML page (people). */
    errorFormat?: 'json' | 'page';
  }
}

export interface RespondContext {
  issuer: string;
  providerName: string;
  logoUrl?: string | null;
}

export function chrome(ctx: RespondContext) {
  return { providerName: ctx.providerName, stylesheetHref: STYLESHEET_PATH, logoUrl: ctx.logoUrl ?? null };
}

export function sendPage(
  reply: FastifyReply,
  html: string,
  status = 200,
  formTargets: string[] = [],
  scripts: string[] = [],
  selfScript = false,
): FastifyReply {
  return reply
    .code(status)
    .header('Content-Type', 'text/html; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .header('Content-Security-Policy', pageCsp(formTargets, scripts, selfScript, imageSourcesOf(reply)))
    .send(html);
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Origins the pages may load images from besides their own (the configured logo's). */
    pageImageSources?: string[];
  }
}

function imageSourcesOf(reply: FastifyReply): string[] {
  return reply.server.pageImageSources ?? [];
}

/**
 * An authorization response: a redirect (RFC 6749 §4.1.2, `status` 302 after a GET, 303 after a
 * form post) or the Form Post Response Mode's self-submitting form.
 */
export function sendAuthorizationResponse(
  reply: FastifyReply,
  response: AuthorizationResponse,
  ctx: RespondContext,
  status: 302 | 303,
): FastifyReply {
  reply.header('Cache-Control', 'no-store');
  if (response.kind === 'redirect') return reply.redirect(response.location, status);
  const html = renderFormPostPage({ ...chrome(ctx), action: response.action, params: response.params });
  return sendPage(reply, html, 200, [formTargetFor(response.action)], [FORM_POST_SCRIPT]);
}

/** RFC 6749 §5.1/§5.2: token responses and errors must not be cached. */
export function sendJson(reply: FastifyReply, body: unknown, status = 200): FastifyReply {
  return reply.code(status).header('Cache-Control', 'no-store').header('Pragma', 'no-cache').send(body);
}

/** Seconds a client is asked to wait when the database is down (RFC 9110 §10.2.3 Retry-After). */
const RETRY_AFTER_UNAVAILABLE = '5';

/**
 * Fastify's own errors (bad JSON, body too large, unknown content type) and an unreachable
 * database as OAuth errors.
 */
export function toOAuthError(error: unknown): OAuthError {
  if (isOAuthError(error)) return error;
  if (error instanceof StoreUnavailableError) {
    // A database outage or failover: every instance answers this at once, and recovers without
    // a restart as soon as the database answers again.
    return new OAuthError(
      'temporarily_unavailable',
      'The service is temporarily unavailable; try again shortly',
      {
        status: 503,
        headers: { 'Retry-After': RETRY_AFTER_UNAVAILABLE },
        cause: error,
      },
    );
  }
  const fastifyError = error as Partial<FastifyError>;
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new OAuthError('invalid_request', 'The request body is too large', { status: 413 });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      // RFC 6749 §5.2: errors are 400 unless a status is specified.
      return new OAuthError('invalid_request', 'Unsupported content type');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new OAuthError('invalid_request', 'The request body is malformed');
    case 'FST_ERR_BAD_URL':
      return new OAuthError('invalid_request', 'The address is malformed');
  }
  if (
    fastifyError.statusCode !== undefined &&
    fastifyError.statusCode >= 400 &&
    fastifyError.statusCode < 500
  ) {
    return new OAuthError('invalid_request', 'The request is malformed', { status: fastifyError.statusCode });
  }
  return new OAuthError('server_error', 'The server could not complete the request', {
    status: 500,
    cause: error,
  });
}

/** Logs a refused or failed request once, at the level its cause deserves. */
export function logError(request: FastifyRequest, error: OAuthError, raw: unknown): void {
  // An outage is logged once per request without a stack: it is the database's, not a bug here.
  if (error.code === 'temporarily_unavailable')
    request.log.warn({ reason: (raw as Error).message }, 'database unavailable');
  else if (error.status >= 500) request.log.error({ err: raw }, 'request failed');
  else request.log.info({ code: error.code, detail: error.detail }, 'request refused');
}

/** The error page's view data, for Latchkey's page or a host's (issue 8). */
export function errorView(error: OAuthError, pageChrome: PageChrome): ErrorView {
  return {
    ...pageChrome,
    title: errorPageTitle(error.code),
    message: errorPageMessage(error),
    code: error.code,
    status: error.status,
  };
}

export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  raw: unknown,
  ctx: RespondContext,
): FastifyReply {
  const error = toOAuthError(raw);
  logError(request, error, raw);
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  if (error.redirect) {
    // RFC 6749 §4.1.2.1: the client and redirect URI were verified, so the error goes back there.
    return sendAuthorizationResponse(
      reply,
      errorResponse(error, ctx.issuer),
      ctx,
      request.method === 'GET' ? 302 : 303,
    );
  }
  if (request.routeOptions.config?.errorFormat === 'page') {
    return sendPage(reply, renderErrorPage(errorView(error, chrome(ctx))), error.status);
  }
  return sendJson(reply, error.toJSON(), error.status);
}
