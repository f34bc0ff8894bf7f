/** Signing in and out outside an authorization: GET /, GET|POST /login, POST /logout. */
import type { FastifyInstance } from 'fastify';
import { renderLoggedOutPage, renderSignedInPage } from '../../pages/index.js';
import { listUserApps } from '../../services/grants.js';
import { signOut } from '../../services/login.js';
import { chromeOf, formBody, type HttpContext, signedInUser } from '../context.js';
import { checkCsrf, clearSessionCookie, csrfToken, sessionId } from '../cookies.js';
import { attemptLogin } from '../login-attempt.js';
import { sendPage } from '../respond.js';

const page = { config: { errorFormat: 'page' as const } };

export function sessionRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.get('/', page, async (request, reply) => {
    const signedIn = await signedInUser(ctx, request);
    if (!signedIn) return reply.redirect('/login', 302);
    const html = renderSignedInPage({
      ...chromeOf(ctx),
      username: signedIn.user.username,
      csrfToken: csrfToken(request, reply, ctx.cookies),
      logoutAction: '/logout',
      account: {
        href: '/account',
        apps: (await listUserApps(ctx.deps, signedIn.user.id)).map((a) => ({
          name: a.client.name,
          uri: a.client.uri,
        })),
      },
    });
    return sendPage(reply, html);
  });

  app.get('/login', page, async (request, reply) => {
    if (await signedInUser(ctx, request)) return reply.redirect('/', 302);
    const html = await ctx.pages.login({
      ...chromeOf(ctx),
      action: '/login',
      csrfToken: csrfToken(request, reply, ctx.cookies),
      username: '',
      error: null,
      clientName: null,
    });
    return sendPage(reply, html);
  });

  app.post('/login', page, async (request, reply) => {
    const attempt = await attemptLogin(ctx, request, reply);
    if (attempt.ok) return reply.redirect('/', 303);
    const html = await ctx.pages.login({
      ...chromeOf(ctx),
      action: '/login',
      csrfToken: csrfToken(request, reply, ctx.cookies),
      username: attempt.username,
      error: attempt.message,
      clientName: null,
    });
    return sendPage(reply, html, attempt.status);
  });

  app.post('/logout', page, async (request, reply) => {
    checkCsrf(request, ctx.cookies, formBody(request).csrf_token);
    await signOut(ctx.deps, sessionId(request, ctx.cookies));
    clearSessionCookie(reply, ctx.cookies);
    return sendPage(reply, renderLoggedOutPage({ ...chromeOf(ctx), message: 'You have signed out.' }));
  });
}
