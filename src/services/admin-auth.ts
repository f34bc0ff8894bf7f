/**
 * Who may administer Latchkey: one rule for the admin API and console.
 * - A bearer access token carrying the `latchkey:admin` scope: client credentials of a client
 *   registered with that scope (a machine), or a user's token, whose user must then be an admin
 *   too — a scope a non-admin consented to grants nothing.
 * - The session of a user with the admin flag (the console; the API checks CSRF on top).
 * Failures are RFC 6750 errors: 401 without usable credentials, 403 when they are not an admin's.
 */
import { OAuthError } from '../protocol/errors.js';
import { checkScope, invalidTokenError, missingTokenError } from '../protocol/rfc6750-bearer.js';
import type { AuditActor } from './audit.js';
import type { ServiceDeps } from './deps.js';
import { currentSession } from './login.js';
import { lookupAccessToken } from './token.js';

export const ADMIN_SCOPE = 'latchkey:admin';
export const ADMIN_REALM = 'latchkey';

export interface AdminPrincipal {
  via: 'bearer' | 'session';
  /** The admin user, or null for a client acting on its own behalf. */
  userId: string | null;
  username: string | null;
  /** The client whose token it is (bearer only). */
  clientId: string | null;
  /** The token's scope (bearer only). */
  scope: string[];
  /** Who the audit log names: the user when there is one, else the client. */
  actor: Pick<AuditActor, 'type' | 'id'>;
}

const notAdmin = (description: string) => new OAuthError('access_denied', description, { status: 403 });

async function adminUser(deps: ServiceDeps, userId: string) {
  const user = await deps.store.users.findById(userId);
  return user && !user.disabled && user.isAdmin === true ? user : null;
}

/** The admin a bearer token speaks for; 401 when it is not a live access token, 403 when not an admin's. */
export async function adminFromToken(deps: ServiceDeps, token: string): Promise<AdminPrincipal> {
  const info = await lookupAccessToken(deps, token);
  if (!info) throw invalidTokenError(ADMIN_REALM);
  checkScope(info.scope, [ADMIN_SCOPE], { realm: ADMIN_REALM });
  // Judged live, like a user's admin flag: a client whose registration no longer allows the admin
  // scope loses the access its earlier tokens carry at once, not when they expire.
  const client = await deps.store.clients.findById(info.clientId);
  if (!client?.scope.includes(ADMIN_SCOPE)) {
    throw notAdmin('The client this token was issued to may no longer use the admin scope');
  }
  if (info.userId === null) {
    return {
      via: 'bearer',
      userId: null,
      username: null,
      clientId: info.clientId,
      scope: info.scope,
      actor: { type: 'client', id: info.clientId },
    };
  }
  const user = await adminUser(deps, info.userId);
  if (!user) throw notAdmin('The user this token was issued to is not an administrator');
  return {
    via: 'bearer',
    userId: user.id,
    username: user.username,
    clientId: info.clientId,
    scope: info.scope,
    actor: { type: 'user', id: user.id },
  };
}

/** The admin signed in with this session; 401 without a live session, 403 when its user is not an admin. */
export async function adminFromSession(
  deps: ServiceDeps,
  sessionId: string | undefined,
): Promise<AdminPrincipal> {
  const signedIn = await currentSession(deps, sessionId);
  if (!signedIn) throw missingTokenError(ADMIN_REALM);
  // The admin flag lives on the built-in user row, not in what an account adapter answers.
  const user = await adminUser(deps, signedIn.user.id);
  if (!user) throw notAdmin('Only administrators may use the admin API');
  return {
    via: 'session',
    userId: user.id,
    username: user.username,
    clientId: null,
    scope: [],
    actor: { type: 'user', id: user.id },
  };
}
