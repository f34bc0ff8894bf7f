/** POST /oauth/token (RFC 6749 §3.2), /oauth/revoke (RFC 7009) and /oauth/introspect (RFC 7662). */
import type { FastifyInstance } from 'fastify';
import { introspect } from '../../services/introspection.js';
import { revokeToken } from '../../services/revocation.js';
import { tokenRequest } from '../../services/token.js';
import { clientRequest } from '../client-request.js';
import type { HttpContext } from '../context.js';
import { sendJson } from '../respond.js';

export function tokenRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.post('/oauth/token', async (request, reply) =>
    sendJson(reply, await tokenRequest(ctx.deps, { ...clientRequest(request), ip: request.ip })),
  );

  // RFC 7009 §2.2: 200 with an empty body, for revoked and for unknown tokens alike.
  app.post('/oauth/revoke', async (request, reply) => {
    await revokeToken(ctx.deps, clientRequest(request));
    return reply.code(200).send();
  });

  app.post('/oauth/introspect', async (request, reply) =>
    sendJson(reply, await introspect(ctx.deps, clientRequest(request))),
  );
}
