/**
 * The admin console (/admin): server-rendered pages for administrators, on the same services as
 * the admin API. Every page needs an admin's session; every POST is CSRF-checked first.
 */
import type { FastifyInstance } from 'fastify';
import { renderAdminHome } from '../../../pages/index.js';
import type { HttpContext } from '../../context.js';
import { sendPage } from '../../respond.js';
import { CLIENT_PATHS, clientConsoleRoutes } from './clients.js';
import { PAGE, requireAdmin } from './common.js';
import { AUDIT_PATH, KEY_PATHS, keyAuditConsoleRoutes } from './keys-audit.js';
import { USER_PATHS, userConsoleRoutes } from './users.js';

export const ADMIN_CONSOLE_PATH = '/admin';

/** The console's fixed paths and their methods, for 405s (the per-item paths have parameters). */
export const ADMIN_CONSOLE_METHODS: Record<string, string> = {
  [ADMIN_CONSOLE_PATH]: 'GET, HEAD',
  [CLIENT_PATHS.list]: 'GET, HEAD, POST',
  [CLIENT_PATHS.create]: 'GET, HEAD',
  [USER_PATHS.list]: 'GET, HEAD, POST',
  [USER_PATHS.create]: 'GET, HEAD',
  [KEY_PATHS.list]: 'GET, HEAD',
  [KEY_PATHS.rotate]: 'GET, HEAD, POST',
  [AUDIT_PATH]: 'GET, HEAD',
};

export function adminConsoleRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.get(ADMIN_CONSOLE_PATH, PAGE, async (request, reply) => {
    const admin = await requireAdmin(ctx, request, reply);
    return admin ? sendPage(reply, renderAdminHome(admin.view('home'))) : reply;
  });
  clientConsoleRoutes(app, ctx);
  userConsoleRoutes(app, ctx);
  keyAuditConsoleRoutes(app, ctx);
}
