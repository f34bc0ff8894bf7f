/** Users, login sessions and login-throttling counters. */
import { type Kysely, sql } from 'kysely';
import { sanitizeClaims } from '../../protocol/oidc-core/standard-claims.js';
import type { LoginThrottle, SessionRecord, Sessions, UserChange, UserRecord, Users } from '../ports.js';
import { insertAudit } from './audit.js';
import { revokeAllIssued } from './clients.js';
import { uniqueInsert } from './errors.js';
import { containsPattern, fromUser, toUser } from './mappers.js';
import type { Database, UsersTable } from './schema.js';
import { withoutNul } from './text-values.js';

/**
 * User names of host accounts' rows: `external <id>`. Built-in user names never contain a space
 * (services/users.ts checkUsername), so no built-in user can take one.
 */
export const EXTERNAL_USERNAME_PREFIX = 'external ';

function changedColumns(change: UserChange, now: number): Partial<UsersTable> {
  const set: Partial<UsersTable> = {};
  if (change.profile !== undefined) {
    set.profile = JSON.stringify(sanitizeClaims(change.profile));
    set.updated_at = now;
  }
  if (change.isAdmin !== undefined) set.is_admin = change.isAdmin ? 1 : 0;
  if (change.disabled !== undefined) set.disabled = change.disabled ? 1 : 0;
  return set;
}

export function usersRepository(db: Kysely<Database>): Users {
  return {
    async create(user: UserRecord, audit) {
      await uniqueInsert(() =>
        db.transaction().execute(async (trx) => {
          await trx.insertInto('users').values(fromUser(user)).execute();
          await insertAudit(trx, audit);
        }),
      );
    },
    async list({ search, limit, after }) {
      let query = db.selectFrom('users').selectAll();
      if (after !== undefined) query = query.where('username', '>', after);
      if (search)
        query = query.where(sql<boolean>`lower(username) like ${containsPattern(search)} escape '\\'`);
      const rows = await query.orderBy('username').limit(limit).execute();
      return rows.map(toUser);
    },
    async update(id, change, now, audit) {
      return db.transaction().execute(async (trx) => {
        const set = changedColumns(change, now);
        if (Object.keys(set).length > 0) {
          const result = await trx.updateTable('users').set(set).where('id', '=', id).executeTakeFirst();
          if (Number(result.numUpdatedRows) === 0) return null;
        }
        const row = await trx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row) return null;
        if (change.disabled === true) {
          // A disabled account keeps no way in: no session, grant, token or code.
          await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
          await revokeAllIssued(trx, 'user_id', id, now);
        }
        await insertAudit(trx, audit);
        return toUser(row);
      });
    },
    async revokeGrants(id, now, audit) {
      return db.transaction().execute(async (trx) => {
        const counts = await revokeAllIssued(trx, 'user_id', id, now);
        await insertAudit(trx, audit);
        return counts;
      });
    },
    async findById(id) {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toUser(row) : null;
    },
    async findByUsername(username) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('username', '=', username)
        .executeTakeFirst();
      return row ? toUser(row) : null;
    },
    async count() {
      const row = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async updateProfile(id, profile, updatedAt) {
      const result = await db
        .updateTable('users')
        .set({ profile: JSON.stringify(sanitizeClaims(profile)), updated_at: updatedAt })
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async setPasswordHash(id, passwordHash, options = {}) {
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('users')
          .set({ password_hash: passwordHash })
          .where('id', '=', id)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) return false;
        let sessions = trx.deleteFrom('sessions').where('user_id', '=', id);
        if (options.keepSession) sessions = sessions.where('id_digest', '!=', options.keepSession);
        await sessions.execute();
        await insertAudit(trx, options.audit);
        return true;
      });
    },
    async ensureExternal(id, now) {
      // Read first: after its first sign-in a host account's row exists, so this is one query.
      const existing = await db
        .selectFrom('users')
        .select('external')
        .where('id', '=', id)
        .executeTakeFirst();
      if (existing) return existing.external === 1;
      // An empty hash never verifies, so no password sign-in can reach the row. The user name is
      // in a namespace no built-in name can take (it has a space), so it never clashes with one.
      await db
        .insertInto('users')
        .values({
          id,
          username: `${EXTERNAL_USERNAME_PREFIX}${id}`,
          password_hash: '',
          disabled: 0,
          is_admin: 0,
          external: 1,
          profile: '{}',
          updated_at: null,
          created_at: now,
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
      // Inserted now, or by a concurrent first sign-in; never a built-in user's row.
      const row = await db.selectFrom('users').select('external').where('id', '=', id).executeTakeFirst();
      return row?.external === 1;
    },
  };
}

export function sessionsRepository(db: Kysely<Database>): Sessions {
  return {
    async create(s: SessionRecord, audit) {
      const insert = (trx: Kysely<Database>) =>
        trx
          .insertInto('sessions')
          .values({
            id_digest: s.idDigest,
            sid: s.sid,
            user_id: s.userId,
            auth_time: s.authTime,
            created_at: s.createdAt,
            expires_at: s.expiresAt,
          })
          .execute();
      if (!audit) return void (await insert(db));
      await db.transaction().execute(async (trx) => {
        await insert(trx);
        await insertAudit(trx, audit);
      });
    },
    async findActive(idDigest, now) {
      const row = await db
        .selectFrom('sessions')
        .selectAll()
        .where('id_digest', '=', idDigest)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row
        ? {
            idDigest: row.id_digest,
            sid: row.sid,
            userId: row.user_id,
            authTime: Number(row.auth_time),
            createdAt: Number(row.created_at),
            expiresAt: Number(row.expires_at),
          }
        : null;
    },
    async delete(idDigest) {
      await db.deleteFrom('sessions').where('id_digest', '=', idDigest).execute();
    },
    async deleteAllForUser(userId, audit) {
      return db.transaction().execute(async (trx) => {
        const result = await trx.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
        await insertAudit(trx, audit);
        return Number(result.numDeletedRows);
      });
    },
  };
}

export function throttleRepository(db: Kysely<Database>): LoginThrottle {
  return {
    async failures(keys, now, window) {
      if (keys.length === 0) return [];
      const rows = await db
        .selectFrom('login_failures')
        .selectAll()
        .where('key', 'in', keys)
        .where('window_start', '>', now - window)
        .execute();
      const counts = new Map(rows.map((r) => [r.key, r.failures]));
      // A key with a NUL is stored without it on PostgreSQL (text-values.ts).
      return keys.map((k) => counts.get(k) ?? counts.get(withoutNul(k)) ?? 0);
    },
    async recordFailure(key, now, window) {
      // One upsert: a counter whose window has passed starts again at 1.
      const row = await db
        .insertInto('login_failures')
        .values({ key, failures: 1, window_start: now })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet((eb) => ({
            failures: eb
              .case()
              .when('login_failures.window_start', '<=', now - window)
              .then(1)
              .else(eb('login_failures.failures', '+', 1))
              .end(),
            window_start: eb
              .case()
              .when('login_failures.window_start', '<=', now - window)
              .then(now)
              .else(eb.ref('login_failures.window_start'))
              .end(),
          })),
        )
        .returning('failures')
        .executeTakeFirstOrThrow();
      return Number(row.failures);
    },
    async forgive(key) {
      await db
        .updateTable('login_failures')
        .set((eb) => ({ failures: eb('failures', '-', 1) }))
        .where('key', '=', key)
        .where('failures', '>', 0)
        .execute();
    },
    async reset(key) {
      await db.deleteFrom('login_failures').where('key', '=', key).execute();
    },
  };
}
