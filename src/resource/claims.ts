/**
 * The claims a JWT access token (RFC 9068 §2.2) and an introspection response (RFC 7662 §2.2)
 * share — client_id, sub, username, scope, iat, exp — read into an AccessTokenInfo. Both
 * verifiers use this one reader, so a token means the same thing whichever way it is checked.
 */
import type { AccessTokenInfo } from '../protocol/types.js';

export interface ClaimReadOptions {
  /**
   * Used when `iat` is absent (RFC 7662 makes it optional). Without it, `iat` is required, as
   * RFC 9068 §2.2 makes it for JWTs.
   */
  issuedAtFallback?: number;
}

/**
 * The token's details, or null when a claim the details need is missing or of the wrong type:
 * a token the resource server cannot read is as unusable as one it cannot verify.
 */
export function accessTokenInfoFromClaims(
  claims: Record<string, unknown>,
  options: ClaimReadOptions = {},
): AccessTokenInfo | null {
  const { client_id: clientId, sub, username, scope, exp } = claims;
  const iat = claims.iat ?? options.issuedAtFallback;
  if (typeof clientId !== 'string' || clientId === '') return null;
  if (!isNumericDate(exp) || !isNumericDate(iat)) return null;
  if (!isOptionalString(sub) || !isOptionalString(username) || !isOptionalString(scope)) return null;
  return {
    clientId,
    userId: userIdOf(sub, clientId, username),
    username: username ?? null,
    // RFC 6749 §3.3: scope-tokens separated by spaces; runs of spaces are tolerated, not tokens.
    scope: scope === undefined ? [] : scope.split(' ').filter((token) => token !== ''),
    issuedAt: iat,
    expiresAt: exp,
  };
}

/**
 * RFC 9068 §2.2: a token issued to a client on its own behalf (client credentials) carries the
 * client_id as its `sub`. Such a token has no user, and Latchkey omits `username` for it; a user
 * whose id happens to equal a client_id still carries a username.
 */
function userIdOf(sub: string | undefined, clientId: string, username: string | undefined): string | null {
  if (sub === undefined || sub === '') return null;
  return sub === clientId && username === undefined ? null : sub;
}

/** RFC 7519 §2 NumericDate: seconds since the epoch, a finite JSON number. */
function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isOptionalString(value: unknown): value is string | undefined {
  return value === undefined || typeof value === 'string';
}
