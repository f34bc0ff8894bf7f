/**
 * docs/embedding.md's Express walk-through, compiled by `npm run typecheck` (src/embedding/docs.test.ts
 * checks the block below still appears in the doc word for word, but for the import of
 * `latchkey`, which is the source entry here). Only what follows the
 * end marker is this file's: what the doc leaves to the reader's app.
 */
import express, { type Request } from 'express';
import session from 'express-session';
import { createAuthServer } from '../../src/index.js';

const app = express();
app.use(session({ secret: process.env.SESSION_SECRET!, resave: false, saveUninitialized: false }));

const latchkey = await createAuthServer<Request>({
  config: { issuer: 'https://shop.example.com' },
  database: 'sqlite:./latchkey.db',
  accounts: {
    findAccount: (id) => {
      const u = users.get(id);
      return u ? { id, username: u.email, claims: { email: u.email } } : null;
    },
    getCurrentUser: (req) =>
      req.session.userId && req.session.signedInAt !== undefined
        ? { accountId: req.session.userId, authTime: req.session.signedInAt, sessionId: req.session.signInId }
        : null,
    loginUrl: (returnTo) => `/login?next=${encodeURIComponent(returnTo)}`,
    signOut: (req) =>
      new Promise((resolve, reject) => req.session.destroy((e) => (e ? reject(e) : resolve()))),
  },
});
app.use(latchkey.handler); // after the session, before body parsers
app.use(express.urlencoded({ extended: false })); // your app's parsers come after
app.listen(3000);

// ---- end of docs/embedding.md ----
declare module 'express-session' {
  interface SessionData {
    userId?: string;
    signedInAt?: number;
    signInId?: string;
  }
}
declare const users: Map<string, { email: string }>;
