/**
 * GET /profile: the ID token's claims (kept in the session since sign-in), the UserInfo answer
 * (OIDC Core §5.3) and the protected API's answer, the last two fetched with the session's access
 * token.
 *
 * An access token that has expired (per expires_in) or that the API rejects with 401 is refreshed
 * once; when the refresh token is refused too, the tokens are dropped and the user signs in again.
 */

import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ClientContext, loadSession, providerErrorPage, sendError, sendPage } from './context.js';
import { ProviderError, ResponseCheckError, TokenEndpointError } from './oauth.js';
import { profilePage } from './pages.js';
import type { Session, StoredTokens } from './session-store.js';

// Refresh a little early, so a token does not expire between our check and the API's.
const EXPIRY_SKEW_MS = 10_000;
const API_TIMEOUT_MS = 10_000;

type ApiResult =
  | { kind: 'ok'; json: string }
  | { kind: 'unauthorized' }
  | { kind: 'failed'; reason: string; status?: number };

export function profileHandler(context: ClientContext) {
  const refresher = createRefresher(context);

  return async (request: FastifyRequest, reply: FastifyReply) => {
    const session = loadSession(context, request);
    let tokens = session?.data.tokens;
    if (!session || !tokens) return reply.redirect('/login');

    try {
      let refreshed = false;
      if (tokens.expiresAt !== undefined && tokens.expiresAt - EXPIRY_SKEW_MS <= context.now()) {
        tokens = await refresher(session.id, tokens);
        if (!tokens) return reply.redirect('/login');
        refreshed = true;
      }

      let result = await callApi(context.apiUrl, tokens.accessToken);
      if (result.kind === 'unauthorized' && !refreshed) {
        tokens = await refresher(session.id, tokens);
        if (!tokens) return reply.redirect('/login');
        result = await callApi(context.apiUrl, tokens.accessToken);
      }

      if (result.kind === 'unauthorized') {
        // Not a redirect to /login: a server that keeps refusing fresh tokens would loop forever.
        return sendError(reply, 502, {
          title: 'The API refused the token',
          message: `The API at ${context.apiUrl} rejected a freshly issued access token.`,
        });
      }
      if (result.kind === 'failed') {
        return sendError(reply, 502, {
          title: 'The API did not answer',
          message: `Could not get a usable answer from the API at ${context.apiUrl}.`,
          details: [
            ['Reason', result.reason],
            ['HTTP status', result.status?.toString()],
          ],
        });
      }
      // Re-read: a refresh above may have brought a newer ID token.
      const idToken = context.sessions.get(session.id)?.data.idToken ?? session.data.idToken;
      const userInfo = idToken && (await context.oauth.userInfo(tokens.accessToken, idToken.claims.sub));
      return sendPage(
        reply,
        200,
        profilePage({
          json: result.json,
          apiUrl: context.apiUrl,
          scope: tokens.scope,
          csrf: session.data.csrf,
          ...(idToken && { idTokenClaims: idToken.claims }),
          ...(userInfo && { userInfo }),
        }),
      );
    } catch (error) {
      if (error instanceof ProviderError) return providerErrorPage(reply, error);
      throw error;
    }
  };
}

/**
 * Returns a function that refreshes a session's tokens, or resolves to undefined when the user must
 * sign in again. Concurrent requests of one session share one refresh: Latchkey rotates refresh
 * tokens and treats a reused one as theft, revoking the whole grant.
 */
function createRefresher(context: ClientContext) {
  const inFlight = new Map<string, Promise<StoredTokens | undefined>>();

  return (sessionId: string, used: StoredTokens): Promise<StoredTokens | undefined> => {
    const running = inFlight.get(sessionId);
    if (running) return running;

    const refresh = async (): Promise<StoredTokens | undefined> => {
      // Re-read: another request may have refreshed (and saved) since this one loaded the session.
      const session = context.sessions.get(sessionId);
      const current = session?.data.tokens;
      if (!session || !current) return undefined;
      if (current.accessToken !== used.accessToken) return current;
      if (!current.refreshToken) return dropTokens(context, session);
      try {
        const { tokens, idToken } = await context.oauth.refresh(
          { ...current, refreshToken: current.refreshToken },
          session.data.idToken,
        );
        session.data.tokens = tokens;
        if (idToken) session.data.idToken = idToken;
        context.sessions.save(session);
        return tokens;
      } catch (error) {
        if (error instanceof TokenEndpointError || error instanceof ResponseCheckError) {
          return dropTokens(context, session);
        }
        throw error;
      }
    };

    const promise = refresh().finally(() => inFlight.delete(sessionId));
    inFlight.set(sessionId, promise);
    return promise;
  };
}

function dropTokens(context: ClientContext, session: Session): undefined {
  delete session.data.tokens;
  delete session.data.idToken;
  context.sessions.save(session);
  return undefined;
}

async function callApi(apiUrl: string, accessToken: string): Promise<ApiResult> {
  let response: Response;
  try {
    response = await fetch(apiUrl, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      signal: AbortSignal.timeout(API_TIMEOUT_MS),
      redirect: 'manual',
    });
  } catch (error) {
    const cause = error instanceof Error ? (error.cause as NodeJS.ErrnoException | undefined) : undefined;
    return {
      kind: 'failed',
      reason: cause?.code ?? (error instanceof Error ? error.message : 'network error'),
    };
  }
  // RFC 6750 §3.1: 401 with error="invalid_token" is the answer to an expired or revoked token.
  if (response.status === 401) {
    await response.body?.cancel();
    return { kind: 'unauthorized' };
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) return { kind: 'failed', reason: 'unexpected HTTP status', status: response.status };
  try {
    return { kind: 'ok', json: JSON.stringify(JSON.parse(text), null, 2) };
  } catch {
    return { kind: 'failed', reason: 'the answer is not JSON', status: response.status };
  }
}
