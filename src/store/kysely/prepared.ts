/**
 * Queries built and compiled once, then run with new values: for the statements on the token
 * endpoint's and introspection's hot paths. Kysely builds an operation tree and compiles it to SQL
 * on every call; for a primary-key lookup that was ~20 µs of ~32 µs (bench: introspection spends
 * one such lookup per request), while the compiled SQL and parameter positions never change.
 *
 * The query is written with Kysely as usual, its values replaced by slots: placeholders that the
 * compiled parameters carry where the values go. Each run copies the parameters with the slots
 * filled in and hands the compiled query to the executor, so the connection, transactions and
 * error translation (errors.ts) work as for a built query. Plugins do not quite: their
 * transformQuery runs once, at compile time, on the slots — fine for the NUL-free plugin, whose
 * work on the values is redone here, but not for a plugin that rewrites values or pairs its
 * transformQuery with transformResult by query id. Use this only for queries on Latchkey's own
 * instance. The compiled form is kept per adapter and plugin set, which are what change the SQL:
 * a Kysely instance and its transactions share both.
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

/** Identity numbers for plugin objects, to key a compiled form by its instance's plugin list. */
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

/**
 * `build` receives the slots as `never`, so they fit any value position; `arity` says how many.
 * Returns a runner: `run(executor, ...values)` with exactly `arity` values, in slot order.
 */
export function prepared<R>(
  arity: number,
  build: (db: Kysely<Database>, ...slots: never[]) => Compilable<R>,
): (executor: Kysely<Database>, ...values: unknown[]) => Promise<QueryResult<R>> {
  // Per adapter (one per Kysely instance, shared by its transactions), then per plugin list: a
  // closed instance takes its compiled forms with it.
  const templates = new WeakMap<object, Map<string, Template>>();
  const slots = Array.from({ length: arity }, (_, i) => new Slot(i));

  const templateFor = (executor: Kysely<Database>): Template => {
    const { adapter, plugins } = executor.getExecutor();
    let byPlugins = templates.get(adapter);
    if (!byPlugins) {
      byPlugins = new Map();
      templates.set(adapter, byPlugins);
    }
    const key = plugins.map(identity).join(' ');
    let template = byPlugins.get(key);
    if (!template) {
      const compiled = build(executor, ...(slots as never[])).compile();
      const slotOf = compiled.parameters.map((p) => (p instanceof Slot ? p.index : -1));
      if (new Set(slotOf.filter((s) => s >= 0)).size !== arity)
        throw new Error(`prepared query binds fewer than its ${arity} values: ${compiled.sql}`);
      template = { compiled, slotOf, nulFree: adapter instanceof PostgresAdapter };
      byPlugins.set(key, template);
    }
    return template;
  };

  return (executor, ...values) => {
    if (values.length !== arity)
      throw new Error(`prepared query takes ${arity} values, was given ${values.length}`);
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
