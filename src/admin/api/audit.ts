/** /admin/api/v1/audit: the audit log, newest first, filtered. */
import { listAudit } from '../../services/audit.js';
import type { AuditEventRecord } from '../../store/ports.js';
import { type AdminRoute, defineRoute } from './route.js';
import { AuditList, AuditQuery } from './schemas.js';

export const auditJson = (e: AuditEventRecord) => ({
  id: e.id,
  at: e.at,
  actor_type: e.actorType,
  actor_id: e.actorId,
  action: e.action,
  target_type: e.targetType,
  target_id: e.targetId,
  ip: e.ip,
  user_agent: e.userAgent,
  details: e.details,
});

export const auditRoutes: AdminRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/audit',
    operationId: 'listAuditEvents',
    summary: 'List audit events, newest first',
    tag: 'audit',
    query: AuditQuery,
    responses: { 200: { description: 'One page', schema: AuditList } },
    async handle({ query, ctx }) {
      const page = await listAudit(ctx.deps, {
        action: query.action,
        actorId: query.actor_id,
        targetType: query.target_type,
        targetId: query.target_id,
        since: query.since,
        until: query.until,
        limit: query.limit,
        cursor: query.cursor,
      });
      return { status: 200, body: { items: page.events.map(auditJson), next_cursor: page.nextCursor } };
    },
  }),
];
