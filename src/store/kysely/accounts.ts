/** Users, login sessions and login-throttling counters. */
import type { Kysely } from 'kysely';
import { sanitizeClaims } from '../../protocol/oidc-core/standard-claims.js';
import type { LoginThrottle, SessionRecord, Sessions, UserRecord, Users } from '../ports.js';
import { uniqueInsert } from './errors.js';
import { fromUser, toUser } from './mappers.js';
import type { Database } from './schema.js';

export function usersRepository(db: Kysely<Database>): Users {
  return {
    async create(user: UserRecord) {
      await uniqueInsert(() => db.insertInto('users').values(fromUser(user)).execute());
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
  };
}

export function sessionsRepository(db: Kysely<Database>): Sessions {
  return {
    async create(s: SessionRecord) {
      await db
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
      return keys.map((k) => rows.find((r) => r.key === k)?.failures ?? 0);
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
