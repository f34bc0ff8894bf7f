/**
 * OpenID Connect: client metadata (OIDC Registration §2, RP-Initiated Logout §3.1), the session id
 * `sid` (Front-Channel Logout §3), and what an ID token needs from the authorization that led to
 * it (nonce, auth_time, the `claims` request), kept on the code and on the grant.
 */
import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's table types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('clients')
    .addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema.alterTable('clients').addColumn('id_token_signed_response_alg', 'text').execute();
  await db.schema.alterTable('clients').addColumn('subject_type', 'text').execute();
  // Existing sessions get their digest's prefix as sid: unique, stable, and not the secret itself.
  await db.schema.alterTable('sessions').addColumn('sid', 'text').execute();
  await sql`update sessions set sid = substr(id_digest, 1, 22) where sid is null`.execute(db);
  await db.schema.alterTable('grants').addColumn('auth_time', 'bigint').execute();
  await db.schema.alterTable('grants').addColumn('sid', 'text').execute();
  await db.schema.alterTable('grants').addColumn('claims', 'text').execute();
  await db.schema.alterTable('authorization_codes').addColumn('nonce', 'text').execute();
  await db.schema.alterTable('authorization_codes').addColumn('auth_time', 'bigint').execute();
  await db.schema.alterTable('authorization_codes').addColumn('sid', 'text').execute();
  await db.schema.alterTable('authorization_codes').addColumn('claims', 'text').execute();
  // Server-wide secrets made once and shared by every instance (the pairwise subject salt).
  await db.schema
    .createTable('server_secrets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('server_secrets').execute();
  for (const column of ['claims', 'sid', 'auth_time', 'nonce'])
    await db.schema.alterTable('authorization_codes').dropColumn(column).execute();
  for (const column of ['claims', 'sid', 'auth_time'])
    await db.schema.alterTable('grants').dropColumn(column).execute();
  await db.schema.alterTable('sessions').dropColumn('sid').execute();
  for (const column of ['subject_type', 'id_token_signed_response_alg', 'post_logout_redirect_uris'])
    await db.schema.alterTable('clients').dropColumn(column).execute();
}
