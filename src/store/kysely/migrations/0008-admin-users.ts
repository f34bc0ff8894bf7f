/**
 * Administrators (issue 5): `users.is_admin` marks who may use the admin API and console with
 * their session. Existing users start as non-admins; the first-start admin account gets the flag
 * when it is made, and `latchkey users update <name> --admin` grants it to anyone later.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's table types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('is_admin').execute();
}
