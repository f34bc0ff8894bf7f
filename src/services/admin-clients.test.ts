/**
 * Client management on a real store: an edit racing another is refused (409) rather than lost,
 * deleting takes everything issued to the client with it, and revoking all leaves the client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../../test/helpers/database.js';
import { parseConfig } from '../config/load.js';
import { fakeClock } from '../protocol/clock.js';
import { OAuthError } from '../protocol/errors.js';
import { openStore } from '../store/kysely/index.js';
import type { TokenRecord } from '../store/ports.js';
import { deleteClient, getClient, listClients, updateClient } from './admin-clients.js';
import { revokeClientGrants } from './admin-grants.js';
import { SYSTEM_ACTOR } from './audit.js';
import { registerClient } from './clients.js';
import type { ServiceDeps } from './deps.js';

const root = mkdtempSync(join(tmpdir(), 'latchkey-admin-clients-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let deps: ServiceDeps & { clock: ReturnType<typeof fakeClock> };
let n = 0;
beforeEach(async () => {
  const url = await freshDatabaseUrl(root, `db-${++n}`);
  const { store } = await openStore(url);
  deps = { store, clock: fakeClock(), config: parseConfig({ databaseUrl: url }) };
});
afterEach(async () => {
  await deps.store.close();
});

const token = (digest: string, clientId: string, grantId: string | null = null): TokenRecord => ({
  tokenDigest: digest,
  kind: 'access',
  grantId,
  clientId,
  userId: null,
  scope: [],
  createdAt: deps.clock.now(),
  expiresAt: deps.clock.now() + 3600,
  consumedAt: null,
  revokedAt: null,
});

async function service(clientId: string) {
  return registerClient(deps, {
    client_id: clientId,
    client_name: 'Svc',
    grant_types: ['client_credentials'],
  });
}

describe('updateClient', () => {
  it('refuses with 409 an edit whose client changed since it was read, and writes nothing', async () => {
    await service('raced');
    const original = deps.store.clients.update.bind(deps.store.clients);
    // Another administrator's edit lands between this edit's read and its write.
    deps.store.clients.update = async (before, after, audit) => {
      await original(before, { ...before, clientName: 'Theirs' });
      return original(before, after, audit);
    };
    const error = await updateClient(deps, 'raced', { client_name: 'Mine' }, SYSTEM_ACTOR).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as OAuthError).status).toBe(409);
    expect((await getClient(deps, 'raced')).clientName).toBe('Theirs');
    expect((await deps.store.audit.list({ limit: 10, action: 'admin.client.updated' })).length).toBe(0);
  });

  it('keeps the secret digest and creation time', async () => {
    const { client } = await service('kept');
    deps.clock.advance(100);
    const updated = await updateClient(deps, 'kept', { scope: 'api:read' }, SYSTEM_ACTOR);
    expect(updated).toMatchObject({
      secretDigest: client.secretDigest,
      createdAt: client.createdAt,
      scope: ['api:read'],
    });
  });
});

describe('deleteClient and revokeClientGrants', () => {
  it('deletes the client with its tokens; other clients keep theirs', async () => {
    await service('gone');
    await service('stays');
    await deps.store.tokens.insert([token('t-gone', 'gone'), token('t-stays', 'stays')]);
    await deleteClient(deps, 'gone', SYSTEM_ACTOR);
    expect(await deps.store.tokens.find('t-gone')).toBeNull();
    expect(await deps.store.tokens.find('t-stays')).not.toBeNull();
    expect((await listClients(deps)).items.map((c) => c.clientId)).toEqual(['stays']);
    await expect(deleteClient(deps, 'gone', SYSTEM_ACTOR)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('revokes every token of the client and keeps the client', async () => {
    await service('calm');
    await deps.store.tokens.insert([token('t1', 'calm'), token('t2', 'calm')]);
    expect(await revokeClientGrants(deps, 'calm', SYSTEM_ACTOR)).toEqual({ grants: 0, tokens: 2 });
    expect((await deps.store.tokens.find('t1'))?.revokedAt).toBe(deps.clock.now());
    expect(await revokeClientGrants(deps, 'calm', SYSTEM_ACTOR)).toEqual({ grants: 0, tokens: 0 });
    await expect(revokeClientGrants(deps, 'nobody', SYSTEM_ACTOR)).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});
