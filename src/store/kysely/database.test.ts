import SqliteDatabase from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../ports.js';
import {
  DatabaseUrlError,
  engineOf,
  openDatabase,
  redactDatabaseUrl,
  withStatementCache,
} from './database.js';
import { isUnavailable } from './errors.js';
import { openStore } from './index.js';

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

describe('database URLs', () => {
  it.each([
    ['sqlite:./data/x.db', 'sqlite'],
    ['sqlite::memory:', 'sqlite'],
    ['postgres://u:p@db:5432/latchkey', 'postgres'],
    ['postgresql://db/latchkey', 'postgres'],
  ])('reads %s as %s', (url, engine) => {
    expect(engineOf(url)).toBe(engine);
  });

  it.each(['mysql://u:hunter2@db/x', 'latchkey.db', 'http://db/x'])(
    'refuses %s, naming what works and never the password',
    (url) => {
      const problem = (() => {
        try {
          openDatabase(url);
        } catch (error) {
          return error as Error;
        }
      })();
      expect(problem).toBeInstanceOf(DatabaseUrlError);
      expect(problem?.message).toMatch(/use sqlite:<path>.*or postgres:\/\//);
      expect(problem?.message).not.toContain('hunter2');
    },
  );

  it.each(['postgres://', 'postgres:///latchkey', 'sqlite:'])(
    'refuses %s, which names no database',
    (url) => {
      expect(() => openDatabase(url)).toThrow(DatabaseUrlError);
    },
  );

  it('redacts the password of a PostgreSQL URL', () => {
    expect(redactDatabaseUrl('postgres://latchkey:s3cret@db:5432/x')).toBe(
      'postgres://latchkey:***@db:5432/x',
    );
  });
});

describe('an unreachable PostgreSQL', () => {
  it('fails to open with StoreUnavailableError, quickly and without hanging', async () => {
    // Port 1 on loopback: nothing listens, so the connection is refused at once.
    const opening = openStore('postgres://latchkey@127.0.0.1:1/latchkey', { connectTimeoutMs: 500 });
    await expect(opening).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(opening).rejects.toThrow(/the database is unavailable: .*ECONNREFUSED/);
  });
});

describe('isUnavailable', () => {
  it.each([
    [{ code: 'ECONNREFUSED' }],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }],
    [{ code: '08006' }],
    [{ code: '53300', message: 'too many connections' }],
    [{ code: '25006', message: 'cannot execute INSERT in a read-only transaction' }],
    [{ code: '57014', message: 'canceling statement due to statement timeout' }],
    [new Error('Connection terminated unexpectedly')],
    [new Error('timeout exceeded when trying to connect')],
    [{ code: 'SQLITE_BUSY' }],
    [{ code: 'SQLITE_IOERR_WRITE' }],
    [Object.assign(new AggregateError([{ code: 'ECONNREFUSED' }]), {})],
  ])('counts %o as the database being unavailable', (error) => {
    expect(isUnavailable(error)).toBe(true);
  });

  it.each([
    [{ code: '23505' }],
    [{ code: '42P01', message: 'relation "x" does not exist' }],
    [{ code: 'SQLITE_CONSTRAINT_UNIQUE' }],
    [new TypeError('x is undefined')],
    [null],
    ['text'],
  ])('does not count %o: that is a bug or a rule, not an outage', (error) => {
    expect(isUnavailable(error)).toBe(false);
  });
});
