/**
 * GET /callback: the end of the authorization code flow.
 *
 * Each way a callback can fail gets its own page, so a developer trying Latchkey sees exactly what
 * went wrong. The checks run in order: the server's own error, a missing code, no login in
 * progress, a state mismatch, the issuer (RFC 9207), then the code exchange, in which openid-client
 * checks the ID token (signature, iss, aud, exp, iat, and the nonce this login sent).
 */

import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  type ClientContext,
  endSession,
  loadSession,
  providerErrorPage,
  sendError,
  startSession,
} from './context.js';
import { ProviderError, ResponseCheckError, TokenEndpointError } from './oauth.js';

const RESPONSE_PARAMETERS = ['code', 'state', 'iss', 'error', 'error_description'] as const;
type ResponseParameter = (typeof RESPONSE_PARAMETERS)[number];
type AuthorizationResponse = Partial<Record<ResponseParameter, string>>;

const ERROR_TITLES: Record<string, string> = {
  access_denied: 'Access was denied',
  login_required: 'You need to sign in',
  consent_required: 'Consent is needed',
  invalid_scope: 'The requested scope was refused',
  temporarily_unavailable: 'Latchkey is temporarily unavailable',
};

export function callbackHandler(context: ClientContext) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const response = readResponse(request.query);
    if (!response) {
      // RFC 6749 §3.1: parameters must not be repeated; a repeated one is a forged or broken URL.
      return sendError(reply, 400, {
        title: 'Malformed authorization response',
        message: 'The callback URL repeats a parameter or carries a value that is not text.',
        retry: true,
      });
    }

    const session = loadSession(context, request);
    const pending = session?.data.login;

    if (response.error !== undefined) {
      // The login is over either way; forget it only when the answer is really for it.
      if (session && pending && response.state === pending.state) {
        delete session.data.login;
        context.sessions.save(session);
      }
      return sendError(reply, 400, {
        title: ERROR_TITLES[response.error] ?? 'Sign-in failed',
        message: 'Latchkey did not authorize this app.',
        details: [
          ['Error', response.error],
          ['Description', response.error_description],
        ],
        retry: true,
      });
    }

    if (!response.code) {
      return sendError(reply, 400, {
        title: 'No authorization code',
        message: 'The callback URL has no code parameter, so there is nothing to exchange for a token.',
        retry: true,
      });
    }

    if (!session || !pending || pending.expiresAt <= context.now()) {
      return sendError(reply, 400, {
        title: 'No login in progress',
        message:
          'This browser has no sign-in waiting for an answer: it expired, was already completed, ' +
          "or was started in another browser or at another address than this app's own.",
        // The session cookie belongs to one host: starting at 127.0.0.1 and coming back to
        // localhost loses it, a common surprise in local setups.
        details: [['Open the app at', new URL(context.redirectUri).origin]],
        retry: true,
      });
    }

    if (response.state !== pending.state) {
      // Not cleared: an attacker who sends a victim a forged callback must not cancel their login.
      return sendError(reply, 400, {
        title: 'State mismatch',
        message:
          'The state parameter does not match the login this browser started. ' +
          'The response may have been forged (a CSRF attempt) or belongs to another login.',
        retry: true,
      });
    }

    // The state is single-use: whatever happens next, this login attempt is spent.
    delete session.data.login;
    context.sessions.save(session);

    try {
      const config = await context.oauth.configuration();
      // RFC 9207 §2.4: when the server says it sends iss, a missing or different iss means the
      // response may come from another server (a mix-up attack); the code must not be used.
      const metadata = config.serverMetadata();
      const issExpected =
        response.iss !== undefined || metadata.authorization_response_iss_parameter_supported;
      if (issExpected && response.iss !== metadata.issuer) {
        return sendError(reply, 400, {
          title: 'Unexpected issuer',
          message: 'The authorization response does not come from the expected Latchkey server.',
          details: [
            ['Expected iss', metadata.issuer],
            ['Received iss', response.iss ?? '(none)'],
          ],
          retry: true,
        });
      }

      const callbackUrl = new URL(context.redirectUri);
      callbackUrl.search = new URL(request.url, context.redirectUri).search;
      const { tokens, idToken } = await context.oauth.exchangeCode(callbackUrl, pending);

      // A fresh session id after sign-in, so an id planted before login (session fixation) is
      // worthless afterwards.
      endSession(context, reply, session);
      const signedIn = startSession(context, reply);
      signedIn.data.tokens = tokens;
      if (idToken) signedIn.data.idToken = idToken;
      context.sessions.save(signedIn);
      return reply.redirect('/profile');
    } catch (error) {
      if (error instanceof TokenEndpointError) {
        return sendError(reply, 400, {
          title: 'Could not complete sign-in',
          message: 'Latchkey refused to exchange the authorization code for tokens.',
          details: [
            ['Error', error.error],
            ['Description', error.description],
          ],
          retry: true,
        });
      }
      if (error instanceof ResponseCheckError) {
        // E.g. an ID token whose nonce is not this login's: it was made for another login, and
        // may have been injected. Nothing from this answer is kept.
        return sendError(reply, 400, {
          title: 'The sign-in answer was refused',
          message: "Latchkey's token response failed this app's checks, so its tokens were not used.",
          details: [['Failed check', error.reason]],
          retry: true,
        });
      }
      if (error instanceof ProviderError) return providerErrorPage(reply, error);
      throw error;
    }
  };
}

/** The response parameters as single strings, or undefined when one is repeated or not text. */
function readResponse(query: unknown): AuthorizationResponse | undefined {
  const result: AuthorizationResponse = {};
  if (typeof query !== 'object' || query === null) return result;
  for (const name of RESPONSE_PARAMETERS) {
    const value: unknown = (query as Record<string, unknown>)[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') return undefined;
    result[name] = value;
  }
  return result;
}
