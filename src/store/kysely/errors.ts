/** Driver errors turned into the store's own (ports.ts), for both engines. */
import type { DatabaseConnection, Dialect, Driver } from 'kysely';
import { DuplicateKeyError, StoreUnavailableError } from '../ports.js';

/** SQLite's constraint codes for a unique or primary key; PostgreSQL's is SQLSTATE 23505. */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

export async function uniqueInsert<T>(insert: () => Promise<T>): Promise<T> {
  try {
    return await insert();
  } catch (error) {
    if (isUniqueViolation(error)) throw new DuplicateKeyError('duplicate key', { cause: error });
    throw error;
  }
}

/** Network failures on the way to PostgreSQL (Node's codes). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * PostgreSQL SQLSTATEs that mean "not now" rather than "wrong query": connection exceptions
 * (class 08), insufficient resources (class 53: too many connections, disk full), operator
 * intervention (57P01–57P03: shutdown, crash, starting up), a statement cancelled by
 * statement_timeout (57014), and a write sent to a read-only standby after a failover (25006).
 */
function isUnavailableSqlState(code: string): boolean {
  return (
    code.startsWith('08') ||
    code.startsWith('53') ||
    ['57P01', '57P02', '57P03', '57014', '25006'].includes(code)
  );
}

/** pg's own errors carry no code, only these messages. */
const PG_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'is not queryable',
  'Client was closed',
];

/** SQLite: still locked after busy_timeout, disk full, I/O errors, a file that cannot be opened. */
const SQLITE_CODES = /^SQLITE_(BUSY|FULL|IOERR|CANTOPEN|PROTOCOL)/;

export function isUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  if (!error || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || SQLITE_CODES.test(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && isUnavailableSqlState(code)) return true;
  }
  if (typeof message === 'string' && PG_MESSAGES.some((m) => message.includes(m))) return true;
  // AggregateError from a dual-stack connect (ECONNREFUSED on ::1 and 127.0.0.1).
  const errors = (error as { errors?: unknown }).errors;
  return Array.isArray(errors) && errors.some(isUnavailable);
}

function translate(error: unknown): unknown {
  if (error instanceof StoreUnavailableError || !isUnavailable(error)) return error;
  return new StoreUnavailableError(`the database is unavailable: ${(error as Error).message}`, {
    cause: error,
  });
}

async function translated<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw translate(error);
  }
}

/**
 * Wraps a dialect so that every way the database can be unreachable — connecting, a query, a
 * transaction's begin or commit — surfaces as one StoreUnavailableError, which the HTTP layer
 * answers with 503. Other errors (a constraint, a bug) pass through unchanged.
 */
export function resilientDialect(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver(): Driver {
      const driver = dialect.createDriver();
      const wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>();
      const original = new WeakMap<DatabaseConnection, DatabaseConnection>();
      const unwrap = (connection: DatabaseConnection) => original.get(connection) ?? connection;
      const wrap = (connection: DatabaseConnection): DatabaseConnection => {
        let proxy = wrapped.get(connection);
        if (!proxy) {
          proxy = {
            executeQuery: (query) => translated(() => connection.executeQuery(query)),
            streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
          };
          wrapped.set(connection, proxy);
          original.set(proxy, connection);
        }
        return proxy;
      };
      return {
        init: () => translated(() => driver.init()),
        acquireConnection: () => translated(async () => wrap(await driver.acquireConnection())),
        beginTransaction: (c, settings) => translated(() => driver.beginTransaction(unwrap(c), settings)),
        commitTransaction: (c) => translated(() => driver.commitTransaction(unwrap(c))),
        rollbackTransaction: (c) => translated(() => driver.rollbackTransaction(unwrap(c))),
        releaseConnection: (c) => driver.releaseConnection(unwrap(c)),
        destroy: () => driver.destroy(),
      };
    },
  };
}
