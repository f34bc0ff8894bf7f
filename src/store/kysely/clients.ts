/** Client registrations and the consents users gave them. */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Client } from '../../protocol/types.js';
import type { Clients, Consents, RevokedCounts } from '../ports.js';
import { insertAudit } from './audit.js';
import { uniqueInsert } from './errors.js';
import { containsPattern, fromClient, joinScope, splitScope, toClient } from './mappers.js';
import type { ClientsTable, Database } from './schema.js';
import { nulFreeText } from './text-values.js';

/**
 * Revokes the grants of a user or a client, every token issued to them (with a grant or without,
 * as client-credentials tokens are) and spends their unused codes. Inside the caller's transaction.
 */
export async function revokeAllIssued(
  trx: Transaction<Database>,
  column: 'user_id' | 'client_id',
  value: string,
  now: number,
): Promise<RevokedCounts> {
  const grants = await trx
    .updateTable('grants')
    .set({ revoked_at: now })
    .where(column, '=', value)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  const tokens = await trx
    .updateTable('tokens')
    .set({ revoked_at: now })
    .where(column, '=', value)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  await trx
    .updateTable('authorization_codes')
    .set({ consumed_at: now })
    .where(column, '=', value)
    .where('consumed_at', 'is', null)
    .execute();
  return { grants: Number(grants.numUpdatedRows), tokens: Number(tokens.numUpdatedRows) };
}

/** The columns an update may change: all but the key, the secret and the creation time. */
function metadataColumns(client: Client): Omit<ClientsTable, 'client_id' | 'secret_digest' | 'created_at'> {
  const { client_id: _, secret_digest: __, created_at: ___, ...metadata } = fromClient(client);
  return metadata;
}

export function clientsRepository(database: Kysely<Database>): Clients {
  const db = nulFreeText(database);
  return {
    async create(client, audit) {
      await uniqueInsert(() =>
        db.transaction().execute(async (trx) => {
          await trx.insertInto('clients').values(fromClient(client)).execute();
          await insertAudit(trx, audit);
        }),
      );
    },
    async page({ search, limit, after }) {
      let query = db.selectFrom('clients').selectAll();
      if (after !== undefined) query = query.where('client_id', '>', after);
      if (search) {
        const pattern = containsPattern(search);
        query = query.where((eb) =>
          eb.or([
            sql<boolean>`lower(client_id) like ${pattern} escape '\\'`,
            sql<boolean>`lower(client_name) like ${pattern} escape '\\'`,
          ]),
        );
      }
      const rows = await query.orderBy('client_id').limit(limit).execute();
      return rows.map(toClient);
    },
    async update(before, after, audit) {
      // On SQLite the transaction serializes this read and write against other writers; PostgreSQL
      // (issue 6) needs the SELECT to lock the row (FOR UPDATE) for the same guarantee. The rows
      // are compared as mapped, so a legacy or hand-written spelling of the same value still matches.
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('clients')
          .selectAll()
          .where('client_id', '=', before.clientId)
          .executeTakeFirst();
        const unchanged =
          row && JSON.stringify(metadataColumns(toClient(row))) === JSON.stringify(metadataColumns(before));
        if (!unchanged) return false;
        await trx
          .updateTable('clients')
          .set(metadataColumns(after))
          .where('client_id', '=', before.clientId)
          .execute();
        await insertAudit(trx, audit);
        return true;
      });
    },
    async revokeGrants(clientId, now, audit) {
      return db.transaction().execute(async (trx) => {
        const counts = await revokeAllIssued(trx, 'client_id', clientId, now);
        await insertAudit(trx, audit);
        return counts;
      });
    },
    async delete(clientId, audit) {
      return db.transaction().execute(async (trx) => {
        const found = await trx
          .selectFrom('clients')
          .select('client_id')
          .where('client_id', '=', clientId)
          .executeTakeFirst();
        if (!found) return false;
        // Explicit rather than left to ON DELETE CASCADE: client-credentials tokens belong to no
        // grant, and tokens and codes name the client without a foreign key.
        const grants = trx.selectFrom('grants').select('id').where('client_id', '=', clientId);
        await trx
          .deleteFrom('tokens')
          .where((eb) => eb.or([eb('client_id', '=', clientId), eb('grant_id', 'in', grants)]))
          .execute();
        await trx.deleteFrom('authorization_codes').where('client_id', '=', clientId).execute();
        await trx.deleteFrom('grants').where('client_id', '=', clientId).execute();
        await trx.deleteFrom('consents').where('client_id', '=', clientId).execute();
        await trx.deleteFrom('clients').where('client_id', '=', clientId).execute();
        await insertAudit(trx, audit);
        return true;
      });
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
    async setSecretDigest(clientId, secretDigest, audit) {
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('clients')
          .set({ secret_digest: secretDigest })
          .where('client_id', '=', clientId)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return false;
        await insertAudit(trx, audit);
        return true;
      });
    },
  };
}

export function consentsRepository(database: Kysely<Database>): Consents {
  const db = nulFreeText(database);
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
    async revoke(userId, clientId) {
      const result = await db
        .deleteFrom('consents')
        .where('user_id', '=', userId)
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async listForUser(userId) {
      const rows = await db
        .selectFrom('consents')
        .innerJoin('clients', 'clients.client_id', 'consents.client_id')
        .select([
          'consents.client_id',
          'clients.client_name',
          'clients.client_uri',
          'consents.scope',
          'consents.created_at',
          'consents.updated_at',
        ])
        .where('consents.user_id', '=', userId)
        .orderBy('consents.updated_at', 'desc')
        .orderBy('consents.client_id')
        .execute();
      return rows.map((r) => ({
        clientId: r.client_id,
        clientName: r.client_name,
        clientUri: r.client_uri,
        scope: splitScope(r.scope),
        createdAt: Number(r.created_at),
        updatedAt: Number(r.updated_at),
      }));
    },
  };
}
