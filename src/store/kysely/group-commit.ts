/**
 * Group commit for SQLite: the write transactions of many requests run one after another inside
 * one database transaction, each in its own savepoint, and each caller is answered once that
 * transaction has committed.
 *
 * Why: with synchronous=FULL every commit waits for an fsync (~0.6 ms on an idle reference
 * machine, several ms on a busy disk), and better-sqlite3 waits synchronously, blocking the event
 * loop. One commit per issued token therefore capped a process at ~1,600 tokens/s, and far less
 * when the disk was busy. Units queued while one batch commits go into the next, so the batch
 * grows with the load, and nothing is promised earlier than before: no token is returned before
 * the row that makes it valid is on disk.
 *
 * Each unit keeps its own atomicity: a unit that throws is rolled back to its savepoint and only
 * its caller sees the error. Units run in arrival order, so a conditional UPDATE in one (a code
 * consumed) is seen by the next (its replay), exactly as with separate transactions.
 *
 * A unit must use only the transaction it is given: the connection is held for the whole batch.
 *
 * PostgreSQL does not use this: each request there has its own connection, and the server
 * already shares WAL flushes between concurrent commits.
 */
import { CompiledQuery, createQueryId, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.js';

/** Runs `work` in a transaction (alone, or grouped with others) and returns its result. */
export type Transact = <T>(work: (trx: Transaction<Database>) => Promise<T>) => Promise<T>;

/** One transaction per unit: PostgreSQL, and any engine where grouping is off. */
export function separateTransactions(db: Kysely<Database>): Transact {
  return (work) => db.transaction().execute(work);
}

/** The savepoint statements, compiled once: two per unit (three when one fails), on the hottest write path. */
const SAVEPOINT = CompiledQuery.raw('savepoint unit');
const RELEASE = CompiledQuery.raw('release unit');
const ROLLBACK_TO = CompiledQuery.raw('rollback to unit');
const run = (trx: Transaction<Database>, statement: CompiledQuery) =>
  trx.executeQuery({ ...statement, queryId: createQueryId() });

interface Unit {
  work(trx: Transaction<Database>): Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export function groupedTransactions(db: Kysely<Database>, maxUnits = 128): Transact {
  let queue: Unit[] = [];
  let scheduled = false;

  const runAll = async (trx: Transaction<Database>, batch: Unit[]): Promise<Outcome[]> => {
    const outcomes: Outcome[] = [];
    for (const unit of batch) {
      await run(trx, SAVEPOINT);
      try {
        const value = await unit.work(trx);
        await run(trx, RELEASE);
        outcomes.push({ ok: true, value });
      } catch (error) {
        await run(trx, ROLLBACK_TO);
        await run(trx, RELEASE);
        outcomes.push({ ok: false, error });
      }
    }
    return outcomes;
  };

  const flush = async () => {
    scheduled = false;
    const batch = queue.slice(0, maxUnits);
    queue = queue.slice(maxUnits);
    if (queue.length > 0) schedule();
    let outcomes: Outcome[];
    try {
      outcomes = await db.transaction().execute((trx) => runAll(trx, batch));
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of the batch was written.
      for (const unit of batch) unit.reject(error);
      return;
    }
    batch.forEach((unit, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) unit.resolve(outcome.value);
      else unit.reject(outcome.error);
    });
  };

  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    // setImmediate runs after this turn's I/O callbacks: every request parsed in the same turn
    // joins the batch, and a lone request waits for no timer.
    setImmediate(() => void flush());
  };

  return <T>(work: (trx: Transaction<Database>) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      schedule();
    });
}
