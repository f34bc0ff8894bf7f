/** Grouped transactions on a real SQLite file: one commit for many units, each unit atomic. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';
import { groupedTransactions } from './group-commit.js';
import type { Database } from './schema.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-group-'));
let n = 0;
let db: Kysely<Database>;
/** A scratch table outside Latchkey's schema. */
interface Scratch {
  t: { k: string; v: number };
}
const raw = () => db as unknown as Kysely<Scratch>;
const scratch = (trx: Kysely<Database>) => trx as unknown as Kysely<Scratch>;

beforeEach(async () => {
  db = openDatabase(`sqlite:${join(dir, `g-${++n}.db`)}`);
  await sql`create table t (k text primary key, v integer not null)`.execute(db);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const insert =
  (k: string, v = 1) =>
  (trx: Kysely<Database>) =>
    scratch(trx)
      .insertInto('t')
      .values({ k, v })
      .execute()
      .then(() => k);
const rows = async () =>
  (await raw().selectFrom('t').select(['k', 'v']).orderBy('k').execute()).map((r) => `${r.k}=${r.v}`);

describe('groupedTransactions', () => {
  it('runs the units queued in one turn in one transaction, answering each with its result', async () => {
    const transact = groupedTransactions(db);
    // One BEGIN for the three units: they share one commit.
    let begins = 0;
    const original = db.transaction.bind(db);
    db.transaction = (() => {
      begins++;
      return original();
    }) as typeof db.transaction;
    const results = await Promise.all(['a', 'b', 'c'].map((k) => transact(insert(k))));
    expect(results).toEqual(['a', 'b', 'c']);
    expect(begins).toBe(1);
    expect(await rows()).toEqual(['a=1', 'b=1', 'c=1']);
  });

  it('rolls back only the unit that failed, with all of its writes', async () => {
    const transact = groupedTransactions(db);
    await transact(insert('taken'));
    const outcomes = await Promise.allSettled([
      transact(insert('x')),
      // Two writes, the second a duplicate key: the first must not survive.
      transact(async (trx) => {
        await insert('half')(trx);
        await insert('taken')(trx);
      }),
      transact(insert('y')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await rows()).toEqual(['taken=1', 'x=1', 'y=1']);
  });

  it('runs units in arrival order, so a conditional update decides between racing units', async () => {
    const transact = groupedTransactions(db);
    await transact(insert('code', 0));
    const consume = () =>
      transact(async (trx) => {
        const result = await scratch(trx)
          .updateTable('t')
          .set({ v: 1 })
          .where('k', '=', 'code')
          .where('v', '=', 0)
          .executeTakeFirst();
        return Number(result.numUpdatedRows);
      });
    expect(await Promise.all([consume(), consume(), consume()])).toEqual([1, 0, 0]);
  });

  it('splits a long queue into transactions of at most maxUnits', async () => {
    const transact = groupedTransactions(db, 2);
    let begins = 0;
    const original = db.transaction.bind(db);
    db.transaction = (() => {
      begins++;
      return original();
    }) as typeof db.transaction;
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((k) => transact(insert(k))));
    expect(begins).toBe(3);
    expect(await rows()).toEqual(['a=1', 'b=1', 'c=1', 'd=1', 'e=1']);
  });

  it('fails every unit of a batch whose commit fails, and writes none of them', async () => {
    const transact = groupedTransactions(db);
    const original = db.transaction.bind(db);
    db.transaction = (() => {
      const builder = original();
      return {
        execute: async (fn: Parameters<typeof builder.execute>[0]) =>
          builder.execute(async (trx) => {
            await fn(trx);
            throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
          }),
      };
    }) as unknown as typeof db.transaction;
    const outcomes = await Promise.allSettled([transact(insert('p')), transact(insert('q'))]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    db.transaction = original;
    expect(await rows()).toEqual([]);
  });
});
