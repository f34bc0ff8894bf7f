/**
 * Revoking everything at once, for administrators: all of a user's grants, or everything issued
 * to a client. One grant at a time, and listing, are in grants.ts (shared with the account page).
 */
import type { RevokedCounts } from '../store/ports.js';
import { getClient } from './admin-clients.js';
import { type AuditActor, auditEvent } from './audit.js';
import type { ServiceDeps } from './deps.js';
import { getUser, type UserRef } from './users.js';

/** Revokes every grant of the user, with their tokens; the user's sessions stay. */
export async function revokeUserGrants(
  deps: ServiceDeps,
  ref: UserRef,
  actor: AuditActor,
): Promise<RevokedCounts> {
  const user = await getUser(deps, ref);
  const audit = auditEvent(deps, {
    actor,
    action: 'admin.user.grants_revoked',
    target: { type: 'user', id: user.id },
  });
  return deps.store.users.revokeGrants(user.id, deps.clock.now(), audit);
}

/** Revokes every grant of the client and every token issued to it; the client stays registered. */
export async function revokeClientGrants(
  deps: ServiceDeps,
  clientId: string,
  actor: AuditActor,
): Promise<RevokedCounts> {
  await getClient(deps, clientId);
  const audit = auditEvent(deps, {
    actor,
    action: 'admin.client.grants_revoked',
    target: { type: 'client', id: clientId },
  });
  return deps.store.clients.revokeGrants(clientId, deps.clock.now(), audit);
}
