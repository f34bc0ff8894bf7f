/**
 * Users' OpenID Connect profiles in the store (migration 0007): the Users contract for profiles,
 * against the ports only (plus raw SQL to damage a row and to replay the migration). It runs on
 * SQLite in temp files; a PostgreSQL factory is one more `profileContract(...)` call below.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl, TEST_ENGINE } from '../../../test/helpers/database.js';
import type { StandardClaims } from '../../protocol/types.js';
import type { Store, UserRecord } from '../ports.js';
import { openDatabase, openStore } from './index.js';
import { migrateToLatest } from './migrate.js';
import * as m1 from './migrations/0001-initial.js';
import * as m2 from './migrations/0002-client-introspect.js';
import * as m3 from './migrations/0003-client-token-lifetimes.js';
import * as m4 from './migrations/0004-signing-keys.js';
import * as m5 from './migrations/0005-client-access-token-format.js';
import * as m6 from './migrations/0006-openid-connect.js';
import type { Database } from './schema.js';

const T0 = 1_800_000_000;
let serial = 0;

const FULL: StandardClaims = {
  name: 'Alice Liddell',
  given_name: 'Alice',
  family_name: 'Liddell',
  middle_name: 'Pleasance',
  nickname: 'Al',
  profile: 'https://alice.example.com/',
  picture: 'https://alice.example.com/me.png',
  website: 'https://alice.example.com/blog',
  gender: 'female',
  birthdate: '0000-05-04',
  zoneinfo: 'Europe/London',
  locale: 'en-GB',
  email: 'alice@example.com',
  email_verified: true,
  phone_number: '+44 20 7946 0000',
  phone_number_verified: false,
  address: { formatted: 'St Aldates\nOxford', locality: 'Oxford', country: 'GB' },
};

function user(overrides: Partial<UserRecord> = {}): UserRecord {
  const n = ++serial;
  return {
    id: `user-${n}`,
    username: `name-${n}`,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    disabled: false,
    profile: {},
    updatedAt: T0,
    createdAt: T0,
    ...overrides,
  };
}

interface Opened {
  store: Store;
  db: Kysely<Database>;
}

function profileContract(engine: string, open: () => Promise<Opened>, cleanup: () => void): void {
  describe(`Users profile contract: ${engine}`, () => {
    let store: Store;
    let db: Kysely<Database>;
    beforeEach(async () => {
      ({ store, db } = await open());
    });
    afterEach(async () => store.close());
    afterAll(cleanup);

    const setProfileColumn = (id: string, value: string) =>
      sql`update users set profile = ${value} where id = ${id}`.execute(db);

    it('round-trips every standard claim and updated_at', async () => {
      const alice = user({ profile: FULL, updatedAt: T0 + 5 });
      await store.users.create(alice);
      expect(await store.users.findById(alice.id)).toEqual(alice);
      expect(await store.users.findByUsername(alice.username)).toEqual(alice);
    });

    it('stores an empty profile as {}', async () => {
      const bob = user();
      await store.users.create(bob);
      const row = await db
        .selectFrom('users')
        .select(['profile', 'updated_at'])
        .where('id', '=', bob.id)
        .executeTakeFirstOrThrow();
      expect(JSON.parse(row.profile)).toEqual({});
      expect(Number(row.updated_at)).toBe(T0);
    });

    it('never writes a claim outside the standard set', async () => {
      const sneaky = { name: 'Eve', is_admin: true } as StandardClaims;
      const eve = user({ profile: sneaky });
      await store.users.create(eve);
      const row = await db
        .selectFrom('users')
        .select('profile')
        .where('id', '=', eve.id)
        .executeTakeFirstOrThrow();
      expect(JSON.parse(row.profile)).toEqual({ name: 'Eve' });
      await store.users.updateProfile(eve.id, sneaky, T0 + 1);
      expect((await store.users.findById(eve.id))?.profile).toEqual({ name: 'Eve' });
    });

    it('replaces the whole profile and updated_at, and touches nothing else', async () => {
      const alice = user({ profile: FULL });
      const bob = user({ profile: { name: 'Bob' } });
      await store.users.create(alice);
      await store.users.create(bob);
      expect(await store.users.updateProfile(alice.id, { nickname: 'Ally' }, T0 + 60)).toBe(true);
      expect(await store.users.findById(alice.id)).toEqual({
        ...alice,
        profile: { nickname: 'Ally' },
        updatedAt: T0 + 60,
      });
      expect(await store.users.findById(bob.id)).toEqual(bob);
    });

    it('answers false for an unknown user and creates nothing', async () => {
      expect(await store.users.updateProfile('nobody', { name: 'Ghost' }, T0)).toBe(false);
      expect(await store.users.count()).toBe(0);
    });

    it.each([
      ['not JSON', '{"name": "Alice"'],
      ['a JSON string', '"Alice"'],
      ['a JSON array', '["Alice"]'],
      ['JSON null', 'null'],
      ['a number', '42'],
      ['an empty string', ''],
    ])('reads a profile column holding %s as an empty profile', async (_, value) => {
      const alice = user({ profile: FULL });
      await store.users.create(alice);
      await setProfileColumn(alice.id, value);
      expect(await store.users.findById(alice.id)).toEqual({ ...alice, profile: {} });
    });

    it('reads a damaged profile object as its well-typed claims only', async () => {
      const alice = user();
      await store.users.create(alice);
      await setProfileColumn(
        alice.id,
        JSON.stringify({
          name: 'Alice',
          email: 42,
          email_verified: 'yes',
          phone_number_verified: true,
          preferred_username: 'mallory',
          role: 'admin',
          address: { locality: 'Oxford', country: ['GB'] },
        }),
      );
      expect((await store.users.findByUsername(alice.username))?.profile).toEqual({
        name: 'Alice',
        phone_number_verified: true,
        address: { locality: 'Oxford' },
      });
    });

    it('reads a missing updated_at as created_at', async () => {
      const alice = user({ createdAt: T0 - 100, updatedAt: T0 });
      await store.users.create(alice);
      await sql`update users set updated_at = null where id = ${alice.id}`.execute(db);
      expect((await store.users.findById(alice.id))?.updatedAt).toBe(T0 - 100);
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'latchkey-profile-'));
let files = 0;
profileContract(
  TEST_ENGINE === 'postgres' ? 'PostgreSQL' : 'SQLite',
  async () => openStore(await freshDatabaseUrl(dir, `store-${++files}`)),
  () => rmSync(dir, { recursive: true, force: true }),
);

describe('migration 0007-user-profile', () => {
  const before: Record<string, Migration> = {
    '0001-initial': m1,
    '0002-client-introspect': m2,
    '0003-client-token-lifetimes': m3,
    '0004-signing-keys': m4,
    '0005-client-access-token-format': m5,
    '0006-openid-connect': m6,
  };
  const migrationDir = mkdtempSync(join(tmpdir(), 'latchkey-profile-migration-'));
  afterAll(() => rmSync(migrationDir, { recursive: true, force: true }));

  it('gives existing users an empty profile, last updated when they were created', async () => {
    const db = openDatabase(await freshDatabaseUrl(migrationDir, 'old'));
    try {
      const old = new Migrator({
        db,
        // As migrate.ts does: on PostgreSQL, Kysely would otherwise find another test schema's tables.
        migrationTableSchema:
          TEST_ENGINE === 'postgres'
            ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s
            : undefined,
        provider: { getMigrations: async () => before },
        migrationTableName: 'latchkey_migrations',
        migrationLockTableName: 'latchkey_migrations_lock',
      });
      expect((await old.migrateToLatest()).error).toBeUndefined();
      await sql`insert into users (id, username, password_hash, disabled, created_at)
                values ('u1', 'olduser', 'hash', 0, ${T0 - 3600})`.execute(db);

      const applied = await migrateToLatest(db);
      // 0007 runs first; later migrations follow it.
      expect(applied[0]?.migrationName).toBe('0007-user-profile');
      const row = await db.selectFrom('users').selectAll().where('id', '=', 'u1').executeTakeFirstOrThrow();
      expect(row.profile).toBe('{}');
      expect(Number(row.updated_at)).toBe(T0 - 3600);
    } finally {
      await db.destroy();
    }
  });
});
