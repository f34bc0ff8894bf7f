/**
 * The pages of an authorization in progress (/interaction/:id): sign in, then consent, then back
 * to the client. Every POST checks the CSRF token; the interaction is bound to this browser.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { renderConsentPage, renderLoginPage } from '../../pages/index.js';
import { OAuthError } from '../../protocol/errors.js';
import {
  completeInteraction,
  continueAuthorization,
  type Interaction,
  loadInteraction,
} from '../../services/authorize.js';
import { type SignedIn, signOut } from '../../services/login.js';
import { describeScope } from '../../services/scopes.js';
import { field, formBody, type HttpContext, signedInUser } from '../context.js';
import { browserSecret, checkCsrf, clearSessionCookie, csrfToken, sessionId } from '../cookies.js';
import { attemptLogin } from '../login-attempt.js';
import { chrome, sendAuthorizationResponse, sendPage } from '../respond.js';
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
    if (next.kind === 'respond') return sendAuthorizationResponse(reply, next.response, ctx, 302);
    if (next.kind === 'login') {
      const username = interaction.record.request.loginHint ?? signedIn?.user.username ?? '';
      return showLogin(ctx, request, reply, interaction, { username, error: null });
    }
    return showConsent(ctx, request, reply, interaction, signedIn!);
  });

  app.post<{ Params: Params }>('/interaction/:id/login', page, async (request, reply) => {
    const interaction = await load(request);
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
    await signOut(ctx.deps, sessionId(request, ctx.cookies));
    clearSessionCookie(reply, ctx.cookies);
    return reply.redirect(`/interaction/${interaction.record.id}`, 303);
  });
}

function showLogin(
  ctx: HttpContext,
  request: FastifyRequest,
  reply: FastifyReply,
  interaction: Interaction,
  form: { username: string; error: string | null },
  status = 200,
) {
  const html = renderLoginPage({
    ...chrome(ctx),
    action: `/interaction/${interaction.record.id}/login`,
    csrfToken: csrfToken(request, reply, ctx.cookies),
    clientName: interaction.client.clientName,
    ...form,
  });
  // A login may go straight back to the client (consent already given), so allow that target.
  return sendPage(reply, html, status, [formTargetFor(interaction.record.request.redirectUri)]);
}

function showConsent(
  ctx: HttpContext,
  request: FastifyRequest,
  reply: FastifyReply,
  interaction: Interaction,
  signedIn: SignedIn,
) {
  const { request: authz, id } = interaction.record;
  const target = formTargetFor(authz.redirectUri);
  const html = renderConsentPage({
    ...chrome(ctx),
    action: `/interaction/${id}/consent`,
    logoutAction: `/interaction/${id}/logout`,
    csrfToken: csrfToken(request, reply, ctx.cookies),
    clientName: interaction.client.clientName,
    clientUri: interaction.client.clientUri,
    redirectOrigin: target.endsWith(':') ? new URL(authz.redirectUri).href.split('?')[0]! : target,
    scopes: authz.scope.map(describeScope),
    username: signedIn.user.username,
  });
  return sendPage(reply, html, 200, [target]);
}
