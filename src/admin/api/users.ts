/** /admin/api/v1/users: create, list and search, read, change, set the password, disable, revoke. */
import type { User as UserRecord } from '../../protocol/types.js';
import { revokeUserGrants } from '../../services/admin-grants.js';
import { revokeUserSessions } from '../../services/grants.js';
import {
  createUser,
  disableUser,
  getUser,
  listUsers,
  setUserPassword,
  updateUser,
} from '../../services/users.js';
import { type AdminRoute, API_VERSION_PATH, defineRoute } from './route.js';
import { PageQuery, RevokedCounts } from './schemas.js';
import {
  PasswordBody,
  SessionsEnded,
  User,
  UserCreate,
  UserList,
  UserParams,
  UserPatch,
} from './schemas-users.js';

export const userJson = (user: UserRecord) => ({
  id: user.id,
  username: user.username,
  is_admin: user.isAdmin === true,
  disabled: user.disabled,
  profile: user.profile,
  updated_at: user.updatedAt,
  created_at: user.createdAt,
});

export const userRoutes: AdminRoute[] = [
  defineRoute({
    method: 'POST',
    path: '/users',
    operationId: 'createUser',
    summary: 'Create a user',
    tag: 'users',
    body: UserCreate,
    responses: { 201: { description: 'Created', schema: User } },
    async handle({ body, ctx }) {
      const { username, password, is_admin: isAdmin, profile } = body;
      const user = await createUser(ctx.deps, { username, password, isAdmin, profile }, ctx.actor);
      return {
        status: 201,
        body: userJson(user),
        headers: { Location: `/admin/api${API_VERSION_PATH}/users/${user.id}` },
      };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/users',
    operationId: 'listUsers',
    summary: 'List users in user-name order, optionally those whose name contains a search',
    tag: 'users',
    query: PageQuery,
    responses: { 200: { description: 'One page', schema: UserList } },
    async handle({ query, ctx }) {
      const page = await listUsers(ctx.deps, query);
      return { status: 200, body: { items: page.items.map(userJson), next_cursor: page.nextCursor } };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/users/{id}',
    operationId: 'getUser',
    summary: 'Read a user (never the password hash)',
    tag: 'users',
    params: UserParams,
    responses: { 200: { description: 'The user', schema: User } },
    async handle({ params, ctx }) {
      return { status: 200, body: userJson(await getUser(ctx.deps, { id: params.id })) };
    },
  }),
  defineRoute({
    method: 'PATCH',
    path: '/users/{id}',
    operationId: 'updateUser',
    summary: "Change a user's claims, admin flag or disabled state",
    description: 'Disabling also ends every session, grant and token of the user.',
    tag: 'users',
    params: UserParams,
    body: UserPatch,
    responses: { 200: { description: 'The user as it is now', schema: User } },
    async handle({ params, body, ctx }) {
      const { profile, is_admin: isAdmin, disabled } = body;
      const user = await updateUser(ctx.deps, { id: params.id }, { profile, isAdmin, disabled }, ctx.actor);
      return { status: 200, body: userJson(user) };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/users/{id}/password',
    operationId: 'setUserPassword',
    summary: "Set a user's password; signs them out everywhere",
    tag: 'users',
    params: UserParams,
    body: PasswordBody,
    responses: { 204: { description: 'Set; every session of the user has ended' } },
    async handle({ params, body, ctx }) {
      await setUserPassword(ctx.deps, { id: params.id }, body.password, ctx.actor);
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/users/{id}/disable',
    operationId: 'disableUser',
    summary: 'Disable a user: no more sign-ins; every session, grant and token ends',
    tag: 'users',
    params: UserParams,
    responses: { 200: { description: 'The user as it is now', schema: User } },
    async handle({ params, ctx }) {
      return { status: 200, body: userJson(await disableUser(ctx.deps, { id: params.id }, ctx.actor)) };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/users/{id}/grants/revoke-all',
    operationId: 'revokeUserGrants',
    summary: 'Revoke every grant of the user with its tokens',
    tag: 'users',
    params: UserParams,
    responses: { 200: { description: 'What was revoked', schema: RevokedCounts } },
    async handle({ params, ctx }) {
      const counts = await revokeUserGrants(ctx.deps, { id: params.id }, ctx.actor);
      return { status: 200, body: { grants_revoked: counts.grants, tokens_revoked: counts.tokens } };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/users/{id}/sessions/revoke-all',
    operationId: 'revokeUserSessions',
    summary: 'Sign the user out of every browser',
    tag: 'users',
    params: UserParams,
    responses: { 200: { description: 'How many sessions ended', schema: SessionsEnded } },
    async handle({ params, ctx }) {
      const user = await getUser(ctx.deps, { id: params.id });
      return {
        status: 200,
        body: { sessions_ended: await revokeUserSessions(ctx.deps, user.id, ctx.actor) },
      };
    },
  }),
];
