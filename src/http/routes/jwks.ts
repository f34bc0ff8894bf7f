/** The JWK Set (RFC 7517 §5) that verifiers of Latchkey's JWTs fetch: every published public key. */
import type { FastifyInstance } from 'fastify';
import { publishedJwks } from '../../services/signing-keys.js';
import type { HttpContext } from '../context.js';

export const JWKS_PATH = '/.well-known/jwks.json';

export function jwksRoute(app: FastifyInstance, ctx: HttpContext): void {
  app.get(JWKS_PATH, async (_request, reply) =>
    reply
      // RFC 7517 §8.5.1 registers application/jwk-set+json, but many verifiers expect plain JSON.
      .header('Content-Type', 'application/json; charset=utf-8')
      // Short, so verifiers see a rotated-in key soon; the old key stays published far longer.
      .header('Cache-Control', 'public, max-age=60')
      .send(await publishedJwks(ctx.deps)),
  );
}
