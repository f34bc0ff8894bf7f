/** The revocation endpoint's use case (RFC 7009). */
import { digest } from '../crypto/digest.js';
import { type RawParams, singleParams } from '../protocol/params.js';
import { revocationAction, revocationToken } from '../protocol/rfc7009-revocation.js';
import { authenticateRequestClient } from './client-authentication.js';
import type { ServiceDeps } from './deps.js';

export async function revokeToken(
  deps: ServiceDeps,
  input: { authorization: string | string[] | undefined; body: RawParams },
): Promise<void> {
  const params = singleParams(input.body);
  const client = await authenticateRequestClient(deps, input.authorization, params);
  const tokenDigest = digest(revocationToken(params));
  const token = await deps.store.tokens.find(tokenDigest);
  const action = revocationAction(token, client);
  const now = deps.clock.now();
  if (action === 'revoke-grant') await deps.store.grants.revoke(token!.grantId!, now);
  else if (action === 'revoke-token') await deps.store.tokens.revoke(tokenDigest, now);
}
