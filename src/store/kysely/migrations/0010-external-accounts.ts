/**
 * Host accounts (issue 8): `users.external` marks the rows a host application's accounts get, so
 * a host account id that equals a built-in user's id is refused instead of adopting that user's
 * consents and grants. Rows written before this by a host (no password hash: none verifies) are
 * marked and moved to the `external <id>` user names, which no built-in user name can be.
 */
import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's table types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('external', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db
    .updateTable('users')
    .set({ external: 1, username: sql`'external ' || id` })
    .where('password_hash', '=', '')
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('external').execute();
}
