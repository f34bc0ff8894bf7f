/**
 * OpenID Connect standard claims on users (OIDC Core §5.1): the profile as one JSON object (the
 * claims are optional and released together by scope, so they are never queried one by one), and
 * `updated_at`, the claim of the same name. Existing users start with an empty profile, last
 * updated when they were created.
 */
import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's table types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('profile', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  // Nullable: SQLite cannot add a NOT NULL column without a constant default. The mapper reads a
  // missing value as created_at, and every write sets it.
  await db.schema.alterTable('users').addColumn('updated_at', 'bigint').execute();
  await sql`update users set updated_at = created_at where updated_at is null`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ['updated_at', 'profile'])
    await db.schema.alterTable('users').dropColumn(column).execute();
}
