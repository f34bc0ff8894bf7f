/**
 * The audit log: sign-ins, consents and their removal, revocations, password changes and admin
 * changes — who did what to what, from where (issue 5).
 *
 * Failure policy: an audit write that fails is never swallowed. Where a store method changes state
 * and records the event in one transaction (removing access, revoking a grant, changing a password,
 * signing out everywhere, signing in), the change and its event commit together or not at all.
 * Elsewhere the event is written after the change and before the caller hands anything out (the
 * session cookie, the code, the tokens), so a failed write fails the request (a 500 in the log)
 * and nothing unaudited reaches the user. A revocation that cannot be audited has still happened:
 * that is the safe side to err on.
 *
 * No event holds a password, secret, token, code or hash: `details` pass through `redactSecrets`,
 * a safety net behind callers that are written never to put them there.
 */
import { randomId } from '../crypto/random.js';
import { OAuthError } from '../protocol/errors.js';
import type { AuditActorType, AuditEventRecord, AuditFilter } from '../store/ports.js';
import type { ServiceDeps } from './deps.js';

/** Who acts, and from where (absent for system jobs and actions without a request). */
export interface AuditActor {
  type: AuditActorType;
  /** A user id or a client_id; null for the system or an anonymous caller. */
  id: string | null;
  ip?: string | null;
  userAgent?: string | null;
}

export interface AuditEventInput {
  actor: AuditActor;
  /** Dotted, lower case: 'login.success', 'grant.revoked', 'admin.client.updated'… */
  action: string;
  target?: { type: string; id: string | null } | null;
  /** Before/after and context; never secrets (see redactSecrets). */
  details?: Record<string, unknown>;
}

export const SYSTEM_ACTOR: AuditActor = { type: 'system', id: null };

export const USER_AGENT_MAX = 300;
const ID_MAX = 200;
const STRING_MAX = 500;
const ARRAY_MAX = 50;
const DEPTH_MAX = 4;
export const AUDIT_LIMIT_MAX = 200;
export const AUDIT_LIMIT_DEFAULT = 50;

const ACTION = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/;
/** Key names (case and separators ignored) whose values are secrets or derived from them. */
const SECRET_KEY = /(password|secret|token|hash|digest|privatejwk|privatekey|cookie|verifier)$/;

const clip = (value: string | null | undefined, max: number): string | null =>
  value === undefined || value === null ? null : value.slice(0, max);

/**
 * A copy of `value` with every secret-named key's value replaced by '[redacted]' (so the log still
 * shows that, say, a secret was rotated), long strings and arrays cut, and depth bounded.
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.length > STRING_MAX ? `${value.slice(0, STRING_MAX)}…` : value;
  // null stays null (a cleared field), undefined becomes null (JSON has no undefined).
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object') {
    return typeof value === 'number' || typeof value === 'boolean' ? value : String(value);
  }
  if (depth >= DEPTH_MAX) return '[…]';
  if (Array.isArray(value)) return value.slice(0, ARRAY_MAX).map((item) => redactSecrets(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const normalized = key.toLowerCase().replace(/[^a-z]/g, '');
    out[key] = SECRET_KEY.test(normalized) ? '[redacted]' : redactSecrets(child, depth + 1);
  }
  return out;
}

/**
 * The stored record for an event happening now: for store methods that record it in the same
 * transaction as the change. A malformed action is a programming error, refused loudly.
 */
export function auditEvent(deps: ServiceDeps, input: AuditEventInput): AuditEventRecord {
  if (!ACTION.test(input.action) || input.action.length > 100) {
    throw new OAuthError('server_error', undefined, {
      detail: `bad audit action ${JSON.stringify(input.action)}`,
    });
  }
  return {
    id: randomId(),
    at: deps.clock.now(),
    actorType: input.actor.type,
    actorId: clip(input.actor.id, ID_MAX),
    action: input.action,
    targetType: clip(input.target?.type, 50),
    targetId: clip(input.target?.id, ID_MAX),
    ip: clip(input.actor.ip, 100),
    userAgent: clip(input.actor.userAgent, USER_AGENT_MAX),
    details: redactSecrets(input.details ?? {}) as Record<string, unknown>,
  };
}

/** Records an event on its own. Errors propagate: see the failure policy above. */
export async function recordAudit(deps: ServiceDeps, input: AuditEventInput): Promise<void> {
  await deps.store.audit.record(auditEvent(deps, input));
}

/** A filter as the admin API receives it: strings from a query, or numbers. */
export interface AuditQuery {
  action?: string | undefined;
  actorId?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  /** Seconds since the epoch, inclusive. */
  since?: number | string | undefined;
  until?: number | string | undefined;
  /** 1–200; default 50. */
  limit?: number | string | undefined;
  /** `nextCursor` from the previous page. */
  cursor?: string | undefined;
}

export interface AuditPage {
  events: AuditEventRecord[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

const badFilter = (field: string, message: string) =>
  new OAuthError('invalid_request', `${field}: ${message}`);

const present = (v: unknown): boolean => v !== undefined && v !== '';

function integer(
  field: string,
  raw: number | string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (!present(raw)) return undefined;
  const n = typeof raw === 'number' ? raw : /^-?\d{1,16}$/.test(String(raw)) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw badFilter(field, `must be a whole number from ${min} to ${max}`);
  }
  return n;
}

function text(field: string, raw: string | undefined, pattern?: RegExp): string | undefined {
  if (!present(raw)) return undefined;
  if (typeof raw !== 'string' || raw.length > ID_MAX || (pattern && !pattern.test(raw))) {
    throw badFilter(field, pattern ? 'is not a valid value' : `must be at most ${ID_MAX} characters`);
  }
  return raw;
}

/** "<at>.<id>": ids are base64url, so the first dot splits it. */
export const encodeAuditCursor = (e: { at: number; id: string }) => `${e.at}.${e.id}`;

function decodeCursor(raw: string | undefined): AuditFilter['before'] {
  if (!present(raw)) return undefined;
  const match = typeof raw === 'string' ? /^(\d{1,16})\.([A-Za-z0-9_-]{1,200})$/.exec(raw) : null;
  if (!match) throw badFilter('cursor', 'is not a cursor this server returned');
  return { at: Number(match[1]), id: match[2]! };
}

/** Checks a filter from the outside world; bad input is invalid_request naming the field. */
export function parseAuditQuery(query: AuditQuery): AuditFilter {
  const filter: AuditFilter = {
    limit: integer('limit', query.limit, 1, AUDIT_LIMIT_MAX) ?? AUDIT_LIMIT_DEFAULT,
  };
  const action = text('action', query.action, /^[a-z][a-z0-9_.-]*(\.\*)?$/);
  const actorId = text('actorId', query.actorId);
  const targetType = text('targetType', query.targetType);
  const targetId = text('targetId', query.targetId);
  const since = integer('since', query.since, 0, Number.MAX_SAFE_INTEGER);
  const until = integer('until', query.until, 0, Number.MAX_SAFE_INTEGER);
  const before = decodeCursor(query.cursor);
  if (since !== undefined && until !== undefined && since > until)
    throw badFilter('since', 'must not be after until');
  return {
    ...filter,
    ...(action !== undefined && { action }),
    ...(actorId !== undefined && { actorId }),
    ...(targetType !== undefined && { targetType }),
    ...(targetId !== undefined && { targetId }),
    ...(since !== undefined && { since }),
    ...(until !== undefined && { until }),
    ...(before !== undefined && { before }),
  };
}

/** One page of events, newest first. */
export async function listAudit(deps: ServiceDeps, query: AuditQuery): Promise<AuditPage> {
  const filter = parseAuditQuery(query);
  // One extra row tells whether another page exists without a count query.
  const rows = await deps.store.audit.list({ ...filter, limit: filter.limit + 1 });
  const events = rows.slice(0, filter.limit);
  const last = events.at(-1);
  return { events, nextCursor: rows.length > filter.limit && last ? encodeAuditCursor(last) : null };
}
