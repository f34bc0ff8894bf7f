/** Console pages for the signing keys (list, rotate behind a confirmation) and the audit log. */
import type { FastifyInstance } from 'fastify';
import { renderAuditPage, renderConfirmPage, renderKeyListPage } from '../../../pages/index.js';
import { rotateKeys } from '../../../services/admin-keys.js';
import { type AuditPage, listAudit } from '../../../services/audit.js';
import { listSigningKeys } from '../../../services/signing-keys.js';
import { getUser } from '../../../services/users.js';
import type { HttpContext } from '../../context.js';
import { sendPage } from '../../respond.js';
import { adminPost, formError, PAGE, pagingLinks, queryValue, requireAdmin } from './common.js';

export const KEY_PATHS = { list: '/admin/keys', rotate: '/admin/keys/rotate' } as const;
export const AUDIT_PATH = '/admin/audit';

/** User names for the actors on a page (at most one page's worth of lookups), so people read names, not ids. */
async function userNames(ctx: HttpContext, ids: string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const id of new Set(ids)) {
    const user = await getUser(ctx.deps, { id }).catch(() => null);
    if (user) names.set(id, user.username);
  }
  return names;
}

export function keyAuditConsoleRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.get(KEY_PATHS.list, PAGE, async (request, reply) => {
    const admin = await requireAdmin(ctx, request, reply);
    if (!admin) return reply;
    const keys = await listSigningKeys(ctx.deps);
    const html = renderKeyListPage({
      ...admin.view('keys'),
      keys: keys.map((k) => ({
        kid: k.kid,
        alg: k.alg,
        status: k.status,
        createdAt: k.createdAt,
        retireAt: k.retireAt,
      })),
      notice: queryValue(request, 'done') === 'rotated' ? 'New signing keys are in use.' : null,
      rotateHref: KEY_PATHS.rotate,
    });
    return sendPage(reply, html);
  });

  app.get(KEY_PATHS.rotate, PAGE, async (request, reply) => {
    const admin = await requireAdmin(ctx, request, reply);
    if (!admin) return reply;
    const html = renderConfirmPage({
      ...admin.view('keys'),
      title: 'Rotate the signing keys?',
      message:
        'A new key is made for each algorithm and signs from now on. The current keys stay published until the tokens they signed have expired, so nothing stops working.',
      action: KEY_PATHS.rotate,
      confirmLabel: 'Rotate keys',
      cancelHref: KEY_PATHS.list,
    });
    return sendPage(reply, html);
  });

  app.post(KEY_PATHS.rotate, PAGE, async (request, reply) => {
    const posted = await adminPost(ctx, request, reply);
    if (!posted) return reply;
    await rotateKeys(ctx.deps, {}, posted.admin.actor);
    return reply.redirect(`${KEY_PATHS.list}?done=rotated`, 303);
  });

  app.get(AUDIT_PATH, PAGE, async (request, reply) => {
    const admin = await requireAdmin(ctx, request, reply);
    if (!admin) return reply;
    const filter = {
      action: queryValue(request, 'action').trim(),
      actorId: queryValue(request, 'actor_id').trim(),
      targetId: queryValue(request, 'target_id').trim(),
    };
    let page: AuditPage = { events: [], nextCursor: null };
    let error: { message: string; status: number } | null = null;
    try {
      page = await listAudit(ctx.deps, { ...filter, limit: 50, cursor: queryValue(request, 'cursor') });
    } catch (caught) {
      const known = formError(caught, ['invalid_request']);
      if (!known) throw caught;
      error = { message: known.description ?? '', status: known.status };
    }
    const names = await userNames(
      ctx,
      page.events.filter((e) => e.actorType === 'user' && e.actorId).map((e) => e.actorId!),
    );
    const params = { action: filter.action, actor_id: filter.actorId, target_id: filter.targetId };
    const html = renderAuditPage({
      ...admin.view('audit'),
      filter,
      events: page.events.map((e) => ({
        at: e.at,
        action: e.action,
        actor: e.actorId ? `${e.actorType} ${names.get(e.actorId) ?? e.actorId}` : e.actorType,
        target: e.targetId ? `${e.targetType ?? ''} ${e.targetId}` : '',
        ip: e.ip ?? '',
        details: Object.keys(e.details).length > 0 ? JSON.stringify(e.details, null, 1) : '',
      })),
      error: error?.message ?? null,
      ...pagingLinks(request, AUDIT_PATH, params, page.nextCursor),
    });
    return sendPage(reply, html, error?.status ?? 200);
  });
}
