/**
 * Grants as lists show them (the account page, the admin API): joined with their client and user,
 * with when a token was last issued from each and whether anything issued from it still works.
 * One query with correlated subqueries over the tokens_grant_id index; newest first with a keyset
 * cursor (created_at, id), so pages stay stable while grants are added.
 */
import type { ExpressionBuilder, Kysely } from 'kysely';
import type { GrantListFilter, GrantListing } from '../ports.js';
import { splitScope } from './mappers.js';
import type { Database } from './schema.js';

type Eb = ExpressionBuilder<Database & { g: Database['grants'] }, 'g'>;

/** A token or code from the grant that is unexpired and unused: the grant can still be used. */
function liveIssued(eb: Eb, now: number) {
  return eb.or([
    eb.exists(
      eb
        .selectFrom('tokens as t')
        .select('t.token_digest')
        .whereRef('t.grant_id', '=', 'g.id')
        .where('t.revoked_at', 'is', null)
        .where('t.consumed_at', 'is', null)
        .where('t.expires_at', '>', now),
    ),
    eb.exists(
      eb
        .selectFrom('authorization_codes as a')
        .select('a.code_digest')
        .whereRef('a.grant_id', '=', 'g.id')
        .where('a.consumed_at', 'is', null)
        .where('a.expires_at', '>', now),
    ),
  ]);
}

export async function listGrants(
  db: Kysely<Database>,
  filter: GrantListFilter,
  now: number,
): Promise<GrantListing[]> {
  let q = db
    .selectFrom('grants as g')
    .innerJoin('clients as c', 'c.client_id', 'g.client_id')
    .leftJoin('users as u', 'u.id', 'g.user_id')
    .select((eb) => [
      'g.id',
      'g.client_id',
      'c.client_name',
      'c.client_uri',
      'g.user_id',
      'u.username',
      'g.scope',
      'g.created_at',
      'g.revoked_at',
      eb
        .selectFrom('tokens as t')
        .select((t) => t.fn.max('t.created_at').as('m'))
        .whereRef('t.grant_id', '=', 'g.id')
        .as('last_used_at'),
      eb
        .case()
        .when(eb.and([eb('g.revoked_at', 'is', null), liveIssued(eb, now)]))
        .then(1)
        .else(0)
        .end()
        .as('active'),
    ]);
  if (filter.userId !== undefined) q = q.where('g.user_id', '=', filter.userId);
  if (filter.clientId !== undefined) q = q.where('g.client_id', '=', filter.clientId);
  if (filter.activeOnly) q = q.where((eb) => eb.and([eb('g.revoked_at', 'is', null), liveIssued(eb, now)]));
  const before = filter.before;
  if (before) {
    q = q.where((eb) =>
      eb.or([
        eb('g.created_at', '<', before.createdAt),
        eb.and([eb('g.created_at', '=', before.createdAt), eb('g.id', '<', before.id)]),
      ]),
    );
  }
  const rows = await q.orderBy('g.created_at', 'desc').orderBy('g.id', 'desc').limit(filter.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    clientId: r.client_id,
    clientName: r.client_name,
    clientUri: r.client_uri,
    userId: r.user_id,
    username: r.username ?? null,
    scope: splitScope(r.scope),
    createdAt: Number(r.created_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    lastUsedAt: r.last_used_at === null || r.last_used_at === undefined ? null : Number(r.last_used_at),
    active: Number(r.active) === 1,
  }));
}
