/**
 * Mounting Latchkey in a host application (issue 8). Latchkey stays one Fastify app with its own
 * parsers, limits, hooks and error handling; a host hands it the requests for Latchkey's paths,
 * unread, either through `fastifyPlugin` (routes in the host's Fastify that forward the raw
 * request) or `nodeHandler` (Express, Koa, node:http). The paths are fixed: the issuer is the
 * host's origin and Latchkey's endpoints sit at its root, as the discovery document says.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';

const HOST_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** The paths a host forwards to Latchkey: exact ones, and prefixes (ending in '/'). */
export interface MountTable {
  exact: readonly string[];
  prefixes: readonly string[];
}

/** The host's own request object, for the account adapter's getCurrentUser and signOut. */
const hostRequests = new WeakMap<IncomingMessage, unknown>();

/** The request as the host's framework saw it: its Fastify request, else the Node/Express one. */
export function hostRequestOf(request: FastifyRequest): unknown {
  return hostRequests.get(request.raw) ?? request.raw;
}

function pathOf(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0]!;
  return path === '' ? '/' : path;
}

export function isMounted(table: MountTable, url: string | undefined): boolean {
  const path = pathOf(url);
  return table.exact.includes(path) || table.prefixes.some((prefix) => path.startsWith(prefix));
}

/** A host framework's next(): Express's signature, which Koa adapters and connect share. */
export type NextFunction = (error?: unknown) => void;

/**
 * `(req, res, next?)`: Latchkey's paths go to Latchkey; anything else goes to `next` (or, with no
 * `next`, gets Latchkey's 404). It must see the request before any body parser has read it.
 */
export function nodeHandler(app: FastifyInstance, table: MountTable) {
  return (req: IncomingMessage, res: ServerResponse, next?: NextFunction): void => {
    if (next && !isMounted(table, req.url)) {
      next();
      return;
    }
    const mountedAt = (req as { originalUrl?: unknown }).originalUrl;
    const problem =
      typeof mountedAt === 'string' && mountedAt !== req.url
        ? "Latchkey's handler must be mounted at the root (app.use(handler)), not under a path"
        : req.readableEnded
          ? "a body parser read the request before Latchkey's handler: mount Latchkey first"
          : null;
    if (problem) {
      const error = new Error(problem);
      if (next) {
        next(error);
        return;
      }
      app.log.error({ err: error }, 'cannot hand the request to Latchkey');
      res.statusCode = 500;
      res.end();
      return;
    }
    app.routing(req, res);
  };
}

/**
 * A Fastify plugin for the host: a route per Latchkey path that passes the raw, unread request to
 * Latchkey's own app. Registered without a prefix (Latchkey's paths come from its issuer).
 */
export function fastifyPlugin(app: FastifyInstance, table: MountTable): FastifyPluginAsync {
  return async (host) => {
    if (host.prefix !== '')
      throw new Error('Register Latchkey without a prefix: its endpoints sit at the root of the issuer');
    // A host route at one of Latchkey's paths would silently answer in its place (a host's own
    // /oauth/token, say): refused here, naming it. One the host adds later fails as a duplicate.
    const urls = [...table.exact, ...table.prefixes.map((prefix) => `${prefix}*`)];
    const taken = urls.filter((url) => HOST_METHODS.some((method) => host.hasRoute({ method, url })));
    if (taken.length > 0)
      throw new Error(`The app already has routes at Latchkey's paths: ${taken.join(', ')}`);
    // In this plugin's own context only: the host's body parsing elsewhere is untouched, and
    // Latchkey reads the body itself with its own limits.
    host.removeAllContentTypeParsers();
    host.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    const forward = (request: FastifyRequest, reply: { hijack(): void; raw: ServerResponse }) => {
      reply.hijack();
      hostRequests.set(request.raw, request);
      app.routing(request.raw, reply.raw);
    };
    for (const path of table.exact) host.all(path, forward);
    for (const prefix of table.prefixes) host.all(`${prefix}*`, forward);
  };
}
