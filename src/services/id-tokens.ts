/**
 * Minting OpenID Connect ID tokens (OIDC Core §2, §3.1.3.3): for the token endpoint's code and
 * refresh responses when the grant includes the `openid` scope.
 */
import { signJwt } from '../crypto/keys.js';
import { releasedClaims } from '../protocol/oidc-core/claims.js';
import { idTokenClaims } from '../protocol/oidc-core/id-token.js';
import type { ClaimsRequest, Client } from '../protocol/types.js';
import { accountsOf, type ServiceDeps } from './deps.js';
import { signingKey } from './signing-keys.js';
import { subjectFor } from './subject.js';

export interface IdTokenRequest {
  client: Client;
  userId: string;
  scope: string[];
  authTime: number | null;
  sid: string | null;
  /** Only in the first ID token of an authorization (§3.1.3.6: the nonce of the request). */
  nonce: string | null;
  claims: ClaimsRequest | null;
  accessToken: string;
  /** The user signed in with a password at Latchkey for this grant (the password grant). */
  passwordSignIn?: boolean;
}

/**
 * RFC 8176 `pwd` when Latchkey checked the password: its login page (built-in users or a host's
 * verifyCredentials) or the password grant. A host's own login (getCurrentUser) is not Latchkey's
 * to describe, so its ID tokens carry no amr.
 */
function amrOf(deps: ServiceDeps, request: IdTokenRequest): string[] | null {
  return request.passwordSignIn === true || !accountsOf(deps).asksHost ? ['pwd'] : null;
}

export function wantsIdToken(scope: readonly string[]): boolean {
  return scope.includes('openid');
}

/**
 * Null when the account no longer exists or is disabled (the caller refuses the grant then). The
 * host's claims hook may add claims; it cannot set any Latchkey sets (hook-runner.ts refuses them,
 * and idTokenClaims writes its own over whatever `extra` holds).
 */
export async function mintIdToken(deps: ServiceDeps, request: IdTokenRequest): Promise<string | null> {
  const user = await accountsOf(deps).find(request.userId);
  if (!user) return null;
  const claimsHook = deps.extensions?.hooks?.claims;
  const added = claimsHook
    ? await claimsHook({
        token: 'id_token',
        clientId: request.client.clientId,
        accountId: user.id,
        scope: request.scope,
      })
    : null;
  const alg = request.client.idTokenSignedResponseAlg ?? 'RS256';
  const now = deps.clock.now();
  const claims = idTokenClaims({
    issuer: deps.config.issuer,
    sub: await subjectFor(deps, request.client, user.id),
    clientId: request.client.clientId,
    issuedAt: now,
    expiresAt: now + deps.config.tokens.idTokenTtl,
    authTime: request.authTime,
    nonce: request.nonce,
    sid: request.sid,
    amr: amrOf(deps, request),
    accessToken: request.accessToken,
    alg,
    extra: { ...added, ...releasedClaims(user, request.scope, request.claims, 'id_token') },
  });
  return signJwt(await signingKey(deps, alg), 'JWT', claims);
}
