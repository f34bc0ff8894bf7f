import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../../test/helpers/database.js';
import { parseConfig } from '../config/load.js';
import { fakeClock } from '../protocol/clock.js';
import type { Client } from '../protocol/types.js';
import { openStore } from '../store/kysely/index.js';
import type { GrantRecord, TokenRecord } from '../store/ports.js';
import { listAudit } from './audit.js';
import type { ServiceDeps } from './deps.js';
import { listGrants, listUserApps, removeAccess, revokeGrant, revokeUserSessions } from './grants.js';

const root = mkdtempSync(join(tmpdir(), 'latchkey-grants-service-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let files = 0;
let serial = 0;
let deps: ServiceDeps & { clock: ReturnType<typeof fakeClock> };
const T0 = 1_800_000_000;
const ADMIN = { type: 'user' as const, id: 'admin-id', ip: '192.0.2.1', userAgent: 'curl/8' };

beforeEach(async () => {
  const url = await freshDatabaseUrl(root, `grants-${++files}`);
  const { store } = await openStore(url);
  deps = { store, clock: fakeClock(T0), config: parseConfig({ databaseUrl: url }) };
});
afterEach(() => deps.store.close());

async function addUser(id: string) {
  await deps.store.users.create({
    id,
    username: `name-of-${id}`,
    passwordHash: 'x',
    disabled: false,
    profile: {},
    updatedAt: T0,
    createdAt: T0,
  });
}

async function addClient(clientId: string, name: string, skipConsent = false): Promise<Client> {
  const client: Client = {
    clientId,
    secretDigest: null,
    clientName: name,
    clientUri: `https://${clientId}.example.com`,
    redirectUris: ['https://app.example.com/cb'],
    grantTypes: ['authorization_code', 'refresh_token'],
    responseTypes: ['code'],
    scope: ['openid', 'profile', 'email'],
    tokenEndpointAuthMethod: 'none',
    skipConsent,
    requirePkce: true,
    canIntrospect: false,
    accessTokenTtl: null,
    refreshTokenTtl: null,
    accessTokenFormat: null,
    postLogoutRedirectUris: [],
    idTokenSignedResponseAlg: null,
    subjectType: 'public',
    createdAt: T0,
  };
  await deps.store.clients.create(client);
  return client;
}

/** A grant with a live access and refresh token, issued now. */
async function grant(userId: string, clientId: string, scope: string[]) {
  const now = deps.clock.now();
  const record: GrantRecord = {
    id: `grant-${String(++serial).padStart(3, '0')}`,
    userId,
    clientId,
    scope,
    authTime: now,
    sid: null,
    claims: null,
    createdAt: now,
    revokedAt: null,
  };
  const token = (kind: 'access' | 'refresh'): TokenRecord => ({
    tokenDigest: `digest-${++serial}`,
    kind,
    grantId: record.id,
    clientId,
    userId,
    scope,
    createdAt: now,
    expiresAt: now + (kind === 'access' ? 3600 : 86_400),
    consumedAt: null,
    revokedAt: null,
  });
  const tokens = [token('access'), token('refresh')];
  await deps.store.grants.createWithTokens(record, tokens);
  return { grant: record, tokens };
}

beforeEach(async () => {
  await addUser('alice');
  await addUser('bob');
  await addClient('photos', 'Photos');
  await addClient('notes', 'Notes');
  await addClient('intranet', 'Intranet', true);
});

describe('listGrants', () => {
  it("pages a user's grants newest first and a client's likewise", async () => {
    for (let i = 0; i < 3; i++) {
      deps.clock.advance(10);
      await grant('alice', 'photos', ['profile']);
    }
    await grant('bob', 'photos', ['email']);
    const first = await listGrants(deps, { userId: 'alice' }, { limit: 2 });
    expect(first.grants.map((g) => g.createdAt)).toEqual([T0 + 30, T0 + 20]);
    expect(first.grants[0]).toMatchObject({
      client: { id: 'photos', name: 'Photos', uri: 'https://photos.example.com' },
      user: { id: 'alice', username: 'name-of-alice' },
      scope: ['profile'],
      lastUsedAt: T0 + 30,
      active: true,
      revokedAt: null,
    });
    const second = await listGrants(deps, { userId: 'alice' }, { limit: '2', cursor: first.nextCursor! });
    expect(second.grants.map((g) => g.createdAt)).toEqual([T0 + 10]);
    expect(second.nextCursor).toBeNull();
    expect((await listGrants(deps, { clientId: 'photos' })).grants).toHaveLength(4);
  });

  it('answers a bad limit or cursor with invalid_request', async () => {
    for (const limit of [0, 201, 'all'])
      await expect(listGrants(deps, { userId: 'alice' }, { limit })).rejects.toMatchObject({
        code: 'invalid_request',
        description: expect.stringMatching(/^limit: /),
      });
    await expect(listGrants(deps, { userId: 'alice' }, { cursor: 'nope' })).rejects.toMatchObject({
      code: 'invalid_request',
      description: expect.stringMatching(/^cursor: /),
    });
  });
});

describe('revokeGrant', () => {
  it('revokes the grant and its tokens once, with an audit event naming the actor', async () => {
    const { grant: g, tokens } = await grant('alice', 'photos', ['profile']);
    deps.clock.advance(5);
    expect(await revokeGrant(deps, g.id, ADMIN)).toBe(true);
    expect(await revokeGrant(deps, g.id, ADMIN)).toBe(false);
    for (const t of tokens) expect((await deps.store.tokens.find(t.tokenDigest))?.revokedAt).toBe(T0 + 5);
    const { events } = await listAudit(deps, { action: 'grant.revoked' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actorType: 'user',
      actorId: 'admin-id',
      ip: '192.0.2.1',
      userAgent: 'curl/8',
      targetType: 'grant',
      targetId: g.id,
      details: { userId: 'alice', clientId: 'photos', scope: ['profile'] },
    });
  });

  it('answers an unknown grant with not_found and records nothing', async () => {
    await expect(revokeGrant(deps, 'no-such-grant', ADMIN)).rejects.toMatchObject({ code: 'not_found' });
    await expect(revokeGrant(deps, 'x'.repeat(500), ADMIN)).rejects.toMatchObject({ code: 'not_found' });
    expect((await listAudit(deps, {})).events).toEqual([]);
  });
});

describe('removeAccess and listUserApps', () => {
  it('lists consented and first-party apps, and removing one forgets its consent and revokes its tokens', async () => {
    await deps.store.consents.grant('alice', 'photos', ['openid', 'profile'], T0);
    const photos = await grant('alice', 'photos', ['openid', 'profile']);
    deps.clock.advance(100);
    await deps.store.consents.grant('alice', 'notes', ['email'], T0 + 100);
    await grant('alice', 'intranet', ['openid']); // skips consent: known by its grant only
    await grant('bob', 'notes', ['email']);

    const apps = await listUserApps(deps, 'alice');
    expect(apps).toEqual([
      {
        client: { id: 'intranet', name: 'Intranet', uri: 'https://intranet.example.com' },
        scope: ['openid'],
        grantedAt: T0 + 100,
        lastUsedAt: T0 + 100,
      },
      {
        client: { id: 'notes', name: 'Notes', uri: 'https://notes.example.com' },
        scope: ['email'],
        grantedAt: T0 + 100,
        lastUsedAt: null,
      },
      {
        client: { id: 'photos', name: 'Photos', uri: 'https://photos.example.com' },
        scope: ['openid', 'profile'],
        grantedAt: T0,
        lastUsedAt: T0,
      },
    ]);

    expect(await removeAccess(deps, 'alice', 'photos', { type: 'user', id: 'alice' })).toEqual({
      grantsRevoked: 1,
      consentRemoved: true,
    });
    for (const t of photos.tokens)
      expect((await deps.store.tokens.find(t.tokenDigest))?.revokedAt).not.toBeNull();
    expect(await deps.store.consents.find('alice', 'photos')).toEqual([]);
    expect((await listUserApps(deps, 'alice')).map((a) => a.client.id)).toEqual(['intranet', 'notes']);
    expect((await listUserApps(deps, 'bob')).map((a) => a.client.id)).toEqual(['notes']);
    const { events } = await listAudit(deps, { action: 'consent.removed' });
    expect(events[0]).toMatchObject({ actorId: 'alice', targetType: 'client', targetId: 'photos' });
  });

  it('keeps listing an app whose tokens expired while its consent stands, with when it was last used', async () => {
    await deps.store.consents.grant('alice', 'photos', ['profile'], T0);
    await grant('alice', 'photos', ['profile']);
    deps.clock.advance(10 * 86_400);
    expect(await listUserApps(deps, 'alice')).toEqual([expect.objectContaining({ lastUsedAt: T0 })]);
  });
});

describe('revokeUserSessions', () => {
  it('ends every session of the user and records it', async () => {
    for (const [n, userId] of [
      [1, 'alice'],
      [2, 'alice'],
      [3, 'bob'],
    ] as const) {
      await deps.store.sessions.create({
        idDigest: `s${n}`,
        sid: `sid${n}`,
        userId,
        authTime: T0,
        createdAt: T0,
        expiresAt: T0 + 3600,
      });
    }
    expect(await revokeUserSessions(deps, 'alice', ADMIN)).toBe(2);
    expect(await deps.store.sessions.findActive('s3', T0)).not.toBeNull();
    expect((await listAudit(deps, { action: 'sessions.revoked' })).events[0]).toMatchObject({
      targetId: 'alice',
      actorId: 'admin-id',
    });
  });
});
