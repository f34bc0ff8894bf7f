/**
 * Interactions, grants, authorization codes and tokens. The atomic rules of RFC 6749 live here as
 * single statements or transactions (DESIGN.md rule 8):
 * - a code is consumed by a conditional UPDATE, and the tokens it yields commit with it;
 * - a refresh token is rotated the same way;
 * - revoking a grant revokes every token issued from it and spends its pending codes.
 */
import type { Kysely, Transaction } from 'kysely';
import type { GrantRecord, Grants, InteractionRecord, Interactions, TokenRecord, Tokens } from '../ports.js';
import { insertAudit } from './audit.js';
import { listGrants } from './grant-listing.js';
import { separateTransactions, type Transact } from './group-commit.js';
import { storedRequestFromRow } from './interaction-request.js';
import {
  claimsFromRow,
  claimsToRow,
  fromCode,
  fromToken,
  joinScope,
  splitScope,
  toCode,
  toToken,
} from './mappers.js';
import { prepared } from './prepared.js';
import type { Database, TokensTable } from './schema.js';

/** `transact`: how writes are committed (grouped on SQLite: group-commit.ts). */
export function interactionsRepository(db: Kysely<Database>, transact?: Transact): Interactions {
  const write = transact ?? separateTransactions(db);
  const toRecord = (row: Database['interactions']): InteractionRecord | null => {
    const request = storedRequestFromRow(row.request);
    if (!request) return null;
    return {
      id: row.id,
      request,
      browserDigest: row.browser_digest,
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
    };
  };
  return {
    async create(i) {
      await write((trx) =>
        trx
          .insertInto('interactions')
          .values({
            id: i.id,
            request: JSON.stringify(i.request),
            browser_digest: i.browserDigest,
            created_at: i.createdAt,
            expires_at: i.expiresAt,
          })
          .execute(),
      );
    },
    async findActive(id, now) {
      const row = await db
        .selectFrom('interactions')
        .selectAll()
        .where('id', '=', id)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row ? toRecord(row) : null;
    },
    async take(id, now) {
      const row = await write((trx) =>
        trx
          .deleteFrom('interactions')
          .where('id', '=', id)
          .where('expires_at', '>', now)
          .returningAll()
          .executeTakeFirst(),
      );
      return row ? toRecord(row) : null;
    },
  };
}

/**
 * The hot statements of token issue, refresh and introspection, compiled once (prepared.ts).
 * A grant issues one token or two (access and refresh): one insert for each count.
 */
const TOKEN_COLUMNS = [
  'token_digest',
  'kind',
  'grant_id',
  'client_id',
  'user_id',
  'scope',
  'created_at',
  'expires_at',
  'consumed_at',
  'revoked_at',
] as const satisfies readonly (keyof TokensTable)[];
// Every column of TokensTable is listed: a column added to the table and not here fails to compile.
const everyTokenColumn: [Exclude<keyof TokensTable, (typeof TOKEN_COLUMNS)[number]>] extends [never]
  ? true
  : never = true;
void everyTokenColumn;

const insertTokenRows = [1, 2].map((count) =>
  prepared(TOKEN_COLUMNS.length * count, (db, ...slots) =>
    db
      .insertInto('tokens')
      .values(
        Array.from({ length: count }, (_, row) =>
          Object.fromEntries(
            TOKEN_COLUMNS.map((column, i) => [column, slots[row * TOKEN_COLUMNS.length + i]]),
          ),
        ) as never[],
      ),
  ),
);

const selectToken = prepared(1, (db, tokenDigest) =>
  db.selectFrom('tokens').selectAll().where('token_digest', '=', tokenDigest),
);

const selectTokenWithUser = prepared(1, (db, tokenDigest) =>
  db
    .selectFrom('tokens')
    .leftJoin('users', 'users.id', 'tokens.user_id')
    .selectAll('tokens')
    .select(['users.username as username', 'users.disabled as user_disabled'])
    .where('tokens.token_digest', '=', tokenDigest),
);

const consumeRefreshToken = prepared(3, (db, consumedAt, tokenDigest, now) =>
  db
    .updateTable('tokens')
    .set({ consumed_at: consumedAt })
    .where('token_digest', '=', tokenDigest)
    .where('kind', '=', 'refresh')
    .where('consumed_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now),
);

const consumeCode = prepared(2, (db, consumedAt, codeDigest) =>
  db
    .updateTable('authorization_codes')
    .set({ consumed_at: consumedAt })
    .where('code_digest', '=', codeDigest)
    .where('consumed_at', 'is', null),
);

async function insertTokens(trx: Transaction<Database>, tokens: TokenRecord[]): Promise<void> {
  for (let start = 0; start < tokens.length; start += insertTokenRows.length) {
    const rows = tokens.slice(start, start + insertTokenRows.length).map(fromToken);
    const values = rows.flatMap((row) => TOKEN_COLUMNS.map((column) => row[column]));
    await insertTokenRows[rows.length - 1]!(trx, ...values);
  }
}

async function insertGrant(trx: Transaction<Database>, grant: GrantRecord): Promise<void> {
  await trx
    .insertInto('grants')
    .values({
      id: grant.id,
      user_id: grant.userId,
      client_id: grant.clientId,
      scope: joinScope(grant.scope),
      auth_time: grant.authTime,
      sid: grant.sid,
      claims: claimsToRow(grant.claims),
      created_at: grant.createdAt,
      revoked_at: grant.revokedAt,
    })
    .execute();
}

/**
 * Revokes the tokens of the grants `ids` selects and spends their unused codes: a code redeemed
 * after its grant was revoked is then a replay, refused like any other.
 */
async function revokeIssued(
  trx: Transaction<Database>,
  grantIds: string[] | ReturnType<typeof grantsOf>,
  now: number,
): Promise<void> {
  await trx
    .updateTable('tokens')
    .set({ revoked_at: now })
    .where('grant_id', 'in', grantIds)
    .where('revoked_at', 'is', null)
    .execute();
  await trx
    .updateTable('authorization_codes')
    .set({ consumed_at: now })
    .where('grant_id', 'in', grantIds)
    .where('consumed_at', 'is', null)
    .execute();
}

const grantsOf = (trx: Transaction<Database>, userId: string, clientId: string) =>
  trx.selectFrom('grants').select('id').where('user_id', '=', userId).where('client_id', '=', clientId);

export function grantsRepository(db: Kysely<Database>, transact?: Transact): Grants {
  const write = transact ?? separateTransactions(db);
  return {
    async createWithCode(grant, code) {
      await write(async (trx) => {
        await insertGrant(trx, grant);
        await trx.insertInto('authorization_codes').values(fromCode(code)).execute();
      });
    },
    async createWithTokens(grant, tokens) {
      await write(async (trx) => {
        await insertGrant(trx, grant);
        await insertTokens(trx, tokens);
      });
    },
    async find(grantId) {
      const row = await db.selectFrom('grants').selectAll().where('id', '=', grantId).executeTakeFirst();
      if (!row) return null;
      return {
        id: row.id,
        userId: row.user_id,
        clientId: row.client_id,
        scope: splitScope(row.scope),
        authTime: row.auth_time === null ? null : Number(row.auth_time),
        sid: row.sid,
        claims: claimsFromRow(row.claims),
        createdAt: Number(row.created_at),
        revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
      };
    },
    async findCode(codeDigest) {
      const row = await db
        .selectFrom('authorization_codes')
        .selectAll()
        .where('code_digest', '=', codeDigest)
        .executeTakeFirst();
      return row ? toCode(row) : null;
    },
    async redeemCode(codeDigest, now, tokens) {
      return write(async (trx) => {
        const consumed = await consumeCode(trx, now, codeDigest);
        if (Number(consumed.numAffectedRows) !== 1) return false;
        await insertTokens(trx, tokens);
        return true;
      });
    },
    async rotateRefreshToken(tokenDigest, now, tokens) {
      return write(async (trx) => {
        const consumed = await consumeRefreshToken(trx, now, tokenDigest, now);
        if (Number(consumed.numAffectedRows) !== 1) return false;
        await insertTokens(trx, tokens);
        return true;
      });
    },
    async revoke(grantId, now, audit) {
      return write(async (trx) => {
        const result = await trx
          .updateTable('grants')
          .set({ revoked_at: now })
          .where('id', '=', grantId)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        // Tokens are revoked even when the grant was already: one stored by a racing exchange goes too.
        await revokeIssued(trx, [grantId], now);
        const revoked = Number(result.numUpdatedRows) === 1;
        if (revoked) await insertAudit(trx, audit);
        return revoked;
      });
    },
    async removeAccess(userId, clientId, now, audit) {
      return write(async (trx) => {
        const result = await trx
          .updateTable('grants')
          .set({ revoked_at: now })
          .where('user_id', '=', userId)
          .where('client_id', '=', clientId)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        await revokeIssued(trx, grantsOf(trx, userId, clientId), now);
        const consent = await trx
          .deleteFrom('consents')
          .where('user_id', '=', userId)
          .where('client_id', '=', clientId)
          .executeTakeFirst();
        const removed = {
          grantsRevoked: Number(result.numUpdatedRows),
          consentRemoved: Number(consent.numDeletedRows) > 0,
        };
        if (removed.grantsRevoked > 0 || removed.consentRemoved) await insertAudit(trx, audit);
        return removed;
      });
    },
    list(filter, now) {
      return listGrants(db, filter, now);
    },
  };
}

export function tokensRepository(db: Kysely<Database>, transact?: Transact): Tokens {
  const write = transact ?? separateTransactions(db);
  return {
    async insert(tokens) {
      if (tokens.length > 0) await write((trx) => insertTokens(trx, tokens));
    },
    async revoke(tokenDigest, now) {
      const result = await db
        .updateTable('tokens')
        .set({ revoked_at: now })
        .where('token_digest', '=', tokenDigest)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async find(tokenDigest) {
      const [row] = (await selectToken(db, tokenDigest)).rows;
      return row ? toToken(row) : null;
    },
    async findWithUser(tokenDigest) {
      const [row] = (await selectTokenWithUser(db, tokenDigest)).rows;
      if (!row) return null;
      return { ...toToken(row), username: row.username ?? null, userDisabled: row.user_disabled === 1 };
    },
  };
}
