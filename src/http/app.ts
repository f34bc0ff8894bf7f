/**
 * The Fastify app: the only code that wires HTTP to the services. Each route file is
 * parse → service → write; every error goes through respond.ts.
 */
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { ADMIN_API_PREFIX, adminApiPlugin } from '../admin/api/index.js';
import { OAuthError } from '../protocol/errors.js';
import type { ServiceDeps } from '../services/deps.js';
import { httpContext } from './context.js';
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

/** Paths that exist, for 405 with Allow instead of 404 when the method is wrong. */
const ALLOWED_METHODS: Record<string, string> = {
  '/oauth/authorize': 'GET, HEAD, POST',
  '/.well-known/openid-configuration': 'GET, HEAD',
  '/oauth/userinfo': 'GET, HEAD, POST',
  '/.well-known/jwks.json': 'GET, HEAD',
  '/oauth/token': 'POST',
  '/oauth/revoke': 'POST',
  '/oauth/introspect': 'POST',
  '/api/me': 'GET, HEAD',
  '/login': 'GET, HEAD, POST',
  '/logout': 'POST',
  [END_SESSION_PATH]: 'GET, HEAD, POST',
  [END_SESSION_CONFIRM_PATH]: 'POST',
  [ACCOUNT_PATHS.account]: 'GET, HEAD',
  [ACCOUNT_PATHS.removeAccess]: 'GET, HEAD, POST',
  [ACCOUNT_PATHS.password]: 'POST',
  [ACCOUNT_PATHS.signOutEverywhere]: 'POST',
  ...ADMIN_CONSOLE_METHODS,
};

export async function buildApp(deps: ServiceDeps, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const { config } = deps;
  const ctx = httpContext(deps);
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

  await app.register(cookie);
  await app.register(formbody, { bodyLimit: config.bodyLimit });
  // Other content types reach the routes as unparsed text, so each route answers them with its
  // own spec-shaped error instead of Fastify's generic 415.
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: config.bodyLimit }, (_req, body, done) =>
    done(null, { __unparsed: true, length: body.length }),
  );

  app.addHook('onRequest', async (_request, reply) => baseHeaders(reply, ctx.cookies.secure));
  app.setErrorHandler((error, request, reply) => sendError(request, reply, error, ctx));
  app.setNotFoundHandler((request, reply) => {
    const allow = ALLOWED_METHODS[request.url.split('?')[0]!];
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
  authorizeRoute(app, ctx);
  interactionRoutes(app, ctx);
  sessionRoutes(app, ctx);
  accountRoutes(app, ctx);
  adminConsoleRoutes(app, ctx);
  endSessionRoutes(app, ctx);
  tokenRoutes(app, ctx);
  await apiMeRoute(app, ctx);
  // After /api/me: UserInfo uses the bearer-token guard that route registers.
  openidRoutes(app, ctx);
  await app.register(adminApiPlugin(ctx), { prefix: ADMIN_API_PREFIX });
  return app;
}
