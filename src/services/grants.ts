/**
 * Grants as people manage them: listed by user or by client, revoked one by one, or — "Remove
 * access" — every grant of a user for a client together with the consent, so the next
 * authorization asks again. Shared by the account page and the admin API; each change is recorded
 * in the audit log in the same transaction as the change itself.
 */
import { OAuthError } from '../protocol/errors.js';
import type { GrantListing } from '../store/ports.js';
import { type AuditActor, auditEvent } from './audit.js';
import type { ServiceDeps } from './deps.js';
import { emitEvent } from './events.js';

export interface GrantView {
  id: string;
  client: { id: string; name: string; uri: string | null };
  /** Null for a grant without a user (none exist today; the column allows it). */
  user: { id: string; username: string | null } | null;
  scope: string[];
  createdAt: number;
  revokedAt: number | null;
  /** When a token was last issued from it (issued or refreshed); null if none ever was. */
  lastUsedAt: number | null;
  /** Not revoked, and some token or code from it still unexpired and unused. */
  active: boolean;
}

export interface GrantPage {
  grants: GrantView[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface GrantPageRequest {
  /** 1–200; default 50. */
  limit?: number | string | undefined;
  cursor?: string | undefined;
  /** Only grants still usable. */
  activeOnly?: boolean | undefined;
}

export const GRANT_LIMIT_MAX = 200;
const GRANT_LIMIT_DEFAULT = 50;

const badInput = (field: string, message: string) =>
  new OAuthError('invalid_request', `${field}: ${message}`);

function parseLimit(raw: number | string | undefined): number {
  if (raw === undefined || raw === '') return GRANT_LIMIT_DEFAULT;
  const n = typeof raw === 'number' ? raw : /^\d{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > GRANT_LIMIT_MAX) {
    throw badInput('limit', `must be a whole number from 1 to ${GRANT_LIMIT_MAX}`);
  }
  return n;
}

/** "<createdAt>.<id>": grant ids are base64url, so the first dot splits it. */
function parseCursor(raw: string | undefined): { createdAt: number; id: string } | undefined {
  if (raw === undefined || raw === '') return undefined;
  const match = /^(\d{1,16})\.([A-Za-z0-9_-]{1,200})$/.exec(raw);
  if (!match) throw badInput('cursor', 'is not a cursor this server returned');
  return { createdAt: Number(match[1]), id: match[2]! };
}

const toView = (g: GrantListing): GrantView => ({
  id: g.id,
  client: { id: g.clientId, name: g.clientName, uri: g.clientUri },
  user: g.userId === null ? null : { id: g.userId, username: g.username },
  scope: g.scope,
  createdAt: g.createdAt,
  revokedAt: g.revokedAt,
  lastUsedAt: g.lastUsedAt,
  active: g.active,
});

/** One page of a user's or a client's grants, newest first. */
export async function listGrants(
  deps: ServiceDeps,
  by: { userId: string } | { clientId: string },
  page: GrantPageRequest = {},
): Promise<GrantPage> {
  const limit = parseLimit(page.limit);
  const before = parseCursor(page.cursor);
  const rows = await deps.store.grants.list(
    {
      ...('userId' in by ? { userId: by.userId } : { clientId: by.clientId }),
      activeOnly: page.activeOnly === true,
      // One extra row tells whether another page exists.
      limit: limit + 1,
      ...(before && { before }),
    },
    deps.clock.now(),
  );
  const grants = rows.slice(0, limit).map(toView);
  const last = grants.at(-1);
  return { grants, nextCursor: rows.length > limit && last ? `${last.createdAt}.${last.id}` : null };
}

/**
 * Revokes one grant and every token from it. Unknown grant: not_found. True when this call revoked
 * it, false when it was revoked already (then nothing is recorded).
 */
export async function revokeGrant(deps: ServiceDeps, grantId: string, actor: AuditActor): Promise<boolean> {
  const grant = grantId.length <= 200 ? await deps.store.grants.find(grantId) : null;
  if (!grant) throw new OAuthError('not_found', 'No such grant');
  const event = auditEvent(deps, {
    actor,
    action: 'grant.revoked',
    target: { type: 'grant', id: grant.id },
    details: { userId: grant.userId, clientId: grant.clientId, scope: grant.scope },
  });
  return deps.store.grants.revoke(grant.id, deps.clock.now(), event);
}

/**
 * "Remove access": revokes every grant of the user for the client (their access and refresh tokens
 * stop working, pending codes are spent) and forgets the consent, in one transaction with its
 * audit event 'consent.removed'. With nothing to remove it changes and records nothing and returns
 * zeros: the account page treats that as done (a repeated click), an admin API may answer 404.
 */
export async function removeAccess(
  deps: ServiceDeps,
  userId: string,
  clientId: string,
  actor: AuditActor,
): Promise<{ grantsRevoked: number; consentRemoved: boolean }> {
  // No stored id is this long: nothing can match, so skip the query.
  if (clientId.length > 200 || userId.length > 200) return { grantsRevoked: 0, consentRemoved: false };
  const event = auditEvent(deps, {
    actor,
    action: 'consent.removed',
    target: { type: 'client', id: clientId },
    details: { userId, clientId },
  });
  const removed = await deps.store.grants.removeAccess(userId, clientId, deps.clock.now(), event);
  if (removed.consentRemoved || removed.grantsRevoked > 0)
    emitEvent(deps, 'consentRemoved', () => ({ accountId: userId, clientId }));
  return removed;
}

/** Signs the user out of every browser (all sessions), recorded as 'sessions.revoked'; returns how many. */
export async function revokeUserSessions(
  deps: ServiceDeps,
  userId: string,
  actor: AuditActor,
): Promise<number> {
  const event = auditEvent(deps, {
    actor,
    action: 'sessions.revoked',
    target: { type: 'user', id: userId },
    details: { userId },
  });
  return deps.store.sessions.deleteAllForUser(userId, event);
}

/** An application as the account page shows it: everything the user let it do, together. */
export interface AppAccess {
  client: { id: string; name: string; uri: string | null };
  /** What the user consented to and what its live grants hold, together. */
  scope: string[];
  /** When the user first consented, or the oldest live grant's creation. */
  grantedAt: number;
  lastUsedAt: number | null;
}

/** How many of a user's newest grants the account page reads; each sign-in at an app makes one. */
const APPS_GRANT_SCAN = 500;

/**
 * The applications a user has given access to: those with a consent on record, and those holding
 * a live grant (first-party apps that skip consent, password-grant apps). "Last used" counts
 * expired grants too: an app whose tokens lapsed last month was still used then. Most recently
 * used first.
 */
export async function listUserApps(deps: ServiceDeps, userId: string): Promise<AppAccess[]> {
  const [consents, grants] = await Promise.all([
    deps.store.consents.listForUser(userId),
    deps.store.grants.list({ userId, limit: APPS_GRANT_SCAN }, deps.clock.now()),
  ]);
  const apps = new Map<string, AppAccess>();
  for (const c of consents) {
    apps.set(c.clientId, {
      client: { id: c.clientId, name: c.clientName, uri: c.clientUri },
      scope: [...c.scope],
      grantedAt: c.createdAt,
      lastUsedAt: null,
    });
  }
  // Oldest first, so an app known only by its grants is "granted" at its oldest live one.
  for (const g of [...grants].reverse().filter((grant) => grant.active)) {
    const app = apps.get(g.clientId);
    if (!app) {
      apps.set(g.clientId, {
        client: { id: g.clientId, name: g.clientName, uri: g.clientUri },
        scope: [...g.scope],
        grantedAt: g.createdAt,
        lastUsedAt: null,
      });
    } else for (const s of g.scope) if (!app.scope.includes(s)) app.scope.push(s);
  }
  for (const g of grants) {
    const app = apps.get(g.clientId);
    if (app && g.lastUsedAt !== null && (app.lastUsedAt === null || g.lastUsedAt > app.lastUsedAt)) {
      app.lastUsedAt = g.lastUsedAt;
    }
  }
  return [...apps.values()].sort(
    (a, b) =>
      (b.lastUsedAt ?? b.grantedAt) - (a.lastUsedAt ?? a.grantedAt) ||
      a.client.name.localeCompare(b.client.name),
  );
}
