import SqliteDatabase from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { withStatementCache } from './database.js';

describe('withStatementCache', () => {
  it('prepares each SQL string once and reuses the statement', () => {
    const sqlite = new SqliteDatabase(':memory:');
    const cached = withStatementCache(sqlite);
    cached.prepare('create table t (x integer)').run();
    const insert = cached.prepare('insert into t (x) values (?)');
    expect(cached.prepare('insert into t (x) values (?)')).toBe(insert);
    insert.run(1);
    cached.prepare('insert into t (x) values (?)').run(2);
    expect(cached.prepare('select x from t order by x').all()).toEqual([{ x: 1 }, { x: 2 }]);
    cached.close();
    expect(sqlite.open).toBe(false);
  });

  it('keeps at most the given number of statements, dropping the oldest', () => {
    const sqlite = new SqliteDatabase(':memory:');
    const cached = withStatementCache(sqlite, 2);
    const first = cached.prepare('select 1');
    cached.prepare('select 2');
    cached.prepare('select 3');
    expect(cached.prepare('select 1')).not.toBe(first);
    cached.close();
  });
});
