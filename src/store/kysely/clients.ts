/** Client registrations and the consents users gave them. */
import type { Kysely } from 'kysely';
import type { Clients, Consents } from '../ports.js';
import { uniqueInsert } from './errors.js';
import { fromClient, joinScope, splitScope, toClient } from './mappers.js';
import type { Database } from './schema.js';

export function clientsRepository(db: Kysely<Database>): Clients {
  return {
    async create(client) {
      await uniqueInsert(() => db.insertInto('clients').values(fromClient(client)).execute());
    },
    async findById(clientId) {
      const row = await db
        .selectFrom('clients')
        .selectAll()
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      return row ? toClient(row) : null;
    },
    async list() {
      const rows = await db
        .selectFrom('clients')
        .selectAll()
        .orderBy('created_at')
        .orderBy('client_id')
        .execute();
      return rows.map(toClient);
    },
    async setSecretDigest(clientId, secretDigest) {
      const result = await db
        .updateTable('clients')
        .set({ secret_digest: secretDigest })
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export function consentsRepository(db: Kysely<Database>): Consents {
  return {
    async find(userId, clientId) {
      const row = await db
        .selectFrom('consents')
        .select('scope')
        .where('user_id', '=', userId)
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      return row ? splitScope(row.scope) : [];
    },
    async grant(userId, clientId, scope, now) {
      // On SQLite the transaction serializes racing consents for one pair, so the union is kept.
      // PostgreSQL (issue 6) needs the SELECT to lock the row (FOR UPDATE) for the same guarantee.
      await db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('consents')
          .select('scope')
          .where('user_id', '=', userId)
          .where('client_id', '=', clientId)
          .executeTakeFirst();
        const union = joinScope([...new Set([...(row ? splitScope(row.scope) : []), ...scope])]);
        await trx
          .insertInto('consents')
          .values({ user_id: userId, client_id: clientId, scope: union, created_at: now, updated_at: now })
          .onConflict((oc) =>
            oc.columns(['user_id', 'client_id']).doUpdateSet({ scope: union, updated_at: now }),
          )
          .execute();
      });
    },
  };
}
