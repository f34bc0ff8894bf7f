/**
 * OpenID Connect Core §5.3 UserInfo: the claims of the user an access token was issued for,
 * limited to the consented scopes (§5.4) and shaped by the claims request (§5.5).
 */
import { digest } from '../crypto/digest.js';
import { OAuthError } from '../protocol/errors.js';
import { releasedClaims } from '../protocol/oidc-core/claims.js';
import { accountsOf, type ServiceDeps } from './deps.js';
import { subjectFor } from './subject.js';

/**
 * `token` was already verified (active, with the openid scope) by the resource guard; this reads
 * its grant and user. A token without a user (client credentials) has no UserInfo.
 */
export async function userinfo(deps: ServiceDeps, token: string): Promise<Record<string, unknown>> {
  const record = await deps.store.tokens.findWithUser(digest(token));
  const invalid = () =>
    new OAuthError('invalid_token', 'The access token was not issued for a user', {
      status: 401,
      headers: { 'WWW-Authenticate': 'Bearer realm="latchkey", error="invalid_token"' },
    });
  if (!record?.userId) throw invalid();
  const [user, client, grant] = await Promise.all([
    accountsOf(deps).find(record.userId),
    deps.store.clients.findById(record.clientId),
    record.grantId ? deps.store.grants.find(record.grantId) : null,
  ]);
  if (!user || !client) throw invalid();
  return {
    ...releasedClaims(user, record.scope, grant?.claims ?? null, 'userinfo'),
    // §5.3.2: "The sub Claim MUST always be returned", the same as in the ID token.
    sub: await subjectFor(deps, client, user.id),
  };
}
