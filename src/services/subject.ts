/**
 * The `sub` a client sees (OIDC Core §8): the user's id for public clients, or a pairwise value per
 * sector (the redirect URIs' host) so that two unrelated clients cannot match up their users.
 */
import { createHash } from 'node:crypto';
import { randomToken } from '../crypto/random.js';
import type { Client } from '../protocol/types.js';
import type { ServiceDeps } from './deps.js';

const SALT = 'pairwise_subject_salt';
/** The salt never changes once stored, so each process reads it once per store, not per token. */
const salts = new WeakMap<object, Promise<string>>();

function salt(deps: ServiceDeps): Promise<string> {
  let pending = salts.get(deps.store);
  if (!pending) {
    pending = deps.store.secrets.getOrCreate(SALT, randomToken(), deps.clock.now());
    salts.set(deps.store, pending);
    pending.catch(() => salts.delete(deps.store));
  }
  return pending;
}

/** §8.1: "sub = SHA-256 ( sector_identifier || local_account_id || salt )", base64url. */
export async function subjectFor(deps: ServiceDeps, client: Client, userId: string): Promise<string> {
  if (client.subjectType !== 'pairwise') return userId;
  const sector = new URL(client.redirectUris[0]!).hostname;
  return createHash('sha256')
    .update(`${sector}|${userId}|${await salt(deps)}`)
    .digest('base64url');
}
