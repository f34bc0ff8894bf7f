/**
 * Minting OpenID Connect ID tokens (OIDC Core §2, §3.1.3.3): for the token endpoint's code and
 * refresh responses when the grant includes the `openid` scope.
 */
import { signJwt } from '../crypto/keys.js';
import { releasedClaims } from '../protocol/oidc-core/claims.js';
import { idTokenClaims } from '../protocol/oidc-core/id-token.js';
import type { ClaimsRequest, Client } from '../protocol/types.js';
import type { ServiceDeps } from './deps.js';
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
}

export function wantsIdToken(scope: readonly string[]): boolean {
  return scope.includes('openid');
}

/** Null when the user no longer exists (the caller refuses the grant then). */
export async function mintIdToken(deps: ServiceDeps, request: IdTokenRequest): Promise<string | null> {
  const user = await deps.store.users.findById(request.userId);
  if (!user || user.disabled) return null;
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
    accessToken: request.accessToken,
    alg,
    extra: releasedClaims(user, request.scope, request.claims, 'id_token'),
  });
  return signJwt(await signingKey(deps, alg), 'JWT', claims);
}
