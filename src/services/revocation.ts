/** The revocation endpoint's use case (RFC 7009). */
import { digest } from '../crypto/digest.js';
import { type RawParams, singleParams } from '../protocol/params.js';
import { revocationAction, revocationToken } from '../protocol/rfc7009-revocation.js';
import { auditEvent } from './audit.js';
import { authenticateRequestClient } from './client-authentication.js';
import type { ServiceDeps } from './deps.js';
import { emitEvent } from './events.js';

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
  if (action === 'none') return;
  const event = auditEvent(deps, {
    actor: { type: 'client', id: client.clientId },
    action: 'token.revoked',
    target: token!.grantId ? { type: 'grant', id: token!.grantId } : { type: 'client', id: client.clientId },
    details: { tokenKind: token!.kind, grantRevoked: action === 'revoke-grant', userId: token!.userId },
  });
  // Only what this request revoked is recorded: a repeat (RFC 7009 §2.2 answers it 200 too) is not.
  const revoked =
    action === 'revoke-grant'
      ? await deps.store.grants.revoke(token!.grantId!, now, event)
      : await deps.store.tokens.revoke(tokenDigest, now);
  if (!revoked) return;
  if (action !== 'revoke-grant') await deps.store.audit.record(event);
  emitEvent(deps, 'tokenRevoked', () => ({
    clientId: client.clientId,
    accountId: token!.userId,
    grantId: token!.grantId,
    kind: token!.kind,
    grantRevoked: action === 'revoke-grant',
    reason: 'revocation_request',
  }));
}
