/**
 * OpenID Connect Core 1.0 §5.4 (claims by scope) and §5.5 (the claims request parameter): which of
 * a user's claims a client may see, and where. A claim is released only when a consented scope
 * covers it; the claims parameter chooses where a covered claim appears (e.g. `email` in the ID
 * token) but never widens what the user agreed to.
 */
import type { ClaimsRequest, StandardClaims } from '../types.js';

/** §5.4 */
export const SCOPE_CLAIMS: Readonly<Record<string, readonly string[]>> = {
  profile: [
    'name',
    'family_name',
    'given_name',
    'middle_name',
    'nickname',
    'preferred_username',
    'profile',
    'picture',
    'website',
    'gender',
    'birthdate',
    'zoneinfo',
    'locale',
    'updated_at',
  ],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
};

export const SUPPORTED_CLAIMS: readonly string[] = ['sub', ...Object.values(SCOPE_CLAIMS).flat()];

export interface ClaimSource {
  username: string;
  profile: StandardClaims;
  updatedAt: number;
}

export type ClaimTarget = 'userinfo' | 'id_token';

/** Every claim the user has, keyed by its OIDC name. */
function allClaims(user: ClaimSource): Record<string, unknown> {
  // 0: a host application's account that did not say when it changed, so no updated_at is claimed.
  return {
    ...user.profile,
    preferred_username: user.username,
    updated_at: user.updatedAt > 0 ? user.updatedAt : undefined,
  };
}

/**
 * The claims for one target. UserInfo gets every claim of the consented scopes (§5.4); the ID
 * token of a flow that also issues an access token gets only those the claims parameter asks for
 * there (§5.4: scope claims "are returned from the UserInfo Endpoint … when a response_type value
 * is used that results in an Access Token being issued").
 */
export function releasedClaims(
  user: ClaimSource,
  scope: readonly string[],
  claimsRequest: ClaimsRequest | null,
  target: ClaimTarget,
): Record<string, unknown> {
  const allowed = new Set(scope.flatMap((s) => SCOPE_CLAIMS[s] ?? []));
  const wanted =
    target === 'userinfo'
      ? new Set([...allowed, ...Object.keys(claimsRequest?.userinfo ?? {})])
      : new Set(Object.keys(claimsRequest?.id_token ?? {}));
  const values = allClaims(user);
  const out: Record<string, unknown> = {};
  for (const name of wanted) {
    if (allowed.has(name) && values[name] !== undefined) out[name] = values[name];
  }
  return out;
}
