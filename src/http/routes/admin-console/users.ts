/**
 * Console pages for users: list and search, create (a generated password shown once), the user's
 * page with claims and grants, edit the profile, set the password, and behind confirmation pages
 * (user-actions.ts): disable or enable, make or remove admin,
 * sign out everywhere, revoke all grants, revoke one grant. Rules are the services' (users.ts,
 * grants.ts, admin-grants.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomToken } from '../../../crypto/random.js';
import {
  COPY_SCRIPT_PATH,
  PROFILE_FORM_CLAIMS,
  type ProfileFormValues,
  renderUserCreatePage,
  renderUserDetailPage,
  renderUserListPage,
  renderUserPasswordPage,
} from '../../../pages/index.js';
import type { StandardClaimsUpdate } from '../../../protocol/oidc-core/standard-claims.js';
import type { StandardClaims } from '../../../protocol/types.js';
import { PASSWORD_LIMITS } from '../../../services/account.js';
import { GRANT_LIMIT_MAX, listGrants } from '../../../services/grants.js';
import { createUser, getUser, listUsers, setUserPassword, updateUser } from '../../../services/users.js';
import { field, type HttpContext } from '../../context.js';
import { sendPage } from '../../respond.js';
import { type Admin, adminPost, formError, PAGE, pagingLinks, queryValue, requireAdmin } from './common.js';
import { userActionRoutes } from './user-actions.js';

export const USER_PATHS = { list: '/admin/users', create: '/admin/users/new' } as const;
export const userHref = (id: string, action = '') =>
  `/admin/user/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;
export const userIdOf = (request: FastifyRequest) => (request.params as { id: string }).id;

export const USER_NOTICES: Record<string, string> = {
  password: 'Password set. The user has been signed out everywhere.',
  disabled: 'User disabled: every session, grant and token has ended.',
  enabled: 'User enabled: they can sign in again.',
  sessions: 'The user has been signed out everywhere.',
  grants: 'Every grant of the user has been revoked.',
  grant: 'The grant has been revoked.',
  profile: 'Profile saved.',
  'admin-granted': 'The user is now an administrator.',
  'admin-removed': 'The user is no longer an administrator.',
};

type FormProblem = { message: string; status: number };

const profileValuesOf = (profile: StandardClaims): ProfileFormValues => {
  const claims = profile as Record<string, unknown>;
  const values = Object.fromEntries(
    PROFILE_FORM_CLAIMS.map(([name]) => [name, typeof claims[name] === 'string' ? claims[name] : '']),
  ) as Record<(typeof PROFILE_FORM_CLAIMS)[number][0], string>;
  return { ...values, email_verified: profile.email_verified === true };
};

function profileValuesFromForm(body: Record<string, unknown>): ProfileFormValues {
  const values = Object.fromEntries(PROFILE_FORM_CLAIMS.map(([name]) => [name, field(body, name).trim()]));
  return {
    ...(values as Omit<ProfileFormValues, 'email_verified'>),
    email_verified: field(body, 'email_verified') === 'on',
  };
}

/** The form as a profile change: "" removes a claim (the service's rule); an unticked box with no email removes email_verified. */
function profileUpdateOf(values: ProfileFormValues): StandardClaimsUpdate {
  const { email_verified: verified, ...claims } = values;
  return { ...claims, email_verified: verified ? true : values.email ? false : null };
}

const claimText = (value: unknown): string =>
  typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);

export function userConsoleRoutes(app: FastifyInstance, ctx: HttpContext): void {
  async function showUser(
    reply: FastifyReply,
    admin: Admin,
    id: string,
    notice: string | null,
    problems: { password?: FormProblem; profile?: FormProblem & { values: ProfileFormValues } } = {},
  ) {
    const user = await getUser(ctx.deps, { id });
    const { grants } = await listGrants(ctx.deps, { userId: user.id }, { limit: GRANT_LIMIT_MAX });
    const html = renderUserDetailPage({
      ...admin.view('users'),
      id: user.id,
      username: user.username,
      isAdmin: user.isAdmin === true,
      disabled: user.disabled,
      createdAt: user.createdAt,
      claims: Object.entries(user.profile).map(([name, value]) => [name, claimText(value)]),
      grants: grants.map((g) => ({
        clientName: g.client.name,
        scope: g.scope,
        createdAt: g.createdAt,
        lastUsedAt: g.lastUsedAt,
        active: g.active,
        revokeHref:
          g.revokedAt === null
            ? `${userHref(user.id, 'revoke-grant')}?grant=${encodeURIComponent(g.id)}`
            : null,
      })),
      notice,
      passwordError: problems.password?.message ?? null,
      passwordAction: userHref(user.id, 'password'),
      profile: problems.profile?.values ?? profileValuesOf(user.profile),
      profileError: problems.profile?.message ?? null,
      profileAction: userHref(user.id, 'profile'),
      adminHref: userHref(user.id, user.isAdmin ? 'remove-admin' : 'make-admin'),
      disableHref: userHref(user.id, user.disabled ? 'enable' : 'disable'),
      revokeSessionsHref: userHref(user.id, 'revoke-sessions'),
      revokeGrantsHref: userHref(user.id, 'revoke-grants'),
      minPassword: PASSWORD_LIMITS.minLength,
    });
    return sendPage(reply, html, problems.password?.status ?? problems.profile?.status ?? 200);
  }

  function showCreate(
    reply: FastifyReply,
    admin: Admin,
    values: { username: string; isAdmin: boolean },
    error: { message: string; status: number } | null = null,
  ) {
    const html = renderUserCreatePage({
      ...admin.view('users'),
      ...values,
      error: error?.message ?? null,
      minPassword: PASSWORD_LIMITS.minLength,
    });
    return sendPage(reply, html, error?.status ?? 200);
  }

  app.get(USER_PATHS.list, PAGE, async (request, reply) => {
    const admin = await requireAdmin(ctx, request, reply);
    if (!admin) return reply;
    const search = queryValue(request, 'q').trim();
    const page = await listUsers(ctx.deps, { search, cursor: queryValue(request, 'cursor'), limit: 20 });
    const html = renderUserListPage({
      ...admin.view('users'),
      search,
      users: page.items.map((u) => ({
        username: u.username,
        isAdmin: u.isAdmin === true,
        disabled: u.disabled,
        href: userHref(u.id),
      })),
      ...pagingLinks(request, USER_PATHS.list, { q: search }, page.nextCursor),
      notice: null,
    });
    return sendPage(reply, html);
  });

  app.get(USER_PATHS.create, PAGE, async (request, reply) => {
    const admin = await requireAdmin(ctx, request, reply);
    return admin ? showCreate(reply, admin, { username: '', isAdmin: false }) : reply;
  });

  app.post(USER_PATHS.list, PAGE, async (request, reply) => {
    const posted = await adminPost(ctx, request, reply);
    if (!posted) return reply;
    const values = {
      username: field(posted.body, 'username').trim(),
      isAdmin: field(posted.body, 'is_admin') === 'on',
    };
    const given = field(posted.body, 'password');
    // The same length as the first admin's generated password (ensureAdminUser).
    const password = given || randomToken(12);
    try {
      const user = await createUser(ctx.deps, { ...values, password }, posted.admin.actor);
      if (given) return reply.redirect(userHref(user.id), 303);
      const html = renderUserPasswordPage({
        ...posted.admin.view('users'),
        username: user.username,
        password,
        scriptHref: COPY_SCRIPT_PATH,
        detailHref: userHref(user.id),
      });
      return sendPage(reply, html, 200, [], [], true);
    } catch (error) {
      const known = formError(error, ['invalid_request']);
      if (!known) throw error;
      return showCreate(reply, posted.admin, values, {
        message: known.description ?? '',
        status: known.status,
      });
    }
  });

  app.get('/admin/user/:id', PAGE, async (request, reply) => {
    const admin = await requireAdmin(ctx, request, reply);
    if (!admin) return reply;
    return showUser(reply, admin, userIdOf(request), USER_NOTICES[queryValue(request, 'done')] ?? null);
  });

  app.post('/admin/user/:id/password', PAGE, async (request, reply) => {
    const posted = await adminPost(ctx, request, reply);
    if (!posted) return reply;
    const id = userIdOf(request);
    try {
      await setUserPassword(ctx.deps, { id }, field(posted.body, 'password'), posted.admin.actor);
    } catch (error) {
      const known = formError(error, ['invalid_request']);
      if (!known) throw error;
      return showUser(reply, posted.admin, id, null, {
        password: { message: known.description ?? '', status: known.status },
      });
    }
    return reply.redirect(`${userHref(id)}?done=password`, 303);
  });

  app.post('/admin/user/:id/profile', PAGE, async (request, reply) => {
    const posted = await adminPost(ctx, request, reply);
    if (!posted) return reply;
    const id = userIdOf(request);
    const values = profileValuesFromForm(posted.body);
    try {
      await updateUser(ctx.deps, { id }, { profile: profileUpdateOf(values) }, posted.admin.actor);
    } catch (error) {
      const known = formError(error, ['invalid_request']);
      if (!known) throw error;
      return showUser(reply, posted.admin, id, null, {
        profile: { message: known.description ?? '', status: known.status, values },
      });
    }
    return reply.redirect(`${userHref(id)}?done=profile`, 303);
  });

  userActionRoutes(app, ctx);
}
