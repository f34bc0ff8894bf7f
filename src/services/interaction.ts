/**
 * Phase two of an authorization (DESIGN.md rule 4): the interaction the login and consent pages
 * work on, completed with the user's decision, or given up with an error for the client.
 */
import { matchesDigest } from '../crypto/digest.js';
import { OAuthError } from '../protocol/errors.js';
import { type AuthorizationResponse, errorResponse } from '../protocol/rfc6749/authorization-response.js';
import type { Client } from '../protocol/types.js';
import type { InteractionRecord } from '../store/ports.js';
import { recordAudit } from './audit.js';
import { respond } from './authorization-response.js';
import { needsConsent } from './authorize.js';
import { needsLogin, redirectError, requestedSubjectDiffers, signedInSince } from './authorize-sign-in.js';
import type { ServiceDeps } from './deps.js';
import { emitEvent } from './events.js';
import type { SignedIn } from './login.js';

/** What an interaction needs next. */
export type NextStep =
  | { kind: 'respond'; response: AuthorizationResponse }
  | { kind: 'login' }
  | { kind: 'consent' };

export interface Interaction {
  record: InteractionRecord;
  client: Client;
}

const expiredInteraction = () =>
  new OAuthError(
    'invalid_request',
    'This sign-in request has expired or was already used. Go back to the app and start again.',
    { status: 400 },
  );

/** Loads an interaction for this browser; an unknown, expired or foreign one is an error page. */
export async function loadInteraction(
  deps: ServiceDeps,
  id: string,
  browserSecret: string | undefined,
): Promise<Interaction> {
  const record = id.length <= 64 ? await deps.store.interactions.findActive(id, deps.clock.now()) : null;
  if (!record || !browserSecret || !matchesDigest(browserSecret, record.browserDigest))
    throw expiredInteraction();
  const client = await deps.store.clients.findById(record.request.clientId);
  if (!client) throw expiredInteraction();
  return { record, client };
}

/**
 * Whether this browser's user may finish the interaction: a (fresh) sign-in may be needed, or the
 * user who signed in for it is not the one the claims parameter names (§5.5.1) — then the client
 * hears login_required rather than the login form coming back forever.
 */
async function signInCheck(
  deps: ServiceDeps,
  interaction: Interaction,
  signedIn: SignedIn | null,
): Promise<'ok' | 'login' | 'wrong_user'> {
  const { request, createdAt } = interaction.record;
  if (!signedIn || needsLogin(request, signedIn, createdAt, deps.clock.now())) return 'login';
  if (!(await requestedSubjectDiffers(deps, request, interaction.client, signedIn))) return 'ok';
  return signedInSince(request, signedIn, createdAt) ? 'wrong_user' : 'login';
}

/**
 * Phase two: the user's decision. Allow records the consent and issues the response; deny sends
 * access_denied (RFC 6749 §4.1.2.1). Either way the interaction is used up. The sign-in rules are
 * checked again here, since the consent form can be posted without the page that checked them.
 */
export async function completeInteraction(
  deps: ServiceDeps,
  interaction: Interaction,
  signedIn: SignedIn,
  decision: 'allow' | 'deny' | 'auto',
): Promise<NextStep> {
  const check = decision === 'deny' ? 'ok' : await signInCheck(deps, interaction, signedIn);
  if (check === 'login') return { kind: 'login' };
  const record = await deps.store.interactions.take(interaction.record.id, deps.clock.now());
  if (!record) throw expiredInteraction();
  const { request } = record;
  const refusal =
    decision === 'deny'
      ? redirectError(request, 'access_denied', 'The user denied the request')
      : check === 'wrong_user'
        ? redirectError(request, 'login_required', 'The signed-in user is not the one the request names')
        : null;
  if (refusal) return { kind: 'respond', response: errorResponse(refusal, deps.config.issuer) };
  if (decision === 'allow') {
    await deps.store.consents.grant(signedIn.user.id, request.clientId, request.scope, deps.clock.now());
    await recordAudit(deps, {
      actor: { type: 'user', id: signedIn.user.id },
      action: 'consent.granted',
      target: { type: 'client', id: request.clientId },
      details: { userId: signedIn.user.id, clientId: request.clientId, scope: request.scope },
    });
    emitEvent(deps, 'consentGranted', () => ({
      accountId: signedIn.user.id,
      clientId: request.clientId,
      scope: [...request.scope],
    }));
  }
  return { kind: 'respond', response: await respond(deps, request, interaction.client, signedIn) };
}

/**
 * What an interaction needs next for this browser's user: a (fresh) sign-in, the consent page
 * (prompt=consent always shows it), or nothing — then it completes at once.
 */
export async function continueAuthorization(
  deps: ServiceDeps,
  interaction: Interaction,
  signedIn: SignedIn | null,
): Promise<NextStep> {
  const check = await signInCheck(deps, interaction, signedIn);
  if (check === 'login') return { kind: 'login' };
  if (
    check === 'ok' &&
    (interaction.record.request.prompt?.includes('consent') ||
      (await needsConsent(deps, interaction.client, signedIn!.user.id, interaction.record.request.scope)))
  ) {
    return { kind: 'consent' };
  }
  return completeInteraction(deps, interaction, signedIn!, 'auto');
}

/**
 * The browser came back from the host's login page and the sign-in the request needs is still
 * not there (nobody signed in, or no fresh authTime after prompt=login or max_age): sending it to
 * the login page again would loop, so the client hears login_required (OIDC Core §3.1.2.6; its
 * client and redirect URI were validated when the interaction began). The interaction is used up.
 */
export async function abandonForLogin(
  deps: ServiceDeps,
  interaction: Interaction,
): Promise<{ kind: 'respond'; response: AuthorizationResponse }> {
  const record = await deps.store.interactions.take(interaction.record.id, deps.clock.now());
  if (!record) throw expiredInteraction();
  const error = redirectError(record.request, 'login_required', 'The user did not sign in');
  return { kind: 'respond', response: errorResponse(error, deps.config.issuer) };
}
