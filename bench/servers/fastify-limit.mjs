/**
 * The limit Latchkey is measured against: a bare Fastify route that parses the same form body and
 * answers a small JSON, and (insert: true) the same plus what a durable token issue cannot avoid —
 * 32 random bytes, their SHA-256, and one SQLite WAL insert committed per request with
 * synchronous=FULL, as Latchkey's store is configured (src/store/kysely/database.ts).
 * Options: { port, insert?: boolean, dbPath? }.
 */
import { createHash, randomBytes } from 'node:crypto';
import formbody from '@fastify/formbody';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { fail, options, ready } from './ipc.mjs';

try {
  const app = Fastify({ logger: false });
  await app.register(formbody);
  let insert = null;
  if (options.insert) {
    const db = new Database(options.dbPath);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(
      'CREATE TABLE IF NOT EXISTS tokens (token_digest TEXT PRIMARY KEY, client_id TEXT NOT NULL, expires_at INTEGER NOT NULL)',
    );
    insert = db.prepare('INSERT INTO tokens (token_digest, client_id, expires_at) VALUES (?, ?, ?)');
  }
  app.post('/token', async (request, reply) => {
    const grantType = request.body?.grant_type;
    if (insert) {
      const token = randomBytes(32).toString('base64url');
      const digest = createHash('sha256').update(token).digest('base64url');
      // better-sqlite3 autocommits each statement: one durable commit per request.
      insert.run(digest, 'bench', Math.floor(Date.now() / 1000) + 3600);
    }
    reply.header('cache-control', 'no-store');
    return { ok: true, grant_type: grantType };
  });
  await app.listen({ host: '127.0.0.1', port: options.port });
  ready();
} catch (error) {
  fail(error);
}
