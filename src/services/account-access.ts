/**
 * What the host application may do about one account's access (issue 8) — the account page's and
 * the admin API's actions, for hosts whose users have no Latchkey account page: see the apps the
 * account let in, remove one, revoke every grant, end Latchkey's sessions. Recorded in the audit
 * log as the system's doing (the host authorised it).
 */
import type { RevokedCounts } from '../store/ports.js';
import { auditEvent, SYSTEM_ACTOR } from './audit.js';
import type { ServiceDeps } from './deps.js';
import { type AppAccess, listUserApps, removeAccess, revokeUserSessions } from './grants.js';

// No stored id is longer: nothing can match, so nothing is asked.
const ID_MAX = 200;
const isAccountId = (id: unknown): id is string =>
  typeof id === 'string' && id.length > 0 && id.length <= ID_MAX;

/** The apps the account gave access to (consented or holding a live grant); [] for an unknown id. */
export async function appsOfAccount(deps: ServiceDeps, accountId: string): Promise<AppAccess[]> {
  return isAccountId(accountId) ? listUserApps(deps, accountId) : [];
}

/** Revokes the account's grants for the client with their tokens and forgets its consent (event consentRemoved). */
export async function removeAccountAccess(
  deps: ServiceDeps,
  accountId: string,
  clientId: string,
): Promise<{ grantsRevoked: number; consentRemoved: boolean }> {
  if (!isAccountId(accountId) || typeof clientId !== 'string' || clientId.length === 0)
    return { grantsRevoked: 0, consentRemoved: false };
  return removeAccess(deps, accountId, clientId, SYSTEM_ACTOR);
}

/** Revokes every grant of the account, with their tokens and unused codes; consents stay. */
export async function revokeAccountGrants(deps: ServiceDeps, accountId: string): Promise<RevokedCounts> {
  if (!isAccountId(accountId)) return { grants: 0, tokens: 0 };
  const audit = auditEvent(deps, {
    actor: SYSTEM_ACTOR,
    action: 'admin.user.grants_revoked',
    target: { type: 'user', id: accountId },
  });
  return deps.store.users.revokeGrants(accountId, deps.clock.now(), audit);
}

/** Ends every Latchkey session of the account (a host's own sessions are the host's to end). */
export async function endAccountSessions(deps: ServiceDeps, accountId: string): Promise<number> {
  return isAccountId(accountId) ? revokeUserSessions(deps, accountId, SYSTEM_ACTOR) : 0;
}
