/**
 * docs/embedding.md's Fastify walk-through, compiled by `npm run typecheck` (src/embedding/docs.test.ts
 * checks every block below still appears in the doc word for word, but for the import of
 * `latchkey`, which is the source entry here). Only what follows the
 * end marker is this file's: what the doc leaves to the reader's app.
 */

import cookie from '@fastify/cookie';
import Fastify, { type FastifyRequest } from 'fastify';
import { createAuthServer } from '../../src/index.js';

const app = Fastify();
await app.register(cookie);
// … your own routes, your login page, your session …

const latchkey = await createAuthServer<FastifyRequest>({
  config: { issuer: 'https://app.example.com', providerName: 'Acme' },
  database: 'postgres://latchkey@db/acme',
  accounts: {
    findAccount: async (id) => {
      const user = await db.users.find(id);
      return user
        ? {
            id: user.id,
            username: user.email,
            claims: { name: user.name, email: user.email, email_verified: true },
          }
        : null;
    },
    getCurrentUser: (request) => {
      const session = mySessions.get(request.cookies.sid ?? '');
      // sessionId: an opaque id of the session, never the cookie's value.
      return session
        ? { accountId: session.userId, authTime: session.signedInAt, sessionId: session.id }
        : null;
    },
    loginUrl: (returnTo) => `/login?next=${encodeURIComponent(returnTo)}`,
    signOut: (request) => {
      mySessions.delete(request.cookies.sid ?? '');
    },
  },
});
await app.register(latchkey.fastifyPlugin); // no prefix
await app.listen({ port: 3000 });

const { client, clientSecret } = await latchkey.registerClient({
  client_name: 'Acme mobile',
  redirect_uris: ['https://mobile.acme.example/callback'],
  scope: 'openid profile email',
});

await latchkey.listUserApps(accountId); // apps it let in: consented or holding a grant
await latchkey.removeAccess(accountId, clientId); // revokes that app's grants, forgets consent (consentRemoved)
await latchkey.revokeUserGrants(accountId); // every grant of every app, with their tokens
await latchkey.endUserSessions(accountId); // Latchkey's own sessions (the verifyCredentials login)

// ---- end of docs/embedding.md ----
declare const db: {
  users: { find(id: string): Promise<{ id: string; email: string; name: string } | undefined> };
};
declare const mySessions: Map<string, { id: string; userId: string; signedInAt: number }>;
declare const accountId: string;
declare const clientId: string;
// The doc shows the client's credentials without using them.
void [client, clientSecret];
