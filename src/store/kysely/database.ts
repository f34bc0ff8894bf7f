/**
 * Opens the database named by a URL. SQLite (better-sqlite3) is the embedded default, in WAL
 * mode. PostgreSQL will use these same queries (issue 6); until then its URLs are refused clearly.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from './schema.js';

export class DatabaseUrlError extends Error {
  override name = 'DatabaseUrlError';
}

/** `sqlite:<path>`, `sqlite://<path>` or `sqlite::memory:` → a file path or ':memory:'. */
export function sqlitePathFromUrl(url: string): string {
  const match = /^sqlite:(?:\/\/)?(.+)$/.exec(url);
  if (!match) {
    throw new DatabaseUrlError(
      `Unsupported database URL "${url.replace(/\/\/[^@/]*@/, '//***@')}": use sqlite:<path> (for example sqlite:./data/latchkey.db)`,
    );
  }
  const path = match[1]!;
  return path === ':memory:' ? path : resolve(path);
}

export function openDatabase(url: string): Kysely<Database> {
  const path = sqlitePathFromUrl(url);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SqliteDatabase(path);
  // WAL lets readers run beside the writer; FULL makes each commit durable across power loss,
  // which an issued token must be. foreign_keys enforces the cascades the migrations declare.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
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
