/** Client registrations and the consents users gave them. */
import { type Kysely, PostgresAdapter, sql, type Transaction } from 'kysely';
import type { Client } from '../../protocol/types.js';
import type { Clients, Consents, RevokedCounts } from '../ports.js';
import { insertAudit } from './audit.js';
import { uniqueInsert } from './errors.js';
import { containsPattern, fromClient, joinScope, splitScope, toClient } from './mappers.js';
import type { ClientsTable, Database } from './schema.js';

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

const onPostgres = (db: Kysely<Database>) => db.getExecutor().adapter instanceof PostgresAdapter;

/** The columns an update may change: all but the key, the secret and the creation time. */
function metadataColumns(client: Client): Omit<ClientsTable, 'client_id' | 'secret_digest' | 'created_at'> {
  const { client_id: _, secret_digest: __, created_at: ___, ...metadata } = fromClient(client);
  return metadata;
}

/**
 * How long a client registration read for one request serves the next ones. Every token,
 * introspection and revocation request authenticates a client, and registrations change rarely;
 * a change made through this process is seen at once (the cache is emptied), one made by another
 * instance within this long.
 */
const CLIENT_CACHE_MS = 1000;
const CLIENT_CACHE_MAX = 10_000;

function clientCache() {
  const entries = new Map<string, { client: Client; at: number }>();
  return {
    get(clientId: string): Client | undefined {
      const entry = entries.get(clientId);
      if (!entry) return undefined;
      if (performance.now() - entry.at < CLIENT_CACHE_MS) return entry.client;
      entries.delete(clientId);
      return undefined;
    },
    set(clientId: string, client: Client): void {
      // A bound on memory: drop the oldest entry.
      if (entries.size >= CLIENT_CACHE_MAX) entries.delete(entries.keys().next().value!);
      entries.set(clientId, { client, at: performance.now() });
    },
    clear: () => entries.clear(),
  };
}

export function clientsRepository(db: Kysely<Database>): Clients {
  const cache = clientCache();
  // Every write empties the cache, whether or not it succeeds: simpler than knowing which entry.
  const transaction = <T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> =>
    db.transaction().execute(work).finally(cache.clear);
  return {
    async create(client, audit) {
      await uniqueInsert(() =>
        transaction(async (trx) => {
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
      // On SQLite the transaction serializes this read and write against other writers; on
      // PostgreSQL the SELECT locks the row (FOR UPDATE) for the same guarantee. The rows are
      // compared as mapped, so a legacy or hand-written spelling of the same value still matches.
      return transaction(async (trx) => {
        const select = trx.selectFrom('clients').selectAll().where('client_id', '=', before.clientId);
        const row = await (onPostgres(trx) ? select.forUpdate() : select).executeTakeFirst();
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
      return transaction(async (trx) => {
        const counts = await revokeAllIssued(trx, 'client_id', clientId, now);
        await insertAudit(trx, audit);
        return counts;
      });
    },
    async delete(clientId, audit) {
      return transaction(async (trx) => {
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
      const cached = cache.get(clientId);
      if (cached) return cached;
      const row = await db
        .selectFrom('clients')
        .selectAll()
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      if (!row) return null;
      const client = toClient(row);
      cache.set(clientId, client);
      return client;
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
      return transaction(async (trx) => {
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
      // The stored consent becomes the union of what was consented before and now, even when two
      // consents for one pair race: the first insert creates the row; otherwise the row is read
      // under a lock (FOR UPDATE on PostgreSQL; SQLite serializes writers anyway) and extended.
      await db.transaction().execute(async (trx) => {
        const created = await trx
          .insertInto('consents')
          .values({
            user_id: userId,
            client_id: clientId,
            scope: joinScope(scope),
            created_at: now,
            updated_at: now,
          })
          .onConflict((oc) => oc.columns(['user_id', 'client_id']).doNothing())
          .executeTakeFirst();
        if (Number(created.numInsertedOrUpdatedRows ?? 0n) === 1) return;
        const select = trx
          .selectFrom('consents')
          .select('scope')
          .where('user_id', '=', userId)
          .where('client_id', '=', clientId);
        const row = await (onPostgres(trx) ? select.forUpdate() : select).executeTakeFirst();
        const union = joinScope([...new Set([...(row ? splitScope(row.scope) : []), ...scope])]);
        await trx
          .updateTable('consents')
          .set({ scope: union, updated_at: now })
          .where('user_id', '=', userId)
          .where('client_id', '=', clientId)
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
