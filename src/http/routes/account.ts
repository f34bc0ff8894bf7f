/**
 * The account page for any signed-in user: GET /account, GET|POST /account/remove-access (a
 * confirmation page, then the CSRF-protected post), POST /account/password, POST
 * /account/sign-out-everywhere. Without a session the pages send the browser to /login.
 * The CSRF token is checked before anything else, so a forged post changes nothing.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  type AccountAppView,
  renderAccountPage,
  renderLoggedOutPage,
  renderRemoveAccessPage,
} from '../../pages/index.js';
import { OAuthError } from '../../protocol/errors.js';
import { changePassword, PASSWORD_LIMITS, selfActor } from '../../services/account.js';
import { type AppAccess, listUserApps, removeAccess, revokeUserSessions } from '../../services/grants.js';
import type { SignedIn } from '../../services/login.js';
import { describeScope } from '../../services/scopes.js';
import { chromeOf, field, formBody, type HttpContext, signedInUser } from '../context.js';
import { checkCsrf, clearSessionCookie, csrfToken } from '../cookies.js';
import { sendPage } from '../respond.js';

export const ACCOUNT_PATHS = {
  account: '/account',
  removeAccess: '/account/remove-access',
  password: '/account/password',
  signOutEverywhere: '/account/sign-out-everywhere',
} as const;

const page = { config: { errorFormat: 'page' as const } };

/** What /account?done=… confirms; anything else shows no notice. */
const NOTICES: Record<string, string> = {
  removed: 'Access removed. That app can no longer use your account.',
  password: 'Your password has been changed. Your other sessions have been signed out.',
};

const appView = (app: AppAccess): AccountAppView => ({
  clientId: app.client.id,
  name: app.client.name,
  uri: app.client.uri,
  scopes: app.scope.map(describeScope),
  grantedAt: app.grantedAt,
  lastUsedAt: app.lastUsedAt,
  removeHref: `${ACCOUNT_PATHS.removeAccess}?client_id=${encodeURIComponent(app.client.id)}`,
});

const actorOf = (signedIn: SignedIn, request: FastifyRequest) =>
  selfActor(signedIn, { ip: request.ip, userAgent: request.headers['user-agent'] ?? null });

function queryValue(request: FastifyRequest, name: string): string {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

export function accountRoutes(app: FastifyInstance, ctx: HttpContext): void {
  async function showAccount(
    request: FastifyRequest,
    reply: FastifyReply,
    signedIn: SignedIn,
    passwordError: { message: string; status: number } | null = null,
  ) {
    const apps = await listUserApps(ctx.deps, signedIn.user.id);
    const html = renderAccountPage({
      ...chromeOf(ctx),
      username: signedIn.user.username,
      csrfToken: csrfToken(request, reply, ctx.cookies),
      apps: apps.map(appView),
      notice: passwordError ? null : (NOTICES[queryValue(request, 'done')] ?? null),
      passwordError: passwordError?.message ?? null,
      password: PASSWORD_LIMITS,
      passwordAction: ACCOUNT_PATHS.password,
      signOutEverywhereAction: ACCOUNT_PATHS.signOutEverywhere,
      homeHref: '/',
    });
    return sendPage(reply, html, passwordError?.status ?? 200);
  }

  app.get(ACCOUNT_PATHS.account, page, async (request, reply) => {
    const signedIn = await signedInUser(ctx, request);
    if (!signedIn) return reply.redirect('/login', 302);
    return showAccount(request, reply, signedIn);
  });

  app.get(ACCOUNT_PATHS.removeAccess, page, async (request, reply) => {
    const signedIn = await signedInUser(ctx, request);
    if (!signedIn) return reply.redirect('/login', 302);
    const clientId = queryValue(request, 'client_id');
    const found = (await listUserApps(ctx.deps, signedIn.user.id)).find((a) => a.client.id === clientId);
    if (!found) throw new OAuthError('not_found', 'This app does not have access to your account.');
    const html = renderRemoveAccessPage({
      ...chromeOf(ctx),
      csrfToken: csrfToken(request, reply, ctx.cookies),
      action: ACCOUNT_PATHS.removeAccess,
      cancelHref: ACCOUNT_PATHS.account,
      app: appView(found),
    });
    return sendPage(reply, html);
  });

  app.post(ACCOUNT_PATHS.removeAccess, page, async (request, reply) => {
    const body = formBody(request);
    checkCsrf(request, ctx.cookies, body.csrf_token);
    const signedIn = await signedInUser(ctx, request);
    if (!signedIn) return reply.redirect('/login', 303);
    const clientId = field(body, 'client_id');
    if (!clientId) throw new OAuthError('invalid_request', 'No app was named. Go back and try again.');
    // Removing what is already gone is done, not an error: a second click lands here too.
    await removeAccess(ctx.deps, signedIn.user.id, clientId, actorOf(signedIn, request));
    return reply.redirect(`${ACCOUNT_PATHS.account}?done=removed`, 303);
  });

  app.post(ACCOUNT_PATHS.password, page, async (request, reply) => {
    const body = formBody(request);
    checkCsrf(request, ctx.cookies, body.csrf_token);
    const signedIn = await signedInUser(ctx, request);
    if (!signedIn) return reply.redirect('/login', 303);
    const change = {
      current: field(body, 'current_password'),
      next: field(body, 'new_password'),
      confirm: field(body, 'confirm_password'),
    };
    try {
      await changePassword(ctx.deps, signedIn, change, actorOf(signedIn, request));
    } catch (error) {
      if (!(error instanceof OAuthError) || !['invalid_request', 'too_many_requests'].includes(error.code))
        throw error;
      reply.headers(error.headers);
      return showAccount(request, reply, signedIn, {
        message: error.description ?? '',
        status: error.status,
      });
    }
    return reply.redirect(`${ACCOUNT_PATHS.account}?done=password`, 303);
  });

  app.post(ACCOUNT_PATHS.signOutEverywhere, page, async (request, reply) => {
    checkCsrf(request, ctx.cookies, formBody(request).csrf_token);
    const signedIn = await signedInUser(ctx, request);
    if (signedIn) await revokeUserSessions(ctx.deps, signedIn.user.id, actorOf(signedIn, request));
    clearSessionCookie(reply, ctx.cookies);
    const message = 'You have been signed out in every browser and on every device.';
    return sendPage(reply, renderLoggedOutPage({ ...chromeOf(ctx), message }));
  });
}
