/** Deleting expired rows in small batches (one short write transaction each). */
import type { Kysely } from 'kysely';
import type { Housekeeping } from '../ports.js';
import { keysRepository } from './keys.js';
import type { Database } from './schema.js';

const BATCH = 500;

/** Each purgeable table with its key and time column. */
const TABLES = {
  interactions: ['id', 'expires_at'],
  sessions: ['id_digest', 'expires_at'],
  authorization_codes: ['code_digest', 'expires_at'],
  tokens: ['token_digest', 'expires_at'],
  login_failures: ['key', 'window_start'],
  audit_events: ['id', 'at'],
} as const satisfies Partial<Record<keyof Database, readonly [string, string]>>;

async function purge(db: Kysely<Database>, table: keyof typeof TABLES, before: number): Promise<number> {
  const [key, timeColumn] = TABLES[table];
  // biome-ignore lint/suspicious/noExplicitAny: the table is chosen at run time from TABLES; Kysely cannot type that.
  const q = db as Kysely<any>;
  let total = 0;
  for (;;) {
    // DELETE … WHERE key IN (SELECT … LIMIT n): portable batching (SQLite lacks DELETE … LIMIT by default).
    const result = await q
      .deleteFrom(table)
      .where(key, 'in', q.selectFrom(table).select(key).where(timeColumn, '<=', before).limit(BATCH))
      .executeTakeFirst();
    const deleted = Number(result.numDeletedRows);
    total += deleted;
    if (deleted < BATCH) return total;
  }
}

export function housekeepingRepository(db: Kysely<Database>): Housekeeping {
  return {
    async purgeExpired(now, { codeRetention, throttleWindow, auditRetention }) {
      return {
        interactions: await purge(db, 'interactions', now),
        sessions: await purge(db, 'sessions', now),
        codes: await purge(db, 'authorization_codes', now - codeRetention),
        tokens: await purge(db, 'tokens', now),
        loginFailures: await purge(db, 'login_failures', now - throttleWindow),
        // A handful of rows at most: no batching needed, and one definition of "retired".
        signingKeys: await keysRepository(db).purgeRetired(now),
        // Without a retention the caller keeps the audit log whole.
        auditEvents: auditRetention === undefined ? 0 : await purge(db, 'audit_events', now - auditRetention),
      };
    },
  };
}
