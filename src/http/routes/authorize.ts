/** GET /oauth/authorize — RFC 6749 §3.1, §4.1.1. */
import type { FastifyInstance } from 'fastify';
import { beginAuthorization } from '../../services/authorize.js';
import { type HttpContext, signedInUser } from '../context.js';
import { ensureBrowserSecret } from '../cookies.js';

export function authorizeRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.get('/oauth/authorize', { config: { errorFormat: 'page' } }, async (request, reply) => {
    const outcome = await beginAuthorization(ctx.deps, request.query as Record<string, unknown>, {
      signedIn: await signedInUser(ctx, request),
      browserSecret: ensureBrowserSecret(request, reply, ctx.cookies),
    });
    reply.header('Cache-Control', 'no-store');
    if (outcome.kind === 'redirect') return reply.redirect(outcome.location, 302);
    return reply.redirect(`/interaction/${outcome.interactionId}`, 302);
  });
}
