/** Server-wide secrets, one row each, made by whichever instance asks first. */
import type { Kysely } from 'kysely';
import type { ServerSecrets } from '../ports.js';
import type { Database } from './schema.js';

export function secretsRepository(db: Kysely<Database>): ServerSecrets {
  return {
    async getOrCreate(name, candidate, now) {
      // Insert-if-absent, then read: two instances racing both end up with the first one stored.
      await db
        .insertInto('server_secrets')
        .values({ name, value: candidate, created_at: now })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      const row = await db
        .selectFrom('server_secrets')
        .select('value')
        .where('name', '=', name)
        .executeTakeFirstOrThrow();
      return row.value;
    },
  };
}
