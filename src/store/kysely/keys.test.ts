/**
 * The SigningKeys contract, against the ports only (plus raw SQL to corrupt a row). It runs on
 * SQLite in temp files; a PostgreSQL factory is one more `keysContract(...)` call below.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl, TEST_ENGINE } from '../../../test/helpers/database.js';
import type { SigningAlgorithm } from '../../crypto/keys.js';
import { DuplicateKeyError, type SigningKeyRecord, type Store } from '../ports.js';
import { openStore } from './index.js';
import type { Database } from './schema.js';

const T0 = 1_800_000_000;
let serial = 0;

function key(alg: SigningAlgorithm = 'ES256', overrides: Partial<SigningKeyRecord> = {}): SigningKeyRecord {
  const kid = `kid-${++serial}`;
  return {
    kid,
    alg,
    privateJwk: { kty: 'EC', crv: 'P-256', x: `x${serial}`, y: `y${serial}`, d: `d${serial}`, kid, alg },
    publicJwk: { kty: 'EC', crv: 'P-256', x: `x${serial}`, y: `y${serial}` },
    createdAt: T0,
    activatedAt: T0,
    retireAt: null,
    ...overrides,
  };
}

interface Opened {
  store: Store;
  db: Kysely<Database>;
  /** A second store on the same database (another instance). */
  other(): Promise<Store>;
}

function keysContract(engine: string, open: () => Promise<Opened>, cleanup: () => void): void {
  describe(`SigningKeys contract: ${engine}`, () => {
    let t: Opened;
    const extra: Store[] = [];
    beforeEach(async () => {
      t = await open();
    });
    afterEach(async () => {
      for (const s of extra.splice(0)) await s.close();
      await t.store.close();
    });
    afterAll(cleanup);

    it('lists nothing at first, then every key oldest first with its JWKs intact', async () => {
      expect(await t.store.keys.list()).toEqual({ keys: [], unreadable: [] });
      const later = key('RS256', { createdAt: T0 + 5, activatedAt: T0 + 5 });
      const first = key('ES256');
      await t.store.keys.insert(later);
      await t.store.keys.insert(first);
      expect(await t.store.keys.list()).toEqual({ keys: [first, later], unreadable: [] });
    });

    it('keeps one key per alg that is not being retired, and unique kids', async () => {
      const es = key('ES256');
      await t.store.keys.insert(es);
      await expect(t.store.keys.insert(key('ES256'))).rejects.toBeInstanceOf(DuplicateKeyError);
      await t.store.keys.insert(key('EdDSA'));
      await expect(t.store.keys.insert({ ...key('RS256'), kid: es.kid })).rejects.toBeInstanceOf(
        DuplicateKeyError,
      );
      expect((await t.store.keys.list()).keys.map((k) => k.alg)).toEqual(['ES256', 'EdDSA']);
    });

    it('lets exactly one of two instances racing to insert an alg’s first key win', async () => {
      const other = await t.other();
      extra.push(other);
      const results = await Promise.allSettled([
        t.store.keys.insert(key('ES256')),
        other.keys.insert(key('ES256')),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toBeInstanceOf(DuplicateKeyError);
      expect((await t.store.keys.list()).keys).toHaveLength(1);
    });

    it('rotates: the old key gets its retire time and the new one takes its place, together', async () => {
      const old = key('ES256');
      const rs = key('RS256');
      await t.store.keys.insert(old);
      await t.store.keys.insert(rs);
      const next = key('ES256', { createdAt: T0 + 10, activatedAt: T0 + 10 });
      expect(await t.store.keys.rotate('ES256', next, T0 + 4000)).toEqual([old.kid]);
      const third = key('ES256', { createdAt: T0 + 20, activatedAt: T0 + 20 });
      expect(await t.store.keys.rotate('ES256', third, T0 + 5000)).toEqual([next.kid]);
      const { keys } = await t.store.keys.list();
      const retireAt = Object.fromEntries(keys.map((k) => [k.kid, k.retireAt]));
      // An earlier rotation's retire time is kept; other algs are untouched.
      expect(retireAt).toEqual({
        [old.kid]: T0 + 4000,
        [rs.kid]: null,
        [next.kid]: T0 + 5000,
        [third.kid]: null,
      });
    });

    it('rotates an alg that has no key yet by just adding one', async () => {
      const first = key('EdDSA');
      expect(await t.store.keys.rotate('EdDSA', first, T0 + 100)).toEqual([]);
      expect((await t.store.keys.list()).keys).toEqual([first]);
    });

    it('writes nothing when the new key of a rotation cannot be stored', async () => {
      const old = key('ES256');
      await t.store.keys.insert(old);
      await expect(
        t.store.keys.rotate('ES256', { ...key('ES256'), kid: old.kid }, T0 + 100),
      ).rejects.toBeInstanceOf(DuplicateKeyError);
      expect((await t.store.keys.list()).keys).toEqual([old]);
    });

    it('retires a key now: signing, scheduled, but not unknown or retired already', async () => {
      const a = key('ES256');
      const b = key('RS256', { retireAt: null });
      await t.store.keys.insert(a);
      await t.store.keys.insert(b);
      await t.store.keys.rotate('RS256', key('RS256'), T0 + 9000);
      expect(await t.store.keys.retire(a.kid, T0 + 50)).toBe(true);
      expect(await t.store.keys.retire(b.kid, T0 + 60)).toBe(true); // pulled in from T0 + 9000
      expect(await t.store.keys.retire(a.kid, T0 + 70)).toBe(false);
      expect(await t.store.keys.retire('no-such-kid', T0 + 70)).toBe(false);
      const { keys } = await t.store.keys.list();
      expect(keys.find((k) => k.kid === a.kid)?.retireAt).toBe(T0 + 50);
      expect(keys.find((k) => k.kid === b.kid)?.retireAt).toBe(T0 + 60);
      // The retired key's alg has room for a new one.
      await t.store.keys.insert(key('ES256'));
    });

    it('purges keys whose retire time has come, and through housekeeping too', async () => {
      const gone = key('ES256');
      const leaving = key('RS256');
      const staying = key('EdDSA');
      for (const k of [gone, leaving, staying]) await t.store.keys.insert(k);
      await t.store.keys.retire(gone.kid, T0 + 10);
      await t.store.keys.rotate('RS256', key('RS256'), T0 + 100);
      expect(await t.store.keys.purgeRetired(T0 + 99)).toBe(1);
      const counts = await t.store.housekeeping.purgeExpired(T0 + 100, {
        codeRetention: 0,
        throttleWindow: 0,
      });
      expect(counts.signingKeys).toBe(1);
      expect((await t.store.keys.list()).keys.map((k) => k.alg).sort()).toEqual(['EdDSA', 'RS256']);
      expect(await t.store.keys.purgeRetired(T0 + 10_000)).toBe(0);
    });

    it('sets unreadable rows apart instead of failing, without echoing their content', async () => {
      const good = key('ES256');
      const bad = key('RS256');
      const odd = key('EdDSA');
      const halved = key('RS256', { createdAt: T0 + 1 });
      for (const k of [good, bad, odd]) await t.store.keys.insert(k);
      await t.store.keys.rotate('RS256', halved, T0 + 500);
      await sql`update signing_keys set private_jwk = ${'{"kty":"EC"}'} where kid = ${halved.kid}`.execute(
        t.db,
      );
      await sql`update signing_keys set private_jwk = ${'{"d":"SECRET'} where kid = ${bad.kid}`.execute(t.db);
      await sql`update signing_keys set public_jwk = ${'[1]'}, alg = ${'HS256'} where kid = ${odd.kid}`.execute(
        t.db,
      );
      const { keys, unreadable } = await t.store.keys.list();
      expect(keys).toEqual([good]);
      expect(unreadable).toEqual([
        {
          kid: bad.kid,
          alg: 'RS256',
          createdAt: T0,
          activatedAt: T0,
          retireAt: T0 + 500,
          problem: 'private_jwk is not valid JSON',
        },
        {
          kid: odd.kid,
          alg: 'HS256',
          createdAt: T0,
          activatedAt: T0,
          retireAt: null,
          problem: 'alg "HS256" is not supported; public_jwk is not a JSON object',
        },
        {
          kid: halved.kid,
          alg: 'RS256',
          createdAt: T0 + 1,
          activatedAt: T0,
          retireAt: null,
          problem: 'private_jwk has no "d"',
        },
      ]);
      expect(JSON.stringify(unreadable)).not.toContain('SECRET');
      // An unreadable key can still be retired (and then purged) by kid.
      expect(await t.store.keys.retire(bad.kid, T0 + 1)).toBe(true);
      expect(await t.store.keys.purgeRetired(T0 + 1)).toBe(1);
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'latchkey-keys-'));
let files = 0;
keysContract(
  TEST_ENGINE === 'postgres' ? 'PostgreSQL' : 'SQLite',
  async () => {
    const url = await freshDatabaseUrl(dir, `keys-${++files}`);
    const { store, db } = await openStore(url);
    return { store, db, other: async () => (await openStore(url)).store };
  },
  () => rmSync(dir, { recursive: true, force: true }),
);
