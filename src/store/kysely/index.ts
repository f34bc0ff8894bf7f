/** The Store on Kysely: SQLite today, PostgreSQL through the same queries later. */
import { type Kysely, sql } from 'kysely';
import type { Store } from '../ports.js';
import { sessionsRepository, throttleRepository, usersRepository } from './accounts.js';
import { auditRepository } from './audit.js';
import { grantsRepository, interactionsRepository, tokensRepository } from './authorizations.js';
import { clientsRepository, consentsRepository } from './clients.js';
import { openDatabase } from './database.js';
import { housekeepingRepository } from './housekeeping.js';
import { keysRepository } from './keys.js';
import { migrateToLatest } from './migrate.js';
import type { Database } from './schema.js';
import { secretsRepository } from './secrets.js';

export { DatabaseUrlError, openDatabase } from './database.js';
export { migrateToLatest } from './migrate.js';
export type { Database } from './schema.js';

export function storeOn(db: Kysely<Database>): Store {
  return {
    users: usersRepository(db),
    clients: clientsRepository(db),
    sessions: sessionsRepository(db),
    interactions: interactionsRepository(db),
    consents: consentsRepository(db),
    grants: grantsRepository(db),
    tokens: tokensRepository(db),
    throttle: throttleRepository(db),
    keys: keysRepository(db),
    housekeeping: housekeepingRepository(db),
    secrets: secretsRepository(db),
    audit: auditRepository(db),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}

/** Opens the database, brings its schema up to date and returns the store. */
export async function openStore(databaseUrl: string): Promise<{ store: Store; db: Kysely<Database> }> {
  const db = openDatabase(databaseUrl);
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { store: storeOn(db), db };
}
