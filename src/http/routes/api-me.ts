/** GET /api/me — the demo protected resource (the seeds' /protected/), on the resource helper. */
import type { FastifyInstance } from 'fastify';
import { requireAccessToken, resourceServer } from '../../resource/index.js';
import { lookupAccessToken } from '../../services/token.js';
import type { HttpContext } from '../context.js';

export async function apiMeRoute(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  await app.register(resourceServer, {
    verify: (token) => lookupAccessToken(ctx.deps, token),
    realm: 'latchkey',
    clock: ctx.deps.clock,
  });
  app.get('/api/me', { preHandler: requireAccessToken() }, async (request, reply) => {
    const token = request.accessToken!;
    return reply.header('Cache-Control', 'no-store').send({
      sub: token.userId,
      username: token.username,
      client_id: token.clientId,
      scope: token.scope.join(' '),
    });
  });
}
