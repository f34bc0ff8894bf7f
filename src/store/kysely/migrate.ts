/** Versioned migrations, compiled in (no directory scanning), run at start and by `latchkey migrate`. */
import { type Kysely, type Migration, type MigrationResult, Migrator } from 'kysely';
import * as initial from './migrations/0001-initial.js';
import * as clientIntrospect from './migrations/0002-client-introspect.js';
import * as clientLifetimes from './migrations/0003-client-token-lifetimes.js';
import * as signingKeys from './migrations/0004-signing-keys.js';
import * as clientTokenFormat from './migrations/0005-client-access-token-format.js';
import * as openidConnect from './migrations/0006-openid-connect.js';
import * as userProfile from './migrations/0007-user-profile.js';
import * as adminUsers from './migrations/0008-admin-users.js';
import * as auditEvents from './migrations/0009-audit-events.js';
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
};

export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationResult[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'latchkey_migrations',
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
