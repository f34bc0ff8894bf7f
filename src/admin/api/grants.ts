/** /admin/api/v1/grants: list a user's or a client's grants, revoke one. */
import { type GrantView, listGrants, revokeGrant } from '../../services/grants.js';
import { type AdminRoute, defineRoute } from './route.js';
import { GrantList, GrantParams, GrantQuery } from './schemas.js';

export const grantJson = (g: GrantView) => ({
  id: g.id,
  client_id: g.client.id,
  client_name: g.client.name,
  client_uri: g.client.uri,
  user_id: g.user?.id ?? null,
  username: g.user?.username ?? null,
  scope: g.scope.join(' '),
  created_at: g.createdAt,
  revoked_at: g.revokedAt,
  last_used_at: g.lastUsedAt,
  active: g.active,
});

export const grantRoutes: AdminRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/grants',
    operationId: 'listGrants',
    summary: "List a user's or a client's grants, newest first",
    description: 'Give exactly one of user_id and client_id.',
    tag: 'grants',
    query: GrantQuery,
    responses: { 200: { description: 'One page', schema: GrantList } },
    async handle({ query, ctx }) {
      const by = query.user_id !== undefined ? { userId: query.user_id } : { clientId: query.client_id! };
      const page = await listGrants(ctx.deps, by, {
        limit: query.limit,
        cursor: query.cursor,
        activeOnly: query.active === 'true',
      });
      return { status: 200, body: { items: page.grants.map(grantJson), next_cursor: page.nextCursor } };
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/grants/{id}',
    operationId: 'revokeGrant',
    summary: 'Revoke a grant and every token issued from it',
    description: 'Revoking a grant that is revoked already is not an error.',
    tag: 'grants',
    params: GrantParams,
    responses: { 204: { description: 'Revoked' } },
    async handle({ params, ctx }) {
      await revokeGrant(ctx.deps, params.id, ctx.actor);
      return { status: 204 };
    },
  }),
];
