/** Queries compiled once and run with new values, on the engine under test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../../../test/helpers/database.js';
import { openDatabase } from './database.js';
import { prepared } from './prepared.js';
import type { Database } from './schema.js';
import { nulFreeText } from './text-values.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-prepared-'));
let db: Kysely<Database>;
beforeAll(async () => {
  // Latchkey's own server_secrets table (name, value, created_at) as a scratch table.
  db = nulFreeText(openDatabase(await freshDatabaseUrl(dir, 'prepared')));
  await sql`create table server_secrets (name text primary key, value text not null, created_at bigint not null)`.execute(
    db,
  );
});
afterAll(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const insert = prepared(3, (q, name, value, at) =>
  q.insertInto('server_secrets').values({ name, value, created_at: at }),
);
// A constant beside the slots: it must stay in place, in its position among the parameters.
const findNewer = prepared(2, (q, name, after) =>
  q
    .selectFrom('server_secrets')
    .select(['name', 'value'])
    .where('created_at', '>', after)
    .where('value', '!=', 'hidden')
    .where('name', '=', name),
);

describe('prepared queries', () => {
  it('binds new values on every run, keeping the constants', async () => {
    await insert(db, 'a', 'one', 10);
    await insert(db, 'b', 'two', 20);
    await insert(db, 'c', 'hidden', 30);
    expect((await findNewer(db, 'a', 5)).rows).toEqual([{ name: 'a', value: 'one' }]);
    expect((await findNewer(db, 'a', 10)).rows).toEqual([]);
    expect((await findNewer(db, 'b', 5)).rows).toEqual([{ name: 'b', value: 'two' }]);
    expect((await findNewer(db, 'c', 5)).rows).toEqual([]);
  });

  it('runs inside a transaction, and reports affected rows', async () => {
    const update = prepared(2, (q, value, name) =>
      q.updateTable('server_secrets').set({ value }).where('name', '=', name),
    );
    await db.transaction().execute(async (trx) => {
      expect(Number((await update(trx, 'uno', 'a')).numAffectedRows)).toBe(1);
      expect(Number((await update(trx, 'x', 'nobody')).numAffectedRows)).toBe(0);
    });
    expect((await findNewer(db, 'a', 0)).rows).toEqual([{ name: 'a', value: 'uno' }]);
  });

  it('binds strings with a NUL character as the built queries do (U+FFFD on PostgreSQL)', async () => {
    await insert(db, 'n\u0000ul', 'v', 40);
    const [row] = (await findNewer(db, 'n\u0000ul', 0)).rows;
    expect(row?.value).toBe('v');
  });

  it('refuses a query that does not bind every value it promises, even using one twice', () => {
    const broken = prepared(2, (q, name) =>
      q.selectFrom('server_secrets').select('name').where('name', '=', name),
    );
    expect(() => broken(db, 'a', 'b')).toThrow(/binds fewer than its 2 values/);
    const twice = prepared(2, (q, name) =>
      q.selectFrom('server_secrets').select('name').where('name', '=', name).where('value', '=', name),
    );
    expect(() => twice(db, 'a', 'b')).toThrow(/binds fewer than its 2 values/);
  });

  it('refuses a run with more or fewer values than slots, rather than bind NULL', () => {
    expect(() => findNewer(db, 'a')).toThrow(/takes 2 values, was given 1/);
    expect(() => findNewer(db, 'a', 1, 2)).toThrow(/takes 2 values, was given 3/);
  });
});
