/**
 * OpenID Connect endpoints: discovery (Discovery 1.0 §4) and UserInfo (Core §5.3, GET and POST,
 * bearer token with the openid scope; RFC 6750 errors).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { openidConfiguration, USERINFO_PATH } from '../../protocol/oidc-core/discovery.js';
import { extractBearerToken } from '../../protocol/rfc6750-bearer.js';
import { requireAccessToken } from '../../resource/index.js';
import { userinfo } from '../../services/userinfo.js';
import type { HttpContext } from '../context.js';

export function openidRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const configuration = openidConfiguration({
    issuer: ctx.issuer,
    allowPlainPkce: ctx.deps.config.pkce.allowPlain,
  });
  app.get('/.well-known/openid-configuration', async (_request, reply) =>
    reply.header('Cache-Control', 'public, max-age=300').send(configuration),
  );

  // The guard (registered by the /api/me route) checks the token and the openid scope first.
  const guard = { preHandler: requireAccessToken({ scopes: ['openid'] }) };
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const token = extractBearerToken(request.headers.authorization) ?? '';
    return reply.header('Cache-Control', 'no-store').send(await userinfo(ctx.deps, token));
  };
  app.get(USERINFO_PATH, guard, handler);
  app.post(USERINFO_PATH, guard, handler);
}
