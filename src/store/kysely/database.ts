/**
 * Opens the database named by a URL: embedded SQLite (better-sqlite3, WAL) by default, or
 * PostgreSQL (pg, a connection pool) for several instances sharing one database. Both run the
 * same Kysely queries; the differences live here and in the drivers' error codes (errors.ts).
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { type Dialect, Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type PgModule from 'pg';
import { resilientDialect } from './errors.js';
import type { Database } from './schema.js';

export class DatabaseUrlError extends Error {
  override name = 'DatabaseUrlError';
}

export type DatabaseEngine = 'sqlite' | 'postgres';

/** How the PostgreSQL pool behaves; SQLite ignores it. Defaults are config/schema.ts's. */
export interface PoolOptions {
  poolSize: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

const DEFAULT_POOL: PoolOptions = { poolSize: 10, connectTimeoutMs: 2000, statementTimeoutMs: 5000 };

/** A URL with any password replaced, for messages and logs. */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/\/\/([^@/:]*):[^@/]*@/, '//$1:***@');
}

export function engineOf(url: string): DatabaseEngine {
  if (/^postgres(?:ql)?:\/\//.test(url)) return 'postgres';
  if (/^sqlite:/.test(url)) return 'sqlite';
  throw new DatabaseUrlError(
    `Unsupported database URL "${redactDatabaseUrl(url)}": use sqlite:<path> (for example sqlite:./data/latchkey.db) or postgres://user:password@host:5432/database`,
  );
}

/** `sqlite:<path>`, `sqlite://<path>` or `sqlite::memory:` → a file path or ':memory:'. */
export function sqlitePathFromUrl(url: string): string {
  const match = /^sqlite:(?:\/\/)?(.+)$/.exec(url);
  if (!match) engineOf(url);
  const path = match?.[1];
  if (!path) throw new DatabaseUrlError(`The database URL "${url}" names no file: use sqlite:<path>`);
  return path === ':memory:' ? path : resolve(path);
}

export function openDatabase(url: string, pool: Partial<PoolOptions> = {}): Kysely<Database> {
  const dialect =
    engineOf(url) === 'postgres'
      ? postgresDialect(url, { ...DEFAULT_POOL, ...pool })
      : sqliteDialect(sqlitePathFromUrl(url));
  return new Kysely<Database>({ dialect: resilientDialect(dialect) });
}

function sqliteDialect(path: string): Dialect {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SqliteDatabase(path);
  // WAL lets readers run beside the writer; FULL makes each commit durable across power loss,
  // which an issued token must be. foreign_keys enforces the cascades the migrations declare.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return new SqliteDialect({ database: withStatementCache(sqlite) });
}

/** The pg driver, loaded only when a PostgreSQL URL is opened: SQLite starts do not pay for it. */
const loadPg = (): typeof PgModule => createRequire(import.meta.url)('pg');

/** int8 (bigint) columns hold epoch milliseconds and counts: well inside Number's exact range. */
const INT8_OID = 20;
function typeParsers(pg: typeof PgModule) {
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID && format !== 'binary'
        ? (value: string) => Number(value)
        : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
  };
}

function postgresDialect(url: string, options: PoolOptions): Dialect {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseUrlError(`The database URL "${redactDatabaseUrl(url)}" is not a valid URL`);
  }
  if (!parsed.hostname && !parsed.searchParams.get('host')) {
    throw new DatabaseUrlError(`The database URL "${redactDatabaseUrl(url)}" names no host`);
  }
  const pg = loadPg();
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize,
    // A database that is down must turn into a quick 503, not requests queueing for minutes.
    connectionTimeoutMillis: options.connectTimeoutMs,
    // The server cancels long statements; the client gives up a little later in case the network
    // itself is gone (a cut link answers nothing, so only a client-side timer notices).
    statement_timeout: options.statementTimeoutMs,
    query_timeout: options.statementTimeoutMs + 1000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    types: typeParsers(pg),
  });
  // An idle connection the server drops (a restart, a failover) emits 'error' on the pool; without
  // a listener Node would crash the process. The pool discards that client and the next request
  // connects afresh, so there is nothing else to do here.
  pool.on('error', () => {});
  // The same for a connection that dies while checked out (between a transaction's statements):
  // its query fails and is answered 503, but the client's own 'error' event needs a listener too.
  pool.on('connect', (client) => client.on('error', () => {}));
  return new PostgresDialect({ pool });
}

/**
 * Kysely's SQLite driver prepares every query afresh, and preparing costs more than running the
 * query (a CPU profile of introspection showed ~19% in `prepare`). The queries are a small fixed
 * set of SQL strings with bound parameters, so each is prepared once and reused: better-sqlite3
 * statements are reusable, and the driver runs them synchronously, one at a time.
 */
export function withStatementCache(
  sqlite: SqliteDatabase.Database,
  maxStatements = 500,
): { prepare(sql: string): SqliteDatabase.Statement; close(): void } {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    prepare(sql) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        // A bound on memory should a caller ever build SQL with inlined values: drop the oldest.
        if (statements.size >= maxStatements) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
    close() {
      statements.clear();
      sqlite.close();
    },
  };
}
