/**
 * Console pages for clients: list and search, create (the secret shown once), edit, rotate the
 * secret, revoke every grant and delete (each behind a confirmation page). Every rule is the services' (clients.ts,
 * admin-clients.ts); a refused form comes back with the service's message and status.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  type ClientFormValues,
  COPY_SCRIPT_PATH,
  renderClientFormPage,
  renderClientListPage,
  renderClientSecretPage,
  renderConfirmPage,
} from '../../../pages/index.js';
import type { Client, GrantType } from '../../../protocol/types.js';
import { isPublicClient } from '../../../protocol/types.js';
import {
  deleteClient,
  getClient,
  listClients,
  rotateClientSecret,
  updateClient,
} from '../../../services/admin-clients.js';
import { revokeClientGrants } from '../../../services/admin-grants.js';
import { type ClientRegistration, GRANT_TYPES, registerClient } from '../../../services/clients.js';
import { field, type HttpContext } from '../../context.js';
import { sendPage } from '../../respond.js';
import {
  type Admin,
  adminPost,
  fieldList,
  formError,
  PAGE,
  pagingLinks,
  queryValue,
  requireAdmin,
} from './common.js';

export const CLIENT_PATHS = { list: '/admin/clients', create: '/admin/clients/new' } as const;
const clientHref = (clientId: string, action = '') =>
  `/admin/client/${encodeURIComponent(clientId)}${action ? `/${action}` : ''}`;

/** Errors that mean "fix the form", shown on it; anything else is an error page. */
const FORM_ERRORS = ['invalid_client_metadata', 'invalid_redirect_uri', 'invalid_request'] as const;

const NOTICES: Record<string, string> = {
  deleted: 'The client was deleted, with every grant and token it had.',
  saved: 'Changes saved.',
  grants: 'Every grant of the client has been revoked, with its tokens.',
};

const EMPTY_FORM: ClientFormValues = {
  clientName: '',
  clientUri: '',
  redirectUris: '',
  scope: 'openid profile email',
  grantTypes: ['authorization_code', 'refresh_token'],
  isPublic: false,
  skipConsent: false,
  requirePkce: true,
};

const valuesOf = (client: Client): ClientFormValues => ({
  clientName: client.clientName,
  clientUri: client.clientUri ?? '',
  redirectUris: client.redirectUris.join('\n'),
  scope: client.scope.join(' '),
  grantTypes: [...client.grantTypes],
  isPublic: isPublicClient(client),
  skipConsent: client.skipConsent,
  requirePkce: client.requirePkce,
});

function valuesFromForm(body: Record<string, unknown>): ClientFormValues {
  return {
    clientName: field(body, 'client_name').trim(),
    clientUri: field(body, 'client_uri').trim(),
    redirectUris: field(body, 'redirect_uris'),
    scope: field(body, 'scope').trim(),
    grantTypes: fieldList(body, 'grant_types'),
    isPublic: field(body, 'client_type') === 'public',
    skipConsent: field(body, 'skip_consent') === 'on',
    requirePkce: field(body, 'require_pkce') === 'on',
  };
}

/** The form as registration metadata; the services judge it (a bad grant type is theirs to refuse). */
function registrationOf(v: ClientFormValues): Omit<ClientRegistration, 'token_endpoint_auth_method'> {
  return {
    client_name: v.clientName,
    client_uri: v.clientUri || null,
    redirect_uris: v.redirectUris
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean),
    grant_types: v.grantTypes as GrantType[],
    scope: v.scope,
    skip_consent: v.skipConsent,
    require_pkce: v.requirePkce,
  };
}

export function clientConsoleRoutes(app: FastifyInstance, ctx: HttpContext): void {
  function showForm(
    reply: FastifyReply,
    admin: Admin,
    clientId: string | null,
    values: ClientFormValues,
    error: { message: string; status: number } | null = null,
    notice: string | null = null,
  ) {
    const html = renderClientFormPage({
      ...admin.view('clients'),
      clientId,
      action: clientId ? clientHref(clientId) : CLIENT_PATHS.list,
      values,
      grantTypeOptions: GRANT_TYPES,
      error: error?.message ?? null,
      notice,
      rotateHref: clientId && !values.isPublic ? clientHref(clientId, 'rotate-secret') : null,
      deleteHref: clientId ? clientHref(clientId, 'delete') : null,
      revokeGrantsHref: clientId ? clientHref(clientId, 'revoke-grants') : null,
    });
    return sendPage(reply, html, error?.status ?? 200);
  }

  function showSecret(
    reply: FastifyReply,
    admin: Admin,
    title: string,
    clientId: string,
    secret: string | null,
  ) {
    const html = renderClientSecretPage({
      ...admin.view('clients'),
      title,
      clientId,
      secret,
      scriptHref: COPY_SCRIPT_PATH,
      detailHref: clientHref(clientId),
    });
    return sendPage(reply, html, 200, [], [], true);
  }

  app.get(CLIENT_PATHS.list, PAGE, async (request, reply) => {
    const admin = await requireAdmin(ctx, request, reply);
    if (!admin) return reply;
    const search = queryValue(request, 'q').trim();
    const page = await listClients(ctx.deps, { search, cursor: queryValue(request, 'cursor'), limit: 20 });
    const html = renderClientListPage({
      ...admin.view('clients'),
      search,
      clients: page.items.map((c) => ({
        clientId: c.clientId,
        name: c.clientName,
        isPublic: isPublicClient(c),
        grantTypes: c.grantTypes,
        href: clientHref(c.clientId),
      })),
      ...pagingLinks(request, CLIENT_PATHS.list, { q: search }, page.nextCursor),
      notice: NOTICES[queryValue(request, 'done')] ?? null,
    });
    return sendPage(reply, html);
  });

  app.get(CLIENT_PATHS.create, PAGE, async (request, reply) => {
    const admin = await requireAdmin(ctx, request, reply);
    return admin ? showForm(reply, admin, null, EMPTY_FORM) : reply;
  });

  app.post(CLIENT_PATHS.list, PAGE, async (request, reply) => {
    const posted = await adminPost(ctx, request, reply);
    if (!posted) return reply;
    const values = valuesFromForm(posted.body);
    const registration: ClientRegistration = {
      ...registrationOf(values),
      token_endpoint_auth_method: values.isPublic ? 'none' : 'client_secret_basic',
    };
    try {
      const { client, clientSecret } = await registerClient(ctx.deps, registration, posted.admin.actor);
      return showSecret(
        reply,
        posted.admin,
        `Client ${client.clientName} created`,
        client.clientId,
        clientSecret,
      );
    } catch (error) {
      const known = formError(error, FORM_ERRORS);
      if (!known) throw error;
      return showForm(reply, posted.admin, null, values, {
        message: known.description ?? '',
        status: known.status,
      });
    }
  });

  app.get('/admin/client/:clientId', PAGE, async (request, reply) => {
    const admin = await requireAdmin(ctx, request, reply);
    if (!admin) return reply;
    const client = await getClient(ctx.deps, clientIdOf(request));
    const notice = NOTICES[queryValue(request, 'done')] ?? null;
    return showForm(reply, admin, client.clientId, valuesOf(client), null, notice);
  });

  app.post('/admin/client/:clientId', PAGE, async (request, reply) => {
    const posted = await adminPost(ctx, request, reply);
    if (!posted) return reply;
    const clientId = clientIdOf(request);
    const before = await getClient(ctx.deps, clientId);
    // The type is fixed after registration, so the disabled radio's absence means no change.
    const values = { ...valuesFromForm(posted.body), isPublic: isPublicClient(before) };
    try {
      await updateClient(ctx.deps, clientId, registrationOf(values), posted.admin.actor);
    } catch (error) {
      const known = formError(error, FORM_ERRORS);
      if (!known) throw error;
      return showForm(reply, posted.admin, clientId, values, {
        message: known.description ?? '',
        status: known.status,
      });
    }
    return reply.redirect(`${clientHref(clientId)}?done=saved`, 303);
  });

  confirmRoutes(app, ctx);

  app.post('/admin/client/:clientId/rotate-secret', PAGE, async (request, reply) => {
    const posted = await adminPost(ctx, request, reply);
    if (!posted) return reply;
    const clientId = clientIdOf(request);
    const secret = await rotateClientSecret(ctx.deps, clientId, posted.admin.actor);
    return showSecret(reply, posted.admin, 'New client secret', clientId, secret);
  });

  app.post('/admin/client/:clientId/revoke-grants', PAGE, async (request, reply) => {
    const posted = await adminPost(ctx, request, reply);
    if (!posted) return reply;
    const clientId = clientIdOf(request);
    await revokeClientGrants(ctx.deps, clientId, posted.admin.actor);
    return reply.redirect(`${clientHref(clientId)}?done=grants`, 303);
  });

  app.post('/admin/client/:clientId/delete', PAGE, async (request, reply) => {
    const posted = await adminPost(ctx, request, reply);
    if (!posted) return reply;
    await deleteClient(ctx.deps, clientIdOf(request), posted.admin.actor);
    return reply.redirect(`${CLIENT_PATHS.list}?done=deleted`, 303);
  });
}

const clientIdOf = (request: FastifyRequest) => (request.params as { clientId: string }).clientId;

/** The GET pages in front of rotate-secret and delete: nothing happens until their form posts. */
function confirmRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.get('/admin/client/:clientId/rotate-secret', PAGE, async (request, reply) => {
    const admin = await requireAdmin(ctx, request, reply);
    if (!admin) return reply;
    const client = await getClient(ctx.deps, clientIdOf(request));
    const html = renderConfirmPage({
      ...admin.view('clients'),
      title: `Rotate the secret of ${client.clientName}?`,
      message:
        'A new secret is issued and shown once. The current secret stops working at once: the app fails to get tokens until it is given the new one.',
      action: clientHref(client.clientId, 'rotate-secret'),
      confirmLabel: 'Rotate secret',
      cancelHref: clientHref(client.clientId),
    });
    return sendPage(reply, html);
  });

  app.get('/admin/client/:clientId/revoke-grants', PAGE, async (request, reply) => {
    const admin = await requireAdmin(ctx, request, reply);
    if (!admin) return reply;
    const client = await getClient(ctx.deps, clientIdOf(request));
    const html = renderConfirmPage({
      ...admin.view('clients'),
      title: `Revoke every grant of ${client.clientName}?`,
      message:
        'Every user loses the access they gave this app: its access and refresh tokens stop working now. The client stays registered; users can consent again.',
      action: clientHref(client.clientId, 'revoke-grants'),
      confirmLabel: 'Revoke all grants',
      cancelHref: clientHref(client.clientId),
    });
    return sendPage(reply, html);
  });

  app.get('/admin/client/:clientId/delete', PAGE, async (request, reply) => {
    const admin = await requireAdmin(ctx, request, reply);
    if (!admin) return reply;
    const client = await getClient(ctx.deps, clientIdOf(request));
    const html = renderConfirmPage({
      ...admin.view('clients'),
      title: `Delete ${client.clientName}?`,
      message:
        'The client is deleted with every grant, code, token and consent it has. Its users are signed out of it at once. This cannot be undone.',
      action: clientHref(client.clientId, 'delete'),
      confirmLabel: 'Delete client',
      cancelHref: clientHref(client.clientId),
    });
    return sendPage(reply, html);
  });
}
