/**
 * An API protected by Latchkey's resource helper (`latchkey/resource`), the way
 * docs/resource-server.md shows it: Fastify, the resourceServer plugin, one guarded route.
 * Options: { port, verifier: 'introspection' | 'jwt', issuer, clientId?, clientSecret? }.
 */
import Fastify from 'fastify';
import { introspectionVerifier, jwtVerifier, requireAccessToken, resourceServer } from 'latchkey/resource';
import { fail, options, ready } from './ipc.mjs';

try {
  const { port, verifier, issuer, clientId, clientSecret } = options;
  const verify =
    verifier === 'jwt'
      ? jwtVerifier({ issuer, audience: issuer })
      : introspectionVerifier({
          introspectionEndpoint: `${issuer}/oauth/introspect`,
          clientId,
          clientSecret,
        });
  const app = Fastify({ logger: false });
  await app.register(resourceServer, { verify, realm: 'bench' });
  app.get('/orders', { preHandler: requireAccessToken() }, async (request) => ({
    client: request.accessToken.clientId,
    scope: request.accessToken.scope,
  }));
  await app.listen({ host: '127.0.0.1', port });
  ready();
} catch (error) {
  fail(error);
}
