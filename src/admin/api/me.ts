/** /admin/api/v1/me: who the API takes the caller for, and (with a session) the CSRF token to send. */
import { type AdminRoute, defineRoute } from './route.js';
import { Me } from './schemas.js';

export const meRoutes: AdminRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/me',
    operationId: 'whoAmI',
    summary: 'The authenticated administrator, and the CSRF token a session must send',
    tag: 'session',
    responses: { 200: { description: 'The caller', schema: Me } },
    async handle({ ctx }) {
      const p = ctx.principal;
      const body = {
        via: p.via,
        user_id: p.userId,
        username: p.username,
        client_id: p.clientId,
        scope: p.scope.join(' '),
        csrf_token: ctx.csrfToken,
      };
      return { status: 200, body };
    },
  }),
];
