/**
 * The database a test runs on. The suite runs twice in CI: on SQLite (the default) and on
 * PostgreSQL (vitest project "postgres", LATCHKEY_TEST_ENGINE=postgres), where each fresh database
 * is a schema of its own on LATCHKEY_TEST_POSTGRES_URL, so test files run side by side.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CompiledQuery, type Kysely } from 'kysely';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase } from '../../src/store/kysely/database.js';

export type TestEngine = 'sqlite' | 'postgres';

export const TEST_ENGINE: TestEngine =
  process.env.LATCHKEY_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

/** Schemas made here are `lk_t_<run id>_<random>`; the run's global teardown drops its own. */
export const TEST_SCHEMA_PREFIX = 'lk_t_';

function postgresBaseUrl(): string {
  const url = process.env.LATCHKEY_TEST_POSTGRES_URL;
  if (!url) throw new Error('LATCHKEY_TEST_ENGINE=postgres needs LATCHKEY_TEST_POSTGRES_URL');
  return url;
}

/** A PostgreSQL URL whose connections use `schema` (pg passes `options` at connection start). */
export function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}

/** Creates an empty schema on the test PostgreSQL server and returns a URL that uses it. */
export async function freshPostgresUrl(baseUrl = postgresBaseUrl()): Promise<string> {
  const schema = `${TEST_SCHEMA_PREFIX}${inject('postgresRunId')}_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(`create schema ${schema}`);
  } finally {
    await client.end();
  }
  return withSearchPath(baseUrl, schema);
}

/**
 * A URL for an empty database of the engine under test: a file `name`.db in `dir` (which the
 * caller removes), or a fresh PostgreSQL schema.
 */
export async function freshDatabaseUrl(dir: string, name = 'latchkey'): Promise<string> {
  return TEST_ENGINE === 'postgres' ? freshPostgresUrl() : `sqlite:${join(dir, `${name}.db`)}`;
}

/** A prepared statement's shape (better-sqlite3's), but asynchronous, for either engine. */
export interface RawStatement {
  get<T = Record<string, unknown>>(...args: unknown[]): Promise<T | undefined>;
  all<T = Record<string, unknown>>(...args: unknown[]): Promise<T[]>;
  run(...args: unknown[]): Promise<void>;
}

export interface RawDb {
  engine: TestEngine;
  /** SQL with `?` placeholders (rewritten to $1, $2… for PostgreSQL). */
  prepare(sql: string): RawStatement;
  /** The names of Latchkey's tables in this database. */
  tables(): Promise<string[]>;
}

function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function rawDb(db: Kysely<unknown>, engine: TestEngine): RawDb {
  const run = async <T>(sql: string, args: unknown[]) =>
    (await db.executeQuery<T>(CompiledQuery.raw(engine === 'postgres' ? numbered(sql) : sql, args))).rows;
  return {
    engine,
    prepare: (sql) => ({
      get: async <T>(...args: unknown[]) => (await run<T>(sql, args))[0],
      all: <T>(...args: unknown[]) => run<T>(sql, args),
      run: async (...args: unknown[]) => void (await run(sql, args)),
    }),
    async tables() {
      const sql =
        engine === 'postgres'
          ? "select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'"
          : "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'";
      return (await run<{ name: string }>(sql, [])).map((r) => r.name);
    },
  };
}

/** Opens the database at `url` for a test to read (or arrange) rows directly, then closes it. */
export async function withRawDb<T>(url: string, use: (db: RawDb) => Promise<T> | T): Promise<T> {
  const db = openDatabase(url, { poolSize: 1 }) as unknown as Kysely<unknown>;
  try {
    return await use(rawDb(db, url.startsWith('postgres') ? 'postgres' : 'sqlite'));
  } finally {
    await db.destroy();
  }
}
