/** Per-client token lifetimes, overriding the server's. */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's table types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('clients').addColumn('access_token_ttl', 'integer').execute();
  await db.schema.alterTable('clients').addColumn('refresh_token_ttl', 'integer').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('clients').dropColumn('refresh_token_ttl').execute();
  await db.schema.alterTable('clients').dropColumn('access_token_ttl').execute();
}
