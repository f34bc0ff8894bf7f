/** /admin/api/v1/clients: register, list, read, change, delete, rotate the secret, revoke all. */
import type { Client as ClientRecord } from '../../protocol/types.js';
import {
  deleteClient,
  getClient,
  listClients,
  rotateClientSecret,
  updateClient,
} from '../../services/admin-clients.js';
import { revokeClientGrants } from '../../services/admin-grants.js';
import { clientMetadata, registerClient } from '../../services/clients.js';
import { type AdminRoute, API_VERSION_PATH, defineRoute } from './route.js';
import {
  Client,
  ClientCreate,
  ClientCreated,
  ClientList,
  ClientParams,
  ClientPatch,
  ClientSecret,
  PageQuery,
  RevokedCounts,
} from './schemas.js';

export const clientJson = (client: ClientRecord) => ({
  ...clientMetadata(client),
  created_at: client.createdAt,
});

const location = (clientId: string) =>
  `/admin/api${API_VERSION_PATH}/clients/${encodeURIComponent(clientId)}`;

export const clientRoutes: AdminRoute[] = [
  defineRoute({
    method: 'POST',
    path: '/clients',
    operationId: 'createClient',
    summary: 'Register a client',
    description: 'The client_secret is in this response only; the store keeps its digest.',
    tag: 'clients',
    body: ClientCreate,
    responses: { 201: { description: 'Registered', schema: ClientCreated } },
    async handle({ body, ctx }) {
      const { client, clientSecret } = await registerClient(ctx.deps, body, ctx.actor);
      return {
        status: 201,
        body: { ...clientJson(client), client_secret: clientSecret },
        headers: { Location: location(client.clientId) },
      };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/clients',
    operationId: 'listClients',
    summary: 'List clients in client_id order, optionally those matching a search',
    tag: 'clients',
    query: PageQuery,
    responses: { 200: { description: 'One page', schema: ClientList } },
    async handle({ query, ctx }) {
      const page = await listClients(ctx.deps, query);
      return { status: 200, body: { items: page.items.map(clientJson), next_cursor: page.nextCursor } };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/clients/{client_id}',
    operationId: 'getClient',
    summary: 'Read a client (never its secret)',
    tag: 'clients',
    params: ClientParams,
    responses: { 200: { description: 'The client', schema: Client } },
    async handle({ params, ctx }) {
      return { status: 200, body: clientJson(await getClient(ctx.deps, params.client_id)) };
    },
  }),
  defineRoute({
    method: 'PATCH',
    path: '/clients/{client_id}',
    operationId: 'updateClient',
    summary: 'Change a client',
    description:
      'The fields given replace the stored ones and the result must pass the registration rules. The secret never changes here.',
    tag: 'clients',
    params: ClientParams,
    body: ClientPatch,
    responses: { 200: { description: 'The client as it is now', schema: Client } },
    async handle({ params, body, ctx }) {
      return {
        status: 200,
        body: clientJson(await updateClient(ctx.deps, params.client_id, body, ctx.actor)),
      };
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/clients/{client_id}',
    operationId: 'deleteClient',
    summary: 'Delete a client with every grant, code, token and consent it has',
    tag: 'clients',
    params: ClientParams,
    responses: { 204: { description: 'Deleted' } },
    async handle({ params, ctx }) {
      await deleteClient(ctx.deps, params.client_id, ctx.actor);
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/clients/{client_id}/secret',
    operationId: 'rotateClientSecret',
    summary: 'Issue a new client secret; the old one stops working at once',
    tag: 'clients',
    params: ClientParams,
    responses: { 200: { description: 'The new secret, shown only now', schema: ClientSecret } },
    async handle({ params, ctx }) {
      const secret = await rotateClientSecret(ctx.deps, params.client_id, ctx.actor);
      return { status: 200, body: { client_id: params.client_id, client_secret: secret } };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/clients/{client_id}/grants/revoke-all',
    operationId: 'revokeClientGrants',
    summary: 'Revoke every grant of the client and every token issued to it',
    tag: 'clients',
    params: ClientParams,
    responses: { 200: { description: 'What was revoked', schema: RevokedCounts } },
    async handle({ params, ctx }) {
      const counts = await revokeClientGrants(ctx.deps, params.client_id, ctx.actor);
      return { status: 200, body: { grants_revoked: counts.grants, tokens_revoked: counts.tokens } };
    },
  }),
];
