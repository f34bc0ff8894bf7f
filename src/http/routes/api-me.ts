/** GET /api/me — the demo protected resource (the seeds' /protected/), on the resource helper. */
import type { FastifyInstance } from 'fastify';
import { requireAccessToken, resourceServer } from '../../resource/index.js';
import { whoAmI } from '../../services/me.js';
import { lookupAccessToken } from '../../services/token.js';
import type { HttpContext } from '../context.js';

export async function apiMeRoute(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  await app.register(resourceServer, {
    verify: (token) => lookupAccessToken(ctx.deps, token),
    realm: 'latchkey',
    clock: ctx.deps.clock,
  });
  app.get('/api/me', { preHandler: requireAccessToken() }, async (request, reply) => {
    return reply.header('Cache-Control', 'no-store').send(await whoAmI(ctx.deps, request.accessToken!));
  });
}
