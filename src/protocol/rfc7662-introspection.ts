/**
 * RFC 7662 OAuth 2.0 Token Introspection.
 */
import { OAuthError } from './errors.js';
import { requireParam } from './params.js';
import { type Client, isPublicClient } from './types.js';

export interface IntrospectedToken {
  kind: string;
  clientId: string;
  userId: string | null;
  username: string | null;
  userDisabled: boolean;
  scope: string[];
  createdAt: number;
  expiresAt: number;
  consumedAt: number | null;
  revokedAt: number | null;
}

/** §2.1: `token` is REQUIRED; the hint is optional and the lookup does not need it. */
export function introspectionToken(params: Record<string, string>): string {
  return requireParam(params, 'token');
}

/**
 * §2.1: "the protected resource MUST authenticate" — a public client has no credentials to do so.
 */
export function checkIntrospectionCaller(client: Client): void {
  if (isPublicClient(client)) {
    throw new OAuthError('invalid_client', 'Introspection needs client authentication', { status: 401 });
  }
}

/**
 * The §2.2 response. Inactive tokens are exactly `{ active: false }` (§2.2: no other member
 * SHOULD be included), and so is a token the caller may not see (§4: a client may introspect its
 * own tokens; only clients allowed to introspect any — resource servers — see the others).
 */
export function introspectionResponse(
  token: IntrospectedToken | null,
  caller: Client,
  context: {
    now: number;
    issuer: string;
    /** The subject the caller knows the user by, when that is not the user's id (pairwise, OIDC Core §8). */
    pairwiseSub?: string;
  },
): Record<string, unknown> {
  if (!isActive(token, context.now) || (token.clientId !== caller.clientId && !caller.canIntrospect)) {
    return { active: false };
  }
  // A pairwise client introspecting its own token sees its own subject and no user name; resource
  // servers (canIntrospect) see the user's id, which is what they share with the provider.
  const user =
    token.userId === null
      ? {}
      : context.pairwiseSub !== undefined
        ? { sub: context.pairwiseSub }
        : { sub: token.userId, username: token.username };
  return {
    active: true,
    scope: token.scope.join(' '),
    client_id: token.clientId,
    ...user,
    token_type: token.kind === 'access' ? 'Bearer' : 'refresh_token',
    exp: token.expiresAt,
    iat: token.createdAt,
    iss: context.issuer,
  };
}

/** Unrevoked, unused, unexpired, and its user (if any) not disabled. */
export function isActive(token: IntrospectedToken | null, now: number): token is IntrospectedToken {
  return (
    token !== null &&
    token.revokedAt === null &&
    token.consumedAt === null &&
    now < token.expiresAt &&
    !token.userDisabled
  );
}
