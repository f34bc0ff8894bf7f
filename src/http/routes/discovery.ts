/** RFC 8414 metadata, the stylesheet, and health checks. */
import type { FastifyInstance } from 'fastify';
import { COPY_SCRIPT, COPY_SCRIPT_PATH, STYLESHEET, STYLESHEET_PATH } from '../../pages/index.js';
import { authorizationServerMetadata } from '../../protocol/rfc8414-metadata.js';
import type { HttpContext } from '../context.js';

export function discoveryRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const metadata = authorizationServerMetadata({
    issuer: ctx.issuer,
    allowPlainPkce: ctx.deps.config.pkce.allowPlain,
  });
  app.get('/.well-known/oauth-authorization-server', async (_request, reply) =>
    reply.header('Cache-Control', 'public, max-age=300').send(metadata),
  );

  app.get(STYLESHEET_PATH, async (_request, reply) =>
    reply
      .header('Content-Type', 'text/css; charset=utf-8')
      .header('Cache-Control', 'public, max-age=3600')
      .send(STYLESHEET),
  );

  // The console's copy button; pages admit it with script-src 'self' only where a secret is shown.
  app.get(COPY_SCRIPT_PATH, async (_request, reply) =>
    reply
      .header('Content-Type', 'text/javascript; charset=utf-8')
      .header('Cache-Control', 'public, max-age=3600')
      .send(COPY_SCRIPT),
  );

  // No icon: an empty answer instead of a 404 in every browser console.
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).send());

  // Liveness: the process answers. Readiness: it can also reach its database.
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await ctx.deps.store.ping();
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}
