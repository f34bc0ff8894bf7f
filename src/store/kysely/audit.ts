/**
 * The audit log: insert-only rows, listed newest first with a keyset cursor (at, id) so paging
 * stays correct while new events arrive. `insertAudit` is exported for the other repositories, which
 * record an event in the same transaction as the change it describes.
 */
import type { Kysely, Transaction } from 'kysely';
import type { AuditActorType, AuditEventRecord, AuditLog } from '../ports.js';
import type { AuditEventsTable, Database } from './schema.js';

const ACTOR_TYPES: readonly string[] = ['user', 'client', 'system', 'anonymous'];

function fromEvent(e: AuditEventRecord): AuditEventsTable {
  return {
    id: e.id,
    at: e.at,
    actor_type: e.actorType,
    actor_id: e.actorId,
    action: e.action,
    target_type: e.targetType,
    target_id: e.targetId,
    ip: e.ip,
    user_agent: e.userAgent,
    details: JSON.stringify(e.details),
  };
}

function detailsFromRow(value: string): Record<string, unknown> {
  // A damaged row still lists (with its details dropped) rather than failing the whole page.
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function toEvent(row: AuditEventsTable): AuditEventRecord {
  return {
    id: row.id,
    at: Number(row.at),
    actorType: (ACTOR_TYPES.includes(row.actor_type) ? row.actor_type : 'system') as AuditActorType,
    actorId: row.actor_id,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    ip: row.ip,
    userAgent: row.user_agent,
    details: detailsFromRow(row.details),
  };
}

export async function insertAudit(
  db: Kysely<Database> | Transaction<Database>,
  event: AuditEventRecord | undefined,
): Promise<void> {
  if (event) await db.insertInto('audit_events').values(fromEvent(event)).execute();
}

/** 'admin.' → 'admin/': the first string after every string that starts with the prefix ('/' follows '.'). */
const prefixEnd = (prefix: string) =>
  prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);

export function auditRepository(db: Kysely<Database>): AuditLog {
  return {
    async record(event) {
      await insertAudit(db, event);
    },
    async list(filter) {
      let q = db.selectFrom('audit_events').selectAll();
      if (filter.action?.endsWith('.*')) {
        // A range rather than LIKE: '_' in an action would be a LIKE wildcard, and a range uses the index.
        const prefix = filter.action.slice(0, -1);
        q = q.where('action', '>=', prefix).where('action', '<', prefixEnd(prefix));
      } else if (filter.action !== undefined) q = q.where('action', '=', filter.action);
      if (filter.actorId !== undefined) q = q.where('actor_id', '=', filter.actorId);
      if (filter.targetType !== undefined) q = q.where('target_type', '=', filter.targetType);
      if (filter.targetId !== undefined) q = q.where('target_id', '=', filter.targetId);
      if (filter.since !== undefined) q = q.where('at', '>=', filter.since);
      if (filter.until !== undefined) q = q.where('at', '<=', filter.until);
      const before = filter.before;
      if (before) {
        q = q.where((eb) =>
          eb.or([eb('at', '<', before.at), eb.and([eb('at', '=', before.at), eb('id', '<', before.id)])]),
        );
      }
      const rows = await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
      return rows.map(toEvent);
    },
  };
}
