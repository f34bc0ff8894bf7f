/**
 * The authorization endpoint, /oauth/authorize: RFC 6749 §3.1 (GET), and POST with a form body,
 * which OIDC Core §3.1.2.1 requires ("Authorization Servers MUST support the use of the HTTP GET
 * and POST methods"). A POST's answer is a 303, so the browser follows it with a GET.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../../protocol/errors.js';
import { beginAuthorization } from '../../services/authorize.js';
import { isFormEncoded } from '../client-request.js';
import { type HttpContext, signedInUser } from '../context.js';
import { ensureBrowserSecret } from '../cookies.js';
import { sendAuthorizationResponse } from '../respond.js';

export function authorizeRoute(app: FastifyInstance, ctx: HttpContext): void {
  const page = { config: { errorFormat: 'page' as const } };

  async function authorize(request: FastifyRequest, reply: FastifyReply, params: Record<string, unknown>) {
    const outcome = await beginAuthorization(ctx.deps, params, {
      signedIn: await signedInUser(ctx, request),
      browserSecret: ensureBrowserSecret(request, reply, ctx.cookies),
    });
    const status = request.method === 'POST' ? 303 : 302;
    if (outcome.kind === 'respond') return sendAuthorizationResponse(reply, outcome.response, ctx, status);
    reply.header('Cache-Control', 'no-store');
    return reply.redirect(`/interaction/${outcome.interactionId}`, status);
  }

  app.get('/oauth/authorize', page, (request, reply) =>
    authorize(request, reply, request.query as Record<string, unknown>),
  );
  app.post('/oauth/authorize', page, (request, reply) => {
    if (!isFormEncoded(request.headers['content-type'])) {
      throw new OAuthError('invalid_request', 'The request must be application/x-www-form-urlencoded');
    }
    return authorize(request, reply, request.body as Record<string, unknown>);
  });
}
