/**
 * What Latchkey's own demo API (/api/me) says about a token's user. The client calls it directly,
 * so a pairwise client sees the subject it knows the user by and no user name (OIDC Core §8).
 */
import type { AccessTokenInfo } from '../protocol/types.js';
import type { ServiceDeps } from './deps.js';
import { subjectFor } from './subject.js';

export async function whoAmI(deps: ServiceDeps, token: AccessTokenInfo): Promise<Record<string, unknown>> {
  const client = token.userId ? await deps.store.clients.findById(token.clientId) : null;
  const pairwise = client?.subjectType === 'pairwise';
  return {
    sub: token.userId && client ? await subjectFor(deps, client, token.userId) : token.userId,
    username: pairwise ? null : token.username,
    client_id: token.clientId,
    scope: token.scope.join(' '),
  };
}
