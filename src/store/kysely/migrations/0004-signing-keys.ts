/** JWT signing keys, shared by every instance on the database. */
import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's table types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('alg', 'text', (c) => c.notNull())
    .addColumn('private_jwk', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('activated_at', 'bigint', (c) => c.notNull())
    .addColumn('retire_at', 'bigint')
    .execute();
  // One key per alg that is not being retired: instances that start together on an empty table
  // race to insert the first key, and this index lets exactly one of them win (SQLite and
  // PostgreSQL both have partial indexes).
  await db.schema
    .createIndex('signing_keys_current_alg')
    .on('signing_keys')
    .column('alg')
    .unique()
    .where(sql.ref('retire_at'), 'is', null)
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('signing_keys').ifExists().execute();
}
