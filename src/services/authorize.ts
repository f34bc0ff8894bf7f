/**
 * The authorization endpoint's use case, in two phases (DESIGN.md rule 4): validate the request
 * and store an interaction; the login and consent pages then complete it with the decision.
 */
import { digest, matchesDigest } from '../crypto/digest.js';
import { randomId, randomToken } from '../crypto/random.js';
import { OAuthError } from '../protocol/errors.js';
import type { RawParams } from '../protocol/params.js';
import {
  type AuthorizationRequest,
  authorizationResponseUrl,
  errorResponseUrl,
  implicitResponseUrl,
  responseModeOf,
  validateAuthorizationRequest,
} from '../protocol/rfc6749/authorize.js';
import { coversScope } from '../protocol/rfc6749/scope.js';
import { type Client, isPublicClient } from '../protocol/types.js';
import type { InteractionRecord, StoredAuthorizationRequest } from '../store/ports.js';
import type { ServiceDeps } from './deps.js';
import { mintTokens } from './issue-tokens.js';
import type { SignedIn } from './login.js';

/** What the endpoint should do next. */
export type AuthorizeOutcome =
  | { kind: 'redirect'; location: string }
  | { kind: 'interaction'; interactionId: string };

export interface Interaction {
  record: InteractionRecord;
  client: Client;
}

export async function validateRequest(deps: ServiceDeps, query: RawParams): Promise<AuthorizationRequest> {
  return validateAuthorizationRequest(query, {
    findClient: (id) => deps.store.clients.findById(id),
    allowPlainPkce: deps.config.pkce.allowPlain,
  });
}

/**
 * Phase one. With a signed-in user whose consent already covers the request, the code is issued
 * at once; otherwise the request is stored as an interaction bound to this browser.
 */
export async function beginAuthorization(
  deps: ServiceDeps,
  query: RawParams,
  context: { signedIn: SignedIn | null; browserSecret: string },
): Promise<AuthorizeOutcome> {
  const request = await validateRequest(deps, query);
  const stored: StoredAuthorizationRequest = {
    clientId: request.client.clientId,
    responseType: request.responseType,
    redirectUri: request.redirectUri,
    redirectUriSent: request.redirectUriSent,
    scope: request.scope,
    state: request.state,
    codeChallenge: request.codeChallenge,
    codeChallengeMethod: request.codeChallengeMethod,
  };
  if (
    context.signedIn &&
    !(await needsConsent(deps, request.client, context.signedIn.user.id, request.scope))
  ) {
    return {
      kind: 'redirect',
      location: await respond(deps, stored, request.client, context.signedIn.user.id),
    };
  }
  const now = deps.clock.now();
  const id = randomId();
  await deps.store.interactions.create({
    id,
    request: stored,
    browserDigest: digest(context.browserSecret),
    createdAt: now,
    expiresAt: now + deps.config.sessions.interactionTtl,
  });
  return { kind: 'interaction', interactionId: id };
}

const expiredInteraction = () =>
  new OAuthError(
    'invalid_request',
    'This sign-in request has expired or was already used. Go back to the app and start again.',
    {
      status: 400,
    },
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
 * Whether the user must be asked. A public client is always asked: anyone can send its client_id
 * (and, on loopback, any port), so an earlier approval proves nothing about who is asking now
 * (RFC 8252 §8.6, RFC 6749 §10.2).
 */
export async function needsConsent(
  deps: ServiceDeps,
  client: Client,
  userId: string,
  scope: string[],
): Promise<boolean> {
  if (isPublicClient(client)) return true;
  if (client.skipConsent) return false;
  return !coversScope(await deps.store.consents.find(userId, client.clientId), scope);
}

/**
 * Phase two: the user's decision. Allow records the consent and issues a code; deny sends
 * access_denied (RFC 6749 §4.1.2.1). Either way the interaction is used up.
 */
export async function completeInteraction(
  deps: ServiceDeps,
  interaction: Interaction,
  signedIn: SignedIn,
  decision: 'allow' | 'deny' | 'auto',
): Promise<string> {
  const record = await deps.store.interactions.take(interaction.record.id, deps.clock.now());
  if (!record) throw expiredInteraction();
  const { request } = record;
  if (decision === 'deny') {
    const denied = new OAuthError('access_denied', 'The user denied the request', {
      redirect: {
        redirectUri: request.redirectUri,
        state: request.state,
        responseMode: responseModeOf(request.responseType),
      },
    });
    return errorResponseUrl(denied, deps.config.issuer);
  }
  if (decision === 'allow') {
    await deps.store.consents.grant(signedIn.user.id, request.clientId, request.scope, deps.clock.now());
  }
  return respond(deps, request, interaction.client, signedIn.user.id);
}

/** The authorization response: a code (§4.1.2), or for the implicit grant the token itself (§4.2.2). */
function respond(
  deps: ServiceDeps,
  request: StoredAuthorizationRequest,
  client: Client,
  userId: string,
): Promise<string> {
  return request.responseType === 'token'
    ? issueImplicitToken(deps, request, client, userId)
    : issueCode(deps, request, userId);
}

/**
 * §4.2.2: an access token straight from the authorization endpoint, and "MUST NOT issue a refresh
 * token". It hangs off a grant like a code's tokens, so removing the app's access revokes it.
 */
async function issueImplicitToken(
  deps: ServiceDeps,
  request: StoredAuthorizationRequest,
  client: Client,
  userId: string,
): Promise<string> {
  const grantId = randomId();
  const mint = await mintTokens(deps, {
    grantType: 'implicit',
    client,
    grantId,
    userId,
    scope: request.scope,
    refreshScope: null,
  });
  await deps.store.grants.createWithTokens(
    {
      id: grantId,
      userId,
      clientId: request.clientId,
      scope: request.scope,
      createdAt: deps.clock.now(),
      revokedAt: null,
    },
    mint.records,
  );
  return implicitResponseUrl(request, mint.issued, deps.config.issuer);
}

/** Stores a grant and its code (digest only) and returns the redirect carrying the code. */
async function issueCode(
  deps: ServiceDeps,
  request: StoredAuthorizationRequest,
  userId: string,
): Promise<string> {
  const now = deps.clock.now();
  const code = randomToken();
  const grantId = randomId();
  await deps.store.grants.createWithCode(
    {
      id: grantId,
      userId,
      clientId: request.clientId,
      scope: request.scope,
      createdAt: now,
      revokedAt: null,
    },
    {
      codeDigest: digest(code),
      grantId,
      clientId: request.clientId,
      userId,
      redirectUri: request.redirectUri,
      redirectUriRequired: request.redirectUriSent,
      scope: request.scope,
      codeChallenge: request.codeChallenge,
      codeChallengeMethod: request.codeChallengeMethod,
      createdAt: now,
      expiresAt: now + deps.config.tokens.authorizationCodeTtl,
      consumedAt: null,
    },
  );
  return authorizationResponseUrl(request, code, deps.config.issuer);
}

/**
 * After sign-in (or for a user who was already signed in): finish at once when nothing is left to
 * ask, else the consent page comes next.
 */
export async function continueAuthorization(
  deps: ServiceDeps,
  interaction: Interaction,
  signedIn: SignedIn,
): Promise<{ kind: 'redirect'; location: string } | { kind: 'consent' }> {
  if (await needsConsent(deps, interaction.client, signedIn.user.id, interaction.record.request.scope)) {
    return { kind: 'consent' };
  }
  return { kind: 'redirect', location: await completeInteraction(deps, interaction, signedIn, 'auto') };
}
