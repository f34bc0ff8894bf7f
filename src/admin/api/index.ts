/**
 * The admin REST API as a Fastify plugin, mounted at /admin/api: /v1/… (the route table) and
 * /openapi.json (generated from that same table). Authentication runs first, before the body is
 * parsed, so an unauthenticated caller learns nothing about what a body would have to be.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpContext } from '../../http/context.js';
import { sendJson } from '../../http/respond.js';
import { OAuthError } from '../../protocol/errors.js';
import { auditRoutes } from './audit.js';
import { type AdminAuthentication, authenticate } from './auth.js';
import { clientRoutes } from './clients.js';
import { sendAdminError, validate } from './errors.js';
import { grantRoutes } from './grants.js';
import { keyRoutes } from './keys.js';
import { meRoutes } from './me.js';
import { openApiDocument } from './openapi.js';
import { type AdminRoute, API_VERSION_PATH, fastifyPath } from './route.js';
import { userRoutes } from './users.js';

export const ADMIN_API_PREFIX = '/admin/api';
export const ADMIN_ROUTES: AdminRoute[] = [
  ...clientRoutes,
  ...userRoutes,
  ...grantRoutes,
  ...keyRoutes,
  ...auditRoutes,
  ...meRoutes,
];

const JSON_TYPE = /^application\/json\s*(;|$)/i;

/** The body a route reads: JSON only; a route whose body is optional may get none at all. */
function body(route: AdminRoute, request: FastifyRequest): unknown {
  if (!route.body) return undefined;
  const type = request.headers['content-type'];
  if (type === undefined && request.body === undefined && route.bodyOptional) return validate(route.body, {});
  if (typeof type !== 'string' || !JSON_TYPE.test(type)) {
    throw new OAuthError('unsupported_media_type', 'The request body must be application/json');
  }
  return validate(route.body, request.body);
}

async function handle(
  route: AdminRoute,
  ctx: HttpContext,
  auth: AdminAuthentication,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const input = {
    params: route.params ? validate(route.params, request.params) : undefined,
    query: route.query ? validate(route.query, request.query) : undefined,
    body: body(route, request),
    ctx: { deps: ctx.deps, principal: auth.principal, actor: auth.actor, csrfToken: auth.csrfToken },
  };
  const result = await route.handle(input);
  for (const [name, value] of Object.entries(result.headers ?? {})) reply.header(name, value);
  if (result.body === undefined) return reply.code(result.status).header('Cache-Control', 'no-store').send();
  return sendJson(reply, result.body, result.status);
}

export function adminApiPlugin(ctx: HttpContext) {
  // Built at its first request, not at start: turning the zod schemas into JSON Schema took
  // ~35 ms, 7% of a cold start, for a document only tooling asks for.
  let document: ReturnType<typeof openApiDocument> | undefined;
  const openApi = () =>
    (document ??= openApiDocument(ADMIN_ROUTES, {
      serverUrl: ctx.issuer,
      sessionCookie: ctx.cookies.sessionName,
    }));
  return async function adminApi(api: FastifyInstance): Promise<void> {
    const authenticated = new WeakMap<FastifyRequest, AdminAuthentication>();
    const routeOf = new WeakMap<FastifyRequest, AdminRoute>();
    api.setErrorHandler((error, request, reply) =>
      sendAdminError(request, reply, error, routeOf.get(request)),
    );
    api.addHook('onSend', async (_request, reply, payload) => {
      reply.header('Cache-Control', 'no-store');
      return payload;
    });
    api.get('/openapi.json', async (_request, reply) => sendJson(reply, openApi()));
    for (const route of ADMIN_ROUTES) {
      api.route({
        method: route.method,
        url: `${API_VERSION_PATH}${fastifyPath(route.path)}`,
        onRequest: async (request, reply) => {
          routeOf.set(request, route);
          authenticated.set(request, await authenticate(ctx, request, reply));
        },
        handler: (request, reply) => handle(route, ctx, authenticated.get(request)!, request, reply),
      });
    }
  };
}
