/**
 * The peer: oidc-provider with its default in-memory adapter, configured with the same clients as
 * Latchkey (a client-credentials client and a confidential web client using PKCE S256 with scope
 * `openid profile`, ID tokens signed RS256 as Latchkey's are by default). Its interaction pages
 * are replaced by one that signs the bench user in and records a grant for the requested scopes:
 * the harness passes it once, so the measured flows are those of a signed-in, consented user.
 * Options: { port, jwks, clients: { cc: {clientId, clientSecret}, web: {…} }, redirectUri, cookieKey }.
 */
import { createServer } from 'node:http';
import Provider from 'oidc-provider';
import { fail, options, ready } from './ipc.mjs';

const ACCOUNT = 'alice';

try {
  const { port, jwks, clients, redirectUri, cookieKey } = options;
  const provider = new Provider(`http://127.0.0.1:${port}`, {
    clients: [
      {
        client_id: clients.cc.clientId,
        client_secret: clients.cc.clientSecret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: 'api:read',
      },
      {
        client_id: clients.web.clientId,
        client_secret: clients.web.clientSecret,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [redirectUri],
      },
    ],
    jwks,
    cookies: { keys: [cookieKey] },
    claims: { openid: ['sub'], profile: ['name'] },
    scopes: ['openid', 'profile', 'api:read'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
    },
    pkce: { required: () => true },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, name: 'Alice' }) }),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  });
  const callback = provider.callback();

  async function interaction(req, res) {
    try {
      const details = await provider.interactionDetails(req, res);
      const grant = new provider.Grant({ accountId: ACCOUNT, clientId: details.params.client_id });
      grant.addOIDCScope(details.params.scope);
      const grantId = await grant.save();
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: ACCOUNT }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
    } catch (error) {
      res.statusCode = 500;
      res.end(String(error));
    }
  }

  const server = createServer((req, res) =>
    req.url.startsWith('/interaction/') ? interaction(req, res) : callback(req, res),
  );
  server.keepAliveTimeout = 65_000;
  server.once('error', fail);
  server.listen(port, '127.0.0.1', () => ready());
} catch (error) {
  fail(error);
}
