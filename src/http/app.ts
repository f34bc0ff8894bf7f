/**
 * The Fastify app: the only code that wires HTTP to the services. Each route file is
 * parse → service → write; every error goes through respond.ts.
 */
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { ADMIN_API_PREFIX, adminApiPlugin } from '../admin/api/index.js';
import { type PagesOption, THEME_STYLESHEET_PATH } from '../embedding/pages.js';
import { COPY_SCRIPT_PATH, STYLESHEET_PATH } from '../pages/index.js';
import { OAuthError } from '../protocol/errors.js';
import { accountsOf, type ServiceDeps } from '../services/deps.js';
import { type HttpContext, httpContext } from './context.js';
import type { MountTable } from './mount.js';
import { sendPageError } from './pages.js';
import { sendError } from './respond.js';
import { ACCOUNT_PATHS, accountRoutes } from './routes/account.js';
import { ADMIN_CONSOLE_METHODS, adminConsoleRoutes } from './routes/admin-console/index.js';
import { apiMeRoute } from './routes/api-me.js';
import { authorizeRoute } from './routes/authorize.js';
import { discoveryRoutes } from './routes/discovery.js';
import { END_SESSION_CONFIRM_PATH, END_SESSION_PATH, endSessionRoutes } from './routes/end-session.js';
import { interactionRoutes } from './routes/interaction.js';
import { jwksRoute } from './routes/jwks.js';
import { openidRoutes } from './routes/openid.js';
import { sessionRoutes } from './routes/session.js';
import { tokenRoutes } from './routes/token.js';
import { baseHeaders } from './security-headers.js';

export interface BuildAppOptions {
  /** A pino logger config or false. */
  logger?: boolean | Record<string, unknown>;
  /** The host's pages or style (issue 8). */
  pages?: PagesOption;
}

/**
 * Request logs carry the method and path only: a query string can hold a state, a code challenge
 * or a token someone put in the URL (RFC 6750 §2.3), and no token is ever logged.
 */
const requestSerializer = (request: FastifyRequest) => ({
  method: request.method,
  path: request.url.split('?')[0],
  remoteAddress: request.ip,
});

/** Provider paths that exist, for 405 with Allow instead of 404 when the method is wrong. */
const PROVIDER_METHODS: Record<string, string> = {
  '/oauth/authorize': 'GET, HEAD, POST',
  '/.well-known/openid-configuration': 'GET, HEAD',
  '/oauth/userinfo': 'GET, HEAD, POST',
  '/.well-known/jwks.json': 'GET, HEAD',
  '/oauth/token': 'POST',
  '/oauth/revoke': 'POST',
  '/oauth/introspect': 'POST',
  [END_SESSION_PATH]: 'GET, HEAD, POST',
  [END_SESSION_CONFIRM_PATH]: 'POST',
};

/** The built-in accounts' own pages and APIs, besides the provider's. */
const BUILT_IN_METHODS: Record<string, string> = {
  '/api/me': 'GET, HEAD',
  '/login': 'GET, HEAD, POST',
  '/logout': 'POST',
  [ACCOUNT_PATHS.account]: 'GET, HEAD',
  [ACCOUNT_PATHS.removeAccess]: 'GET, HEAD, POST',
  [ACCOUNT_PATHS.password]: 'POST',
  [ACCOUNT_PATHS.signOutEverywhere]: 'POST',
  ...ADMIN_CONSOLE_METHODS,
};

/**
 * The paths a host hands to Latchkey (mount.ts): the provider's endpoints and pages; with the
 * built-in accounts also their login, account and admin pages, the demo API and health checks.
 */
export function mountTable(deps: ServiceDeps, options: { theme: boolean }): MountTable {
  // Exact paths, not `/oauth/`: a host keeps its own routes beside Latchkey's (`/oauth/github/callback`).
  const provider = {
    exact: [
      '/.well-known/oauth-authorization-server',
      ...Object.keys(PROVIDER_METHODS),
      STYLESHEET_PATH,
      ...(options.theme ? [THEME_STYLESHEET_PATH] : []),
    ],
    prefixes: ['/interaction/'],
  };
  if (!accountsOf(deps).builtIn) return provider;
  return {
    exact: [
      ...provider.exact,
      '/',
      '/login',
      '/logout',
      '/api/me',
      '/favicon.ico',
      '/healthz',
      '/readyz',
      COPY_SCRIPT_PATH,
      ACCOUNT_PATHS.account,
      '/admin',
    ],
    prefixes: [...provider.prefixes, `${ACCOUNT_PATHS.account}/`, '/admin/', `${ADMIN_API_PREFIX}/`],
  };
}

/** A host stylesheet on another origin: its origin joins the pages' style-src. */
function admitStyleSources(app: FastifyInstance, ctx: HttpContext): void {
  const sources = ctx.style.styleSources.join(' ');
  if (!sources) return;
  app.addHook('onSend', async (_request, reply, payload) => {
    const csp = reply.getHeader('content-security-policy');
    if (typeof csp === 'string') {
      reply.header('content-security-policy', csp.replace("style-src 'self'", `style-src 'self' ${sources}`));
    }
    return payload;
  });
}

export async function buildApp(deps: ServiceDeps, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const { config } = deps;
  const ctx = httpContext(deps, options.pages);
  const builtIn = accountsOf(deps).builtIn;
  const allowedMethods = builtIn ? { ...PROVIDER_METHODS, ...BUILT_IN_METHODS } : PROVIDER_METHODS;
  const logger =
    options.logger === false
      ? false
      : {
          level: config.logLevel,
          serializers: { req: requestSerializer },
          ...(options.logger === true ? {} : options.logger),
        };
  const app = Fastify({
    logger,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    // Path parameters (interaction ids) are short; longer ones are refused before routing.
    routerOptions: { maxParamLength: 200 },
    // Fastify's own refusals (a malformed URL) take the same spec-shaped path as everything else.
    frameworkErrors: (error, request, reply) => sendError(request, reply, error, ctx),
  });
  // A logo served from elsewhere must be allowed by the pages' CSP img-src.
  const logo = config.logoUrl && /^https?:/.test(config.logoUrl) ? new URL(config.logoUrl).origin : null;
  app.decorate('pageImageSources', logo ? [logo] : []);
  admitStyleSources(app, ctx);

  await app.register(cookie);
  await app.register(formbody, { bodyLimit: config.bodyLimit });
  // Other content types reach the routes as unparsed text, so each route answers them with its
  // own spec-shaped error instead of Fastify's generic 415.
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: config.bodyLimit }, (_req, body, done) =>
    done(null, { __unparsed: true, length: body.length }),
  );

  app.addHook('onRequest', async (_request, reply) => baseHeaders(reply, ctx.cookies.secure));
  app.setErrorHandler((error, request, reply) => sendPageError(request, reply, error, ctx));
  app.setNotFoundHandler((request, reply) => {
    const allow = allowedMethods[request.url.split('?')[0]!];
    const error = allow
      ? new OAuthError(
          'method_not_allowed',
          `This address accepts ${allow.replace(/, ([A-Z]+)$/, ' or $1')}`,
          {
            headers: { Allow: allow },
          },
        )
      : new OAuthError('not_found', 'There is nothing at this address');
    return sendError(request, reply, error, ctx);
  });

  discoveryRoutes(app, ctx);
  jwksRoute(app, ctx);
  const themeCss = ctx.style.themeCss;
  if (themeCss !== null) {
    app.get(THEME_STYLESHEET_PATH, async (_request, reply) =>
      reply
        .header('Content-Type', 'text/css; charset=utf-8')
        .header('Cache-Control', 'public, max-age=3600')
        .send(themeCss),
    );
  }
  authorizeRoute(app, ctx);
  interactionRoutes(app, ctx);
  endSessionRoutes(app, ctx);
  tokenRoutes(app, ctx);
  await apiMeRoute(app, ctx);
  // After /api/me: UserInfo uses the bearer-token guard that route registers.
  openidRoutes(app, ctx);
  // Sign-in, account and admin pages belong to the built-in users; a host has its own.
  if (builtIn) {
    sessionRoutes(app, ctx);
    accountRoutes(app, ctx);
    adminConsoleRoutes(app, ctx);
    await app.register(adminApiPlugin(ctx), { prefix: ADMIN_API_PREFIX });
  }
  return app;
}
