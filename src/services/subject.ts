/**
 * The `sub` a client sees (OIDC Core §8): the user's id for public clients, or a pairwise value per
 * sector (the redirect URIs' host) so that two unrelated clients cannot match up their users.
 */
import { createHash } from 'node:crypto';
import { randomToken } from '../crypto/random.js';
import type { Client } from '../protocol/types.js';
import type { ServiceDeps } from './deps.js';

const SALT = 'pairwise_subject_salt';

/** §8.1: "sub = SHA-256 ( sector_identifier || local_account_id || salt )", base64url. */
export async function subjectFor(deps: ServiceDeps, client: Client, userId: string): Promise<string> {
  if (client.subjectType !== 'pairwise') return userId;
  const sector = new URL(client.redirectUris[0]!).hostname;
  const salt = await deps.store.secrets.getOrCreate(SALT, randomToken(), deps.clock.now());
  return createHash('sha256').update(`${sector}|${userId}|${salt}`).digest('base64url');
}
