/**
 * Queries built and compiled once, then run with new values: for the statements on the token
 * endpoint's and introspection's hot paths. Kysely builds an operation tree and compiles it to SQL
 * on every call; for a primary-key lookup that was ~20 µs of ~32 µs (bench: introspection spends
 * one such lookup per request), while the compiled SQL and parameter positions never change.
 *
 * The query is written with Kysely as usual, its values replaced by slots: placeholders that the
 * compiled parameters carry where the values go. Each run copies the parameters with the slots
 * filled in and hands the compiled query to the executor, so the connection, transactions,
 * error translation (errors.ts) and result plugins work exactly as for a built query.
 * The compiled form is kept per dialect and plugin set, which are what change the SQL: a Kysely
 * instance and its transactions share both.
 */
import {
  type Compilable,
  type CompiledQuery,
  createQueryId,
  type Kysely,
  PostgresAdapter,
  type QueryResult,
} from 'kysely';
import type { Database } from './schema.js';
import { withoutNul } from './text-values.js';

/** Where a value goes; compiled into the parameters, replaced at each run. */
class Slot {
  constructor(readonly index: number) {}
}

interface Template {
  compiled: CompiledQuery;
  /** For each compiled parameter, the argument it takes, or -1 for a constant. */
  slotOf: number[];
  /** PostgreSQL: strings are bound NUL-free, as nulFreeText does for built queries. */
  nulFree: boolean;
}

/**
 * `build` receives the slots as `never`, so they fit any value position; `arity` says how many.
 * Returns a runner: `run(executor, ...values)` with the values in slot order.
 */
/** Identity numbers for the adapter and plugin objects that make up a compiled form's key. */
const identities = new WeakMap<object, number>();
let lastIdentity = 0;
const identity = (object: object): number => {
  let id = identities.get(object);
  if (id === undefined) {
    id = ++lastIdentity;
    identities.set(object, id);
  }
  return id;
};

export function prepared<R>(
  arity: number,
  build: (db: Kysely<Database>, ...slots: never[]) => Compilable<R>,
): (executor: Kysely<Database>, ...values: unknown[]) => Promise<QueryResult<R>> {
  const templates = new Map<string, Template>();
  const slots = Array.from({ length: arity }, (_, i) => new Slot(i));

  const templateFor = (executor: Kysely<Database>): Template => {
    const { adapter, plugins } = executor.getExecutor();
    const key = [adapter, ...plugins].map(identity).join(' ');
    let template = templates.get(key);
    if (!template) {
      const compiled = build(executor, ...(slots as never[])).compile();
      template = {
        compiled,
        slotOf: compiled.parameters.map((p) => (p instanceof Slot ? p.index : -1)),
        nulFree: adapter instanceof PostgresAdapter,
      };
      if (template.slotOf.filter((s) => s >= 0).length < arity)
        throw new Error(`prepared query binds fewer than its ${arity} values: ${compiled.sql}`);
      templates.set(key, template);
    }
    return template;
  };

  return (executor, ...values) => {
    const { compiled, slotOf, nulFree } = templateFor(executor);
    const parameters = compiled.parameters.map((constant, i) => {
      const slot = slotOf[i]!;
      if (slot < 0) return constant;
      const value = values[slot];
      return nulFree && typeof value === 'string' ? withoutNul(value) : value;
    });
    return executor.executeQuery<R>({ ...compiled, parameters, queryId: createQueryId() });
  };
}
