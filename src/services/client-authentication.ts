/** Client authentication for the token, revocation and introspection endpoints: one rule set. */
import { authenticateClient, presentedClient } from '../protocol/rfc6749/client-auth.js';
import type { Client } from '../protocol/types.js';
import type { ServiceDeps } from './deps.js';

export async function authenticateRequestClient(
  deps: ServiceDeps,
  authorization: string | string[] | undefined,
  params: Record<string, string>,
): Promise<Client> {
  const presented = presentedClient(authorization, params);
  return authenticateClient(presented, await deps.store.clients.findById(presented.clientId));
}
