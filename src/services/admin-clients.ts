/**
 * Managing registered clients: find, list, change, delete, rotate the secret. Registration lives
 * in clients.ts with the registration rules; a change goes through those same rules, so the CLI,
 * the admin API and the programmatic API cannot disagree about what a valid client is.
 */
import { digest } from '../crypto/digest.js';
import { randomToken } from '../crypto/random.js';
import { OAuthError } from '../protocol/errors.js';
import { type Client, isPublicClient } from '../protocol/types.js';
import { changedFields } from './admin-changes.js';
import { fetchPage, type Page, type PageQuery } from './admin-paging.js';
import { type AuditActor, auditEvent, SYSTEM_ACTOR } from './audit.js';
import {
  type ClientRegistration,
  clientFromRegistration,
  clientMetadata,
  clientNotFound,
} from './clients.js';
import type { ServiceDeps } from './deps.js';

/** A change to a client: each field given replaces the stored one; null resets an optional one. */
export type ClientPatch = Omit<ClientRegistration, 'client_id' | 'client_name'> & {
  client_name?: string;
  /** Refused unless it is the client's own: a client_id never changes. */
  client_id?: string;
};

export async function getClient(deps: ServiceDeps, clientId: string): Promise<Client> {
  const client = await deps.store.clients.findById(clientId);
  if (!client) throw clientNotFound(clientId);
  return client;
}

/** Clients in client_id order; `search` matches part of the client_id or name. */
export function listClients(deps: ServiceDeps, query: PageQuery = {}): Promise<Page<Client>> {
  return fetchPage(
    query,
    (filter) => deps.store.clients.page(filter),
    (client) => client.clientId,
  );
}

const metadataError = (description: string, status?: number) =>
  new OAuthError('invalid_client_metadata', description, status ? { status } : {});

/**
 * Applies `patch` over the stored registration and checks the result with the registration rules.
 * Nothing is written unless the whole result is valid; a patch that changes nothing writes nothing.
 * The write is conditional on the client being as read, so a concurrent edit is refused (409)
 * rather than silently overwritten.
 */
export async function updateClient(
  deps: ServiceDeps,
  clientId: string,
  patch: ClientPatch,
  actor: AuditActor,
): Promise<Client> {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch))
    throw metadataError('The change must be an object');
  if (patch.client_id !== undefined && patch.client_id !== clientId)
    throw metadataError('client_id: cannot change; register a new client instead');
  const before = await getClient(deps, clientId);
  const given = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
  const merged: ClientRegistration = { ...clientMetadata(before), ...given };
  // New grant types imply their own response types unless the patch names them too.
  if (patch.grant_types !== undefined && patch.response_types === undefined) delete merged.response_types;
  const checked = clientFromRegistration(merged, before.createdAt);
  // A secret is issued at registration only: a public client has none to start using, and a
  // confidential one's secret would linger unused.
  if (isPublicClient(checked) !== isPublicClient(before)) {
    throw metadataError(
      'token_endpoint_auth_method: cannot change between none (a public client) and a secret method; register a new client instead',
    );
  }
  const after: Client = { ...checked, secretDigest: before.secretDigest };
  const changes = changedFields(clientMetadata(before), clientMetadata(after));
  if (Object.keys(changes.after).length === 0) return before;
  const audit = auditEvent(deps, {
    actor,
    action: 'admin.client.updated',
    target: { type: 'client', id: clientId },
    details: changes,
  });
  if (!(await deps.store.clients.update(before, after, audit))) {
    if (!(await deps.store.clients.findById(clientId))) throw clientNotFound(clientId);
    throw metadataError('The client changed while this change was made; read it again and retry', 409);
  }
  return after;
}

/** Deletes the client and everything issued to it: grants, codes, tokens, consents. */
export async function deleteClient(deps: ServiceDeps, clientId: string, actor: AuditActor): Promise<void> {
  const before = await getClient(deps, clientId);
  const audit = auditEvent(deps, {
    actor,
    action: 'admin.client.deleted',
    target: { type: 'client', id: clientId },
    details: { before: clientMetadata(before) },
  });
  if (!(await deps.store.clients.delete(clientId, audit))) throw clientNotFound(clientId);
}

/** Issues a new secret for a confidential client; the old one stops working at once. */
export async function rotateClientSecret(
  deps: ServiceDeps,
  clientId: string,
  actor: AuditActor = SYSTEM_ACTOR,
): Promise<string> {
  const client = await deps.store.clients.findById(clientId);
  if (!client) throw clientNotFound(clientId);
  if (client.tokenEndpointAuthMethod === 'none')
    throw metadataError('token_endpoint_auth_method: a public client (none) has no secret');
  const secret = randomToken();
  const audit = auditEvent(deps, {
    actor,
    action: 'admin.client.secret_rotated',
    target: { type: 'client', id: clientId },
  });
  if (!(await deps.store.clients.setSecretDigest(clientId, digest(secret), audit)))
    throw clientNotFound(clientId);
  return secret;
}
