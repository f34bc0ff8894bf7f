/**
 * OpenID Connect RP-Initiated Logout 1.0: the end_session_endpoint (GET and POST, §2) and the
 * confirmation it asks for. A logout request carries no credential, so a signed-in user always
 * confirms on a CSRF-protected form (§6: logout requests without a valid id_token_hint are a
 * denial of service otherwise; a valid hint can be replayed by anyone who saw it, so it does not
 * lift the confirmation either). With nobody signed in there is nothing to end or to protect, so
 * the browser goes straight on.
 *
 * A POST is usually an app's auto-submitting form: a cross-site top-level POST, on which the
 * browser withholds the SameSite=Lax session cookie. Its absence then says nothing about who is
 * signed in, so the validated request is first posted again from Latchkey's own origin (a
 * same-site POST, which carries the cookie), and only that second post may conclude that nobody
 * is signed in.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FORM_POST_SCRIPT, renderFormPostPage, renderLoggedOutPage } from '../../pages/index.js';
import { OAuthError } from '../../protocol/errors.js';
import { END_SESSION_PATH } from '../../protocol/oidc-core/discovery.js';
import { logoutParamPairs } from '../../protocol/oidc-core/rp-initiated-logout.js';
import { hintNamesOtherUser, type LogoutRequest, validateLogoutRequest } from '../../services/end-session.js';
import { isRefused, type SignedIn, signOut } from '../../services/login.js';
import { isFormEncoded } from '../client-request.js';
import { chromeOf, field, formBody, type HttpContext, signInState } from '../context.js';
import { checkCsrf, clearSessionCookie, csrfToken, sessionId } from '../cookies.js';
import { hostRequestOf } from '../mount.js';
import { sendPage } from '../respond.js';
import { formTargetFor } from '../security-headers.js';

// The end_session_endpoint: one constant, shared with the discovery document (§2.1).
export { END_SESSION_PATH };
/** Where the confirmation form posts. */
export const END_SESSION_CONFIRM_PATH = '/oauth/end-session/confirm';
/**
 * Marks a logout POST that Latchkey's own page re-posted. Validation ignores it like any unknown
 * parameter (§2 defines no such name); a repeated one is refused like any repeated parameter.
 */
export const RESUBMIT_FIELD = '_latchkey_resubmit';

const page = { config: { errorFormat: 'page' as const } };

export function endSessionRoutes(app: FastifyInstance, ctx: HttpContext): void {
  // §2: "The OP MUST support the use of the HTTP GET and POST methods"; POST is form-serialized.
  app.get(END_SESSION_PATH, page, async (request, reply) => {
    const logout = await validateLogoutRequest(ctx.deps, request.query as Record<string, unknown>);
    return startLogout(ctx, request, reply, logout);
  });

  app.post(END_SESSION_PATH, page, async (request, reply) => {
    const body = formParams(request);
    // Validated before anything else: an invalid request is an error page, never re-posted.
    const logout = await validateLogoutRequest(ctx.deps, body);
    const resubmitted = field(body, RESUBMIT_FIELD) === '1';
    if (!resubmitted && sessionId(request, ctx.cookies) === undefined) return resubmit(ctx, reply, logout);
    return startLogout(ctx, request, reply, logout);
  });

  app.post(END_SESSION_CONFIRM_PATH, page, async (request, reply) => {
    const body = formParams(request);
    checkCsrf(request, ctx.cookies, body.csrf_token);
    // The hidden fields came back from the browser: they are checked again, like a new request.
    const logout = await validateLogoutRequest(ctx.deps, body);
    const decision = field(body, 'decision');
    if (decision === 'logout') return finishLogout(ctx, request, reply, logout);
    if (decision !== 'stay') throw new OAuthError('invalid_request', 'Choose Sign out or Stay signed in.');
    // Staying signed in still returns the user to the app when it asked for that: the app has
    // usually ended its own session already and needs the browser back, and the URI is one it
    // registered. The spec defines no "declined" response, so none is added.
    return reply.redirect(logout.redirectTo ?? '/', 303);
  });
}

/** A POST's form, or an invalid_request for any other body (§2: form serialization). */
function formParams(request: FastifyRequest): Record<string, unknown> {
  if (!isFormEncoded(request.headers['content-type'])) {
    throw new OAuthError(
      'invalid_request',
      'Send the parameters as an application/x-www-form-urlencoded form',
    );
  }
  return formBody(request);
}

async function startLogout(
  ctx: HttpContext,
  request: FastifyRequest,
  reply: FastifyReply,
  logout: LogoutRequest,
): Promise<FastifyReply> {
  const signedIn = await signInState(ctx, request);
  // A host user who may not use apps here has nothing to confirm: they are signed out like anyone
  // else (the host's signOut still runs), not shown an error page mid-logout.
  if (signedIn === null || isRefused(signedIn)) return finishLogout(ctx, request, reply, logout);
  return showConfirmation(ctx, request, reply, logout, signedIn);
}

/**
 * The validated request as a self-submitting form that posts it again to this endpoint, now from
 * Latchkey's origin, so the browser sends the session cookie it withheld from the cross-site post.
 * It is a POST again, not a redirect to GET, so an id_token_hint stays out of URLs and logs.
 */
function resubmit(ctx: HttpContext, reply: FastifyReply, logout: LogoutRequest): FastifyReply {
  const params = Object.fromEntries([...logoutParamPairs(logout.params), [RESUBMIT_FIELD, '1']]);
  const html = renderFormPostPage({
    ...chromeOf(ctx),
    action: END_SESSION_PATH,
    params,
    title: 'Signing out',
  });
  // With nobody signed in, the re-post is answered with a redirect to the app: form-action must allow it.
  const target = logout.redirectUri === null ? [] : [formTargetFor(logout.redirectUri)];
  return sendPage(reply, html, 200, target, [FORM_POST_SCRIPT]);
}

async function showConfirmation(
  ctx: HttpContext,
  request: FastifyRequest,
  reply: FastifyReply,
  logout: LogoutRequest,
  signedIn: SignedIn,
): Promise<FastifyReply> {
  const target = logout.redirectUri === null ? null : formTargetFor(logout.redirectUri);
  const html = await ctx.pages.logout({
    ...chromeOf(ctx),
    action: END_SESSION_CONFIRM_PATH,
    csrfToken: csrfToken(request, reply, ctx.cookies),
    fields: logoutParamPairs(logout.params),
    clientName: logout.client?.clientName ?? null,
    username: signedIn.user.username,
    otherAccount: await hintNamesOtherUser(ctx.deps, logout, signedIn.user.id),
    returnTo: logout.redirectUri === null ? null : shownTarget(logout.redirectUri),
  });
  // Chromium applies form-action to the redirect after the post: the app's origin must be allowed.
  return sendPage(reply, html, 200, target ? [target] : []);
}

/** Ends the session (if any) and sends the browser back to the app, or shows the signed-out page. */
async function finishLogout(
  ctx: HttpContext,
  request: FastifyRequest,
  reply: FastifyReply,
  logout: LogoutRequest,
): Promise<FastifyReply> {
  const id = sessionId(request, ctx.cookies);
  // The host's session ends too when its adapter signs users in (getCurrentUser + signOut).
  await signOut(ctx.deps, id, hostRequestOf(request));
  if (id !== undefined) clearSessionCookie(reply, ctx.cookies);
  if (logout.redirectTo !== null)
    return reply.redirect(logout.redirectTo, request.method === 'GET' ? 302 : 303);
  return sendPage(reply, renderLoggedOutPage({ ...chromeOf(ctx), message: 'You have signed out.' }));
}

/** What the page names as the destination: an http(s) origin, or the URI without its query. */
function shownTarget(uri: string): string {
  const url = new URL(uri);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : uri.split('?')[0]!;
}
