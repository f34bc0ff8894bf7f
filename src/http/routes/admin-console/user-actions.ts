/**
 * The user actions that change access, each a GET confirmation page whose form posts: disable,
 * enable, make or remove admin, sign out everywhere, revoke all grants, revoke one grant.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { renderConfirmPage } from '../../../pages/index.js';
import { OAuthError } from '../../../protocol/errors.js';
import type { User } from '../../../protocol/types.js';
import { revokeUserGrants } from '../../../services/admin-grants.js';
import type { AuditActor } from '../../../services/audit.js';
import { GRANT_LIMIT_MAX, listGrants, revokeGrant, revokeUserSessions } from '../../../services/grants.js';
import { disableUser, getUser, updateUser } from '../../../services/users.js';
import { field, type HttpContext } from '../../context.js';
import { sendPage } from '../../respond.js';
import { adminPost, PAGE, queryValue, requireAdmin } from './common.js';
import { userHref, userIdOf } from './users.js';

interface UserAction {
  path: string;
  title: (user: User) => string;
  message: string;
  confirmLabel: string;
  /** Extra fields carried from the confirmation page's query to its form (the grant id). */
  carries?: string;
  run: (ctx: HttpContext, user: User, actor: AuditActor, form: Record<string, unknown>) => Promise<unknown>;
  /** The ?done= notice on the user's page afterwards. */
  done: string;
}

const ACTIONS: UserAction[] = [
  {
    path: 'disable',
    title: (u) => `Disable ${u.username}?`,
    message: 'They can no longer sign in, and every session, grant and token they have ends now.',
    confirmLabel: 'Disable user',
    run: (ctx, user, actor) => disableUser(ctx.deps, { id: user.id }, actor),
    done: 'disabled',
  },
  {
    path: 'enable',
    title: (u) => `Enable ${u.username}?`,
    message: 'They can sign in again. Apps will need their consent again where it was revoked.',
    confirmLabel: 'Enable user',
    run: (ctx, user, actor) => updateUser(ctx.deps, { id: user.id }, { disabled: false }, actor),
    done: 'enabled',
  },
  {
    path: 'make-admin',
    title: (u) => `Make ${u.username} an administrator?`,
    message: 'They can use this console and the admin API: manage every client, user, key and grant.',
    confirmLabel: 'Make admin',
    run: (ctx, user, actor) => updateUser(ctx.deps, { id: user.id }, { isAdmin: true }, actor),
    done: 'admin-granted',
  },
  {
    // The service refuses an administrator removing their own flag, with the message shown.
    path: 'remove-admin',
    title: (u) => `Remove ${u.username}'s admin access?`,
    message: 'They can no longer use this console or the admin API. Their account stays as it is.',
    confirmLabel: 'Remove admin',
    run: (ctx, user, actor) => updateUser(ctx.deps, { id: user.id }, { isAdmin: false }, actor),
    done: 'admin-removed',
  },
  {
    path: 'revoke-sessions',
    title: (u) => `Sign ${u.username} out everywhere?`,
    message: 'Every browser session of this user ends. Apps keep the access the user gave them.',
    confirmLabel: 'Sign out everywhere',
    run: (ctx, user, actor) => revokeUserSessions(ctx.deps, user.id, actor),
    done: 'sessions',
  },
  {
    path: 'revoke-grants',
    title: (u) => `Revoke every grant of ${u.username}?`,
    message: 'Every app this user gave access to loses it: their access and refresh tokens stop working now.',
    confirmLabel: 'Revoke all grants',
    run: (ctx, user, actor) => revokeUserGrants(ctx.deps, { id: user.id }, actor),
    done: 'grants',
  },
  {
    path: 'revoke-grant',
    title: (u) => `Revoke this grant of ${u.username}?`,
    message: 'The app loses this grant: its access and refresh tokens from it stop working now.',
    confirmLabel: 'Revoke grant',
    carries: 'grant',
    async run(ctx, user, actor, form) {
      const grantId = field(form, 'grant');
      // Only a grant of this user: the page named the user, so the post must not reach another's.
      // (The user's page lists at most GRANT_LIMIT_MAX grants, so these are the ones it links.)
      const { grants } = await listGrants(ctx.deps, { userId: user.id }, { limit: GRANT_LIMIT_MAX });
      if (!grants.some((g) => g.id === grantId)) throw new OAuthError('not_found', 'No such grant');
      return revokeGrant(ctx.deps, grantId, actor);
    },
    done: 'grant',
  },
];

export function userActionRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const userOf = (request: FastifyRequest) => getUser(ctx.deps, { id: userIdOf(request) });
  for (const action of ACTIONS) {
    const path = `/admin/user/:id/${action.path}`;
    app.get(path, PAGE, async (request, reply) => {
      const admin = await requireAdmin(ctx, request, reply);
      if (!admin) return reply;
      const user = await userOf(request);
      const html = renderConfirmPage({
        ...admin.view('users'),
        title: action.title(user),
        message: action.message,
        action: userHref(user.id, action.path),
        confirmLabel: action.confirmLabel,
        cancelHref: userHref(user.id),
        ...(action.carries && { fields: { [action.carries]: queryValue(request, action.carries) } }),
      });
      return sendPage(reply, html);
    });
    app.post(path, PAGE, async (request, reply) => {
      const posted = await adminPost(ctx, request, reply);
      if (!posted) return reply;
      const user = await userOf(request);
      await action.run(ctx, user, posted.admin.actor, posted.body);
      return reply.redirect(`${userHref(user.id)}?done=${action.done}`, 303);
    });
  }
}
