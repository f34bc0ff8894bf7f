/** Versioned migrations, compiled in (no directory scanning), run at start and by `latchkey migrate`. */
import { type Kysely, type Migration, type MigrationResult, Migrator, PostgresAdapter, sql } from 'kysely';
import * as initial from './migrations/0001-initial.js';
import * as clientIntrospect from './migrations/0002-client-introspect.js';
import * as clientLifetimes from './migrations/0003-client-token-lifetimes.js';
import * as signingKeys from './migrations/0004-signing-keys.js';
import * as clientTokenFormat from './migrations/0005-client-access-token-format.js';
import * as openidConnect from './migrations/0006-openid-connect.js';
import * as userProfile from './migrations/0007-user-profile.js';
import * as adminUsers from './migrations/0008-admin-users.js';
import * as auditEvents from './migrations/0009-audit-events.js';
import * as externalAccounts from './migrations/0010-external-accounts.js';
import type { Database } from './schema.js';

const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-client-introspect': clientIntrospect,
  '0003-client-token-lifetimes': clientLifetimes,
  '0004-signing-keys': signingKeys,
  '0005-client-access-token-format': clientTokenFormat,
  '0006-openid-connect': openidConnect,
  '0007-user-profile': userProfile,
  '0008-admin-users': adminUsers,
  '0009-audit-events': auditEvents,
  '0010-external-accounts': externalAccounts,
};

const MIGRATION_TABLE = 'latchkey_migrations';

export interface SchemaStatus {
  /** Migrations this build has that the database has not applied, oldest first. */
  pending: string[];
  /** Migrations the database has that this build does not know: a newer build migrated it. */
  newer: string[];
}

/** Reads which migrations the database has applied, without taking the migration lock. */
export async function schemaStatus(db: Kysely<Database>): Promise<SchemaStatus> {
  let applied: string[];
  try {
    const { rows } = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(db);
    applied = rows.map((r) => r.name);
  } catch (error) {
    // A new database has no migration table yet (SQLite: "no such table"; PostgreSQL: 42P01).
    const { code, message } = error as { code?: string; message?: string };
    if (code === '42P01' || /no such table/.test(message ?? '')) applied = [];
    else throw error;
  }
  const known = Object.keys(migrations);
  return {
    pending: known.filter((name) => !applied.includes(name)),
    newer: applied.filter((name) => !known.includes(name)).sort(),
  };
}

export class SchemaNotReadyError extends Error {
  override name = 'SchemaNotReadyError';
}

/**
 * Brings the schema up to date at start, or (with migrateOnStart off, for deployments that run
 * `latchkey migrate` before rolling out) refuses to run on a schema that lacks this build's
 * migrations. A schema a newer build has migrated is accepted: during a rolling upgrade the old
 * instances keep serving beside the new ones, which is why migrations only ever add.
 */
export async function prepareSchema(
  db: Kysely<Database>,
  options: { migrateOnStart: boolean },
): Promise<SchemaStatus> {
  const status = await schemaStatus(db);
  if (status.pending.length === 0) return status;
  if (!options.migrateOnStart) {
    throw new SchemaNotReadyError(
      `The database lacks ${status.pending.length} migration(s) of this build (${status.pending.join(', ')}): run \`latchkey migrate\` first, or set LATCHKEY_MIGRATE_ON_START=true`,
    );
  }
  try {
    await migrateToLatest(db);
  } catch (error) {
    // Kysely's migration lock is a no-op on SQLite (it assumes one connection) and SQLite
    // migrations are not run in one transaction: a second process migrating the same file at the
    // same moment fails on a table the first just made. Give the first time to finish.
    if (!(await otherMigratorFinishes(db))) throw error;
  }
  return { pending: [], newer: status.newer };
}

async function postgresSchema(db: Kysely<Database>): Promise<string | undefined> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return undefined;
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema;
}

async function otherMigratorFinishes(db: Kysely<Database>, waitMs = 10_000): Promise<boolean> {
  for (let waited = 0; waited <= waitMs; waited += 100) {
    if ((await schemaStatus(db)).pending.length === 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationResult[]> {
  const migrator = new Migrator({
    db,
    // On PostgreSQL, Kysely looks for its tables in every schema unless told which: a second
    // Latchkey schema in the same database (staging beside production) would find the first's.
    migrationTableSchema: await postgresSchema(db),
    provider: { getMigrations: async () => migrations },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: 'latchkey_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed: ${(error as Error).message ?? String(error)}`, {
      cause: error,
    });
  }
  return results ?? [];
}
