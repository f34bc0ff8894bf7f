/** The Store on Kysely: SQLite or PostgreSQL through the same queries. */
import { type Kysely, SqliteAdapter, sql } from 'kysely';
import type { Store } from '../ports.js';
import { sessionsRepository, throttleRepository, usersRepository } from './accounts.js';
import { auditRepository } from './audit.js';
import { grantsRepository, interactionsRepository, tokensRepository } from './authorizations.js';
import { clientsRepository, consentsRepository } from './clients.js';
import { openDatabase, type PoolOptions } from './database.js';
import { groupedTransactions } from './group-commit.js';
import { housekeepingRepository } from './housekeeping.js';
import { keysRepository } from './keys.js';
import { prepareSchema, type SchemaStatus } from './migrate.js';
import type { Database } from './schema.js';
import { secretsRepository } from './secrets.js';
import { nulFreeText } from './text-values.js';

export { DatabaseUrlError, engineOf, openDatabase, redactDatabaseUrl } from './database.js';
export { migrateToLatest, SchemaNotReadyError, schemaStatus } from './migrate.js';
export type { Database } from './schema.js';

/** `owned`: close() destroys the Kysely instance; a host's own instance is left to the host. */
export function storeOn(database: Kysely<Database>, owned = true): Store {
  // Every repository binds its strings through this: NUL-free on PostgreSQL (text-values.ts).
  const db = nulFreeText(database);
  // SQLite: the hot write paths share commits (group-commit.ts); PostgreSQL commits each alone.
  const transact = db.getExecutor().adapter instanceof SqliteAdapter ? groupedTransactions(db) : undefined;
  return {
    users: usersRepository(db),
    clients: clientsRepository(db),
    sessions: sessionsRepository(db),
    interactions: interactionsRepository(db, transact),
    consents: consentsRepository(db),
    grants: grantsRepository(db, transact),
    tokens: tokensRepository(db, transact),
    throttle: throttleRepository(db),
    keys: keysRepository(db),
    housekeeping: housekeepingRepository(db),
    secrets: secretsRepository(db),
    audit: auditRepository(db),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      if (owned) await database.destroy();
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: a host's Kysely instance has its own table types
export type HostKysely = Kysely<any>;

export interface OpenStoreOptions extends Partial<PoolOptions> {
  /** Apply pending migrations (default); off: refuse a schema this build has not been migrated to. */
  migrateOnStart?: boolean;
}

/**
 * Opens the database — a URL (`sqlite:…`, `postgres://…`) or a host application's own Kysely
 * instance on either engine — brings or checks its schema, and returns the store.
 */
export async function openStore(
  source: string | HostKysely,
  options: OpenStoreOptions = {},
): Promise<{ store: Store; db: Kysely<Database>; schema: SchemaStatus }> {
  const owned = typeof source === 'string';
  // A host's instance may carry plugins for its own tables (CamelCasePlugin renames every column
  // and result key); Latchkey's queries name its tables' columns as they are, so they run on the
  // same connections without the host's plugins.
  const db = owned ? openDatabase(source, options) : (source as Kysely<Database>).withoutPlugins();
  try {
    const schema = await prepareSchema(db, { migrateOnStart: options.migrateOnStart ?? true });
    return { store: storeOn(db, owned), db, schema };
  } catch (error) {
    if (owned) await db.destroy();
    throw error;
  }
}
