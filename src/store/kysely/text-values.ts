/**
 * PostgreSQL's text types cannot hold U+0000: a parameter containing it fails the whole statement
 * ("invalid byte sequence for encoding UTF8: 0x00"), where SQLite stores it. Such values only ever
 * come from hostile input — a client_id, an interaction id or a user name with %00 in it — so on
 * PostgreSQL every NUL in a bound string becomes U+FFFD: a lookup then finds nothing and the
 * request gets its ordinary 4xx, instead of a 500.
 */
import {
  type Kysely,
  type KyselyPlugin,
  OperationNodeTransformer,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  PostgresAdapter,
  type PrimitiveValueListNode,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  type ValueNode,
} from 'kysely';

/** A string as PostgreSQL stores it once bound through nulFreeText. */
export function withoutNul(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
}

function clean(value: unknown): unknown {
  return typeof value === 'string' ? withoutNul(value) : value;
}

class NulFreeTransformer extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    const value = clean(node.value);
    return value === node.value ? node : { ...node, value };
  }

  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    return { ...node, values: node.values.map(clean) };
  }
}

class NulFreeTextPlugin implements KyselyPlugin {
  readonly #transformer = new NulFreeTransformer();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node, args.queryId);
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

const plugin = new NulFreeTextPlugin();
const wrapped = new WeakMap<object, object>();

/** `db` with NUL-free bound strings on PostgreSQL; `db` itself on SQLite. */
export function nulFreeText<DB>(db: Kysely<DB>): Kysely<DB> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return db;
  let safe = wrapped.get(db) as Kysely<DB> | undefined;
  if (!safe) {
    safe = db.withPlugin(plugin);
    wrapped.set(db, safe);
  }
  return safe;
}
