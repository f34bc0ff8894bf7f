/**
 * The pages of an authorization in progress (/interaction/:id): sign in, then consent, then back
 * to the client. Every POST checks the CSRF token; the interaction is bound to this browser.
 * When the host application signs users in (its adapter's getCurrentUser), "sign in" is a
 * redirect to the host's login page, which sends the browser back here afterwards.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../../protocol/errors.js';
import { accountsOf } from '../../services/deps.js';
import {
  abandonForLogin,
  completeInteraction,
  continueAuthorization,
  type Interaction,
  loadInteraction,
} from '../../services/interaction.js';
import { type SignedIn, signOut } from '../../services/login.js';
import { describeScope } from '../../services/scopes.js';
import { chromeOf, field, formBody, type HttpContext, hostSignsIn, signedInUser } from '../context.js';
import {
  browserSecret,
  checkCsrf,
  clearHostLogin,
  clearSessionCookie,
  csrfToken,
  markHostLogin,
  sessionId,
  wasSentToHostLogin,
} from '../cookies.js';
import { attemptLogin } from '../login-attempt.js';
import { hostRequestOf } from '../mount.js';
import { sendAuthorizationResponse, sendPage } from '../respond.js';
import { formTargetFor } from '../security-headers.js';

type Params = { id: string };
const page = { config: { errorFormat: 'page' as const } };

export function interactionRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const load = (request: FastifyRequest<{ Params: Params }>) =>
    loadInteraction(ctx.deps, request.params.id, browserSecret(request, ctx.cookies));

  app.get<{ Params: Params }>('/interaction/:id', page, async (request, reply) => {
    const interaction = await load(request);
    const signedIn = await signedInUser(ctx, request);
    // Signed in elsewhere meanwhile, with consent already given: nothing left to ask.
    const next = await continueAuthorization(ctx.deps, interaction, signedIn);
    if (next.kind !== 'login') clearHostLogin(request, reply, ctx.cookies);
    if (next.kind === 'respond') return sendAuthorizationResponse(reply, next.response, ctx, 302);
    if (next.kind === 'login') {
      if (hostSignsIn(ctx)) {
        // Back from the host's login page without the sign-in this request needs: no second trip.
        if (wasSentToHostLogin(request, ctx.cookies, interaction.record.id)) {
          clearHostLogin(request, reply, ctx.cookies);
          const given = await abandonForLogin(ctx.deps, interaction);
          return sendAuthorizationResponse(reply, given.response, ctx, 302);
        }
        markHostLogin(reply, ctx.cookies, interaction.record.id);
        return toHostLogin(ctx, reply, interaction);
      }
      const username = interaction.record.request.loginHint ?? signedIn?.user.username ?? '';
      return showLogin(ctx, request, reply, interaction, { username, error: null });
    }
    return showConsent(ctx, request, reply, interaction, signedIn!);
  });

  app.post<{ Params: Params }>('/interaction/:id/login', page, async (request, reply) => {
    const interaction = await load(request);
    // The host's login page signs users in; this form is not used then.
    if (hostSignsIn(ctx)) return reply.redirect(`/interaction/${interaction.record.id}`, 303);
    const attempt = await attemptLogin(ctx, request, reply);
    if (!attempt.ok) {
      const form = { username: attempt.username, error: attempt.message };
      return showLogin(ctx, request, reply, interaction, form, attempt.status);
    }
    const next = await continueAuthorization(ctx.deps, interaction, attempt.signedIn);
    if (next.kind === 'respond') return sendAuthorizationResponse(reply, next.response, ctx, 303);
    return reply.redirect(`/interaction/${interaction.record.id}`, 303);
  });

  app.post<{ Params: Params }>('/interaction/:id/consent', page, async (request, reply) => {
    const body = formBody(request);
    checkCsrf(request, ctx.cookies, body.csrf_token);
    const interaction = await load(request);
    const signedIn = await signedInUser(ctx, request);
    if (!signedIn) return reply.redirect(`/interaction/${interaction.record.id}`, 303);
    const decision = field(body, 'decision');
    if (decision !== 'allow' && decision !== 'deny') {
      throw new OAuthError('invalid_request', 'Choose Allow or Deny.');
    }
    const next = await completeInteraction(ctx.deps, interaction, signedIn, decision);
    // A sign-in is needed first (the consent form was posted past the login page).
    if (next.kind !== 'respond') return reply.redirect(`/interaction/${interaction.record.id}`, 303);
    return sendAuthorizationResponse(reply, next.response, ctx, 303);
  });

  app.post<{ Params: Params }>('/interaction/:id/logout', page, async (request, reply) => {
    checkCsrf(request, ctx.cookies, formBody(request).csrf_token);
    const interaction = await load(request);
    await signOut(ctx.deps, sessionId(request, ctx.cookies), hostRequestOf(request));
    clearSessionCookie(reply, ctx.cookies);
    return reply.redirect(`/interaction/${interaction.record.id}`, 303);
  });
}

/** To the host's login page, with the way back here; a forced sign-in asks it to re-authenticate. */
function toHostLogin(ctx: HttpContext, reply: FastifyReply, interaction: Interaction) {
  const { request } = interaction.record;
  const location = accountsOf(ctx.deps).loginUrl(`/interaction/${interaction.record.id}`, {
    reauthenticate: request.forceLogin === true || request.maxAge != null,
    loginHint: request.loginHint ?? null,
  });
  return reply.header('Cache-Control', 'no-store').redirect(location, 302);
}

async function showLogin(
  ctx: HttpContext,
  request: FastifyRequest,
  reply: FastifyReply,
  interaction: Interaction,
  form: { username: string; error: string | null },
  status = 200,
) {
  const html = await ctx.pages.login({
    ...chromeOf(ctx),
    action: `/interaction/${interaction.record.id}/login`,
    csrfToken: csrfToken(request, reply, ctx.cookies),
    clientName: interaction.client.clientName,
    clientId: interaction.client.clientId,
    interactionId: interaction.record.id,
    ...form,
  });
  // A login may go straight back to the client (consent already given), so allow that target.
  return sendPage(reply, html, status, [formTargetFor(interaction.record.request.redirectUri)]);
}

async function showConsent(
  ctx: HttpContext,
  request: FastifyRequest,
  reply: FastifyReply,
  interaction: Interaction,
  signedIn: SignedIn,
) {
  const { request: authz, id } = interaction.record;
  const target = formTargetFor(authz.redirectUri);
  const html = await ctx.pages.consent({
    ...chromeOf(ctx),
    action: `/interaction/${id}/consent`,
    logoutAction: `/interaction/${id}/logout`,
    csrfToken: csrfToken(request, reply, ctx.cookies),
    clientName: interaction.client.clientName,
    clientUri: interaction.client.clientUri,
    redirectOrigin: target.endsWith(':') ? new URL(authz.redirectUri).href.split('?')[0]! : target,
    scopes: authz.scope.map(describeScope),
    username: signedIn.user.username,
    clientId: interaction.client.clientId,
    interactionId: id,
  });
  return sendPage(reply, html, 200, [target]);
}
