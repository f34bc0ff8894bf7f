/**
 * The store methods behind the account page and the admin API's grant management: listing grants
 * with their usage, revoking one (with its audit event, once), "remove access" (grants, tokens,
 * pending codes and the consent, together), consents by user, ending sessions, replacing a password.
 * Against the ports only; SQLite in temp files, PostgreSQL is one more `managementContract` call.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl, TEST_ENGINE } from '../../../test/helpers/database.js';
import type { Client } from '../../protocol/types.js';
import type {
  AuditEventRecord,
  GrantRecord,
  SessionRecord,
  Store,
  TokenRecord,
  UserRecord,
} from '../ports.js';
import { openStore } from './index.js';

const T0 = 1_800_000_000;
let serial = 0;
const unique = (prefix: string) => `${prefix}-${String(++serial).padStart(4, '0')}`;

const user = (): UserRecord => ({
  id: unique('user'),
  username: unique('name'),
  passwordHash: 'old-hash',
  disabled: false,
  profile: {},
  updatedAt: T0,
  createdAt: T0,
});

const client = (name: string): Client => ({
  clientId: unique('client'),
  secretDigest: null,
  clientName: name,
  clientUri: `https://${name.toLowerCase()}.example.com`,
  redirectUris: ['https://app.example.com/cb'],
  grantTypes: ['authorization_code', 'refresh_token'],
  responseTypes: ['code'],
  scope: ['profile', 'email'],
  tokenEndpointAuthMethod: 'none',
  skipConsent: false,
  requirePkce: true,
  canIntrospect: false,
  accessTokenTtl: null,
  refreshTokenTtl: null,
  accessTokenFormat: null,
  postLogoutRedirectUris: [],
  idTokenSignedResponseAlg: null,
  subjectType: 'public',
  createdAt: T0,
});

const audit = (action: string): AuditEventRecord => ({
  id: unique('event'),
  at: T0,
  actorType: 'user',
  actorId: 'someone',
  action,
  targetType: null,
  targetId: null,
  ip: null,
  userAgent: null,
  details: {},
});

function managementContract(engine: string, open: () => Promise<Store>, cleanup: () => void): void {
  describe(`Grant management contract: ${engine}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });
    afterAll(cleanup);

    async function grantWithTokens(u: UserRecord, c: Client, at: number, scope = ['profile']) {
      const grant: GrantRecord = {
        id: unique('grant'),
        userId: u.id,
        clientId: c.clientId,
        scope,
        authTime: at,
        sid: null,
        claims: null,
        createdAt: at,
        revokedAt: null,
      };
      const token = (kind: 'access' | 'refresh', ttl: number): TokenRecord => ({
        tokenDigest: unique('digest'),
        kind,
        grantId: grant.id,
        clientId: c.clientId,
        userId: u.id,
        scope,
        createdAt: at,
        expiresAt: at + ttl,
        consumedAt: null,
        revokedAt: null,
      });
      const tokens = [token('access', 3600), token('refresh', 86_400)];
      await store.grants.createWithTokens(grant, tokens);
      return { grant, access: tokens[0]!, refresh: tokens[1]! };
    }

    async function grantWithCode(u: UserRecord, c: Client, at: number) {
      const grant: GrantRecord = {
        id: unique('grant'),
        userId: u.id,
        clientId: c.clientId,
        scope: ['email'],
        authTime: at,
        sid: null,
        claims: null,
        createdAt: at,
        revokedAt: null,
      };
      const code = {
        codeDigest: unique('code'),
        grantId: grant.id,
        clientId: c.clientId,
        userId: u.id,
        redirectUri: 'https://app.example.com/cb',
        redirectUriRequired: true,
        scope: ['email'],
        codeChallenge: null,
        codeChallengeMethod: null,
        nonce: null,
        authTime: at,
        sid: null,
        claims: null,
        createdAt: at,
        expiresAt: at + 60,
        consumedAt: null,
      };
      await store.grants.createWithCode(grant, code);
      return { grant, code };
    }

    async function setup() {
      const [alice, bob] = [user(), user()];
      const [photos, notes] = [client('Photos'), client('Notes')];
      for (const u of [alice, bob]) await store.users.create(u);
      for (const c of [photos, notes]) await store.clients.create(c);
      return { alice, bob, photos, notes };
    }

    const auditActions = async () => (await store.audit.list({ limit: 50 })).map((e) => e.action);

    describe('grants.list', () => {
      it('joins client and user, reports last use and activity, newest first', async () => {
        const { alice, bob, photos, notes } = await setup();
        const old = await grantWithTokens(alice, photos, T0);
        // A refresh at T0 + 50 is the grant's last use.
        expect(
          await store.grants.rotateRefreshToken(old.refresh.tokenDigest, T0 + 50, [
            { ...old.access, tokenDigest: unique('digest'), createdAt: T0 + 50, expiresAt: T0 + 3650 },
          ]),
        ).toBe(true);
        const pending = await grantWithCode(alice, notes, T0 + 100);
        await grantWithTokens(bob, photos, T0 + 200);

        const list = await store.grants.list({ userId: alice.id, limit: 10 }, T0 + 300);
        expect(list).toEqual([
          {
            id: pending.grant.id,
            clientId: notes.clientId,
            clientName: 'Notes',
            clientUri: 'https://notes.example.com',
            userId: alice.id,
            username: alice.username,
            scope: ['email'],
            createdAt: T0 + 100,
            revokedAt: null,
            lastUsedAt: null,
            active: false, // its code expired at T0 + 160
          },
          {
            id: old.grant.id,
            clientId: photos.clientId,
            clientName: 'Photos',
            clientUri: 'https://photos.example.com',
            userId: alice.id,
            username: alice.username,
            scope: ['profile'],
            createdAt: T0,
            revokedAt: null,
            lastUsedAt: T0 + 50,
            active: true,
          },
        ]);
        // While the code is unexpired, its grant is active.
        expect((await store.grants.list({ userId: alice.id, limit: 1 }, T0 + 110))[0]?.active).toBe(true);
        const byClient = await store.grants.list({ clientId: photos.clientId, limit: 10 }, T0 + 300);
        expect(byClient.map((g) => g.username)).toEqual([bob.username, alice.username]);
      });

      it('filters to active grants, and pages with a (createdAt, id) cursor', async () => {
        const { alice, photos } = await setup();
        const grants = [];
        for (const at of [T0, T0 + 10, T0 + 10, T0 + 20])
          grants.push((await grantWithTokens(alice, photos, at)).grant);
        await store.grants.revoke(grants[3]!.id, T0 + 30);
        expect(
          (await store.grants.list({ userId: alice.id, limit: 10, activeOnly: true }, T0 + 30)).length,
        ).toBe(3);
        // Expired everywhere (refresh tokens live a day): nothing is active.
        expect(
          await store.grants.list({ userId: alice.id, limit: 10, activeOnly: true }, T0 + 200_000),
        ).toEqual([]);

        const first = await store.grants.list({ userId: alice.id, limit: 2 }, T0 + 30);
        const last = first.at(-1)!;
        const second = await store.grants.list(
          { userId: alice.id, limit: 2, before: { createdAt: last.createdAt, id: last.id } },
          T0 + 30,
        );
        const all = [...first, ...second].map((g) => g.id);
        expect(new Set(all).size).toBe(4);
        expect(first[0]!.id).toBe(grants[3]!.id);
        expect(second.at(-1)!.id).toBe(grants[0]!.id);
      });
    });

    describe('grants.revoke', () => {
      it('revokes tokens, spends pending codes, records its event once, and says whether it revoked', async () => {
        const { alice, photos } = await setup();
        const { grant, access } = await grantWithTokens(alice, photos, T0);
        const pending = await grantWithCode(alice, photos, T0);
        expect(await store.grants.revoke(grant.id, T0 + 1, audit('grant.revoked'))).toBe(true);
        expect((await store.tokens.find(access.tokenDigest))?.revokedAt).toBe(T0 + 1);
        expect(await store.grants.revoke(grant.id, T0 + 2, audit('grant.revoked'))).toBe(false);
        expect(await store.grants.revoke('unknown', T0 + 2, audit('grant.revoked'))).toBe(false);
        expect(await auditActions()).toEqual(['grant.revoked']);

        await store.grants.revoke(pending.grant.id, T0 + 3);
        // A code redeemed after its grant was revoked is a replay: refused.
        expect((await store.grants.findCode(pending.code.codeDigest))?.consumedAt).toBe(T0 + 3);
        expect(await store.grants.redeemCode(pending.code.codeDigest, T0 + 4, [])).toBe(false);
      });
    });

    describe('grants.removeAccess', () => {
      it("revokes the user's grants for the client and forgets the consent, and nothing else", async () => {
        const { alice, bob, photos, notes } = await setup();
        const a1 = await grantWithTokens(alice, photos, T0);
        const a2 = await grantWithTokens(alice, photos, T0 + 5);
        const code = await grantWithCode(alice, photos, T0 + 6);
        const otherApp = await grantWithTokens(alice, notes, T0);
        const otherUser = await grantWithTokens(bob, photos, T0);
        await store.consents.grant(alice.id, photos.clientId, ['profile'], T0);
        await store.consents.grant(alice.id, notes.clientId, ['profile'], T0);
        await store.consents.grant(bob.id, photos.clientId, ['profile'], T0);

        expect(
          await store.grants.removeAccess(alice.id, photos.clientId, T0 + 10, audit('consent.removed')),
        ).toEqual({
          grantsRevoked: 3,
          consentRemoved: true,
        });
        for (const t of [a1.access, a1.refresh, a2.access, a2.refresh])
          expect((await store.tokens.find(t.tokenDigest))?.revokedAt).toBe(T0 + 10);
        expect((await store.grants.findCode(code.code.codeDigest))?.consumedAt).toBe(T0 + 10);
        for (const t of [otherApp.access, otherUser.access])
          expect((await store.tokens.find(t.tokenDigest))?.revokedAt).toBeNull();
        expect(await store.consents.find(alice.id, photos.clientId)).toEqual([]);
        expect(await store.consents.find(alice.id, notes.clientId)).toEqual(['profile']);
        expect(await store.consents.find(bob.id, photos.clientId)).toEqual(['profile']);
        expect(await auditActions()).toEqual(['consent.removed']);

        // Again: nothing left to remove, and nothing recorded.
        expect(
          await store.grants.removeAccess(alice.id, photos.clientId, T0 + 11, audit('consent.removed')),
        ).toEqual({ grantsRevoked: 0, consentRemoved: false });
        expect(await auditActions()).toEqual(['consent.removed']);
      });
    });

    describe('consents', () => {
      it('lists a user’s consents with client names, newest first, and revokes one', async () => {
        const { alice, photos, notes } = await setup();
        await store.consents.grant(alice.id, photos.clientId, ['profile'], T0);
        await store.consents.grant(alice.id, notes.clientId, ['email'], T0 + 10);
        expect(await store.consents.listForUser(alice.id)).toEqual([
          {
            clientId: notes.clientId,
            clientName: 'Notes',
            clientUri: 'https://notes.example.com',
            scope: ['email'],
            createdAt: T0 + 10,
            updatedAt: T0 + 10,
          },
          expect.objectContaining({ clientId: photos.clientId, scope: ['profile'] }),
        ]);
        expect(await store.consents.revoke(alice.id, notes.clientId)).toBe(true);
        expect(await store.consents.revoke(alice.id, notes.clientId)).toBe(false);
        expect((await store.consents.listForUser(alice.id)).map((c) => c.clientId)).toEqual([
          photos.clientId,
        ]);
      });
    });

    describe('sessions and passwords', () => {
      const session = (u: UserRecord): SessionRecord => ({
        idDigest: unique('session'),
        sid: unique('sid'),
        userId: u.id,
        authTime: T0,
        createdAt: T0,
        expiresAt: T0 + 3600,
      });

      it("creates a session with its audit event, and deletes all of a user's sessions", async () => {
        const { alice, bob } = await setup();
        const [s1, s2, other] = [session(alice), session(alice), session(bob)];
        await store.sessions.create(s1, audit('login.success'));
        await store.sessions.create(s2);
        await store.sessions.create(other);
        expect(await store.sessions.deleteAllForUser(alice.id, audit('sessions.revoked'))).toBe(2);
        expect(await store.sessions.findActive(s1.idDigest, T0)).toBeNull();
        expect(await store.sessions.findActive(s2.idDigest, T0)).toBeNull();
        expect(await store.sessions.findActive(other.idDigest, T0)).toEqual(other);
        expect((await auditActions()).sort()).toEqual(['login.success', 'sessions.revoked']);
      });

      it('replaces a password hash and ends every session but the kept one, with its event', async () => {
        const { alice, bob } = await setup();
        const [kept, ended, other] = [session(alice), session(alice), session(bob)];
        for (const s of [kept, ended, other]) await store.sessions.create(s);
        expect(
          await store.users.setPasswordHash(alice.id, 'new-hash', {
            keepSession: kept.idDigest,
            audit: audit('password.changed'),
          }),
        ).toBe(true);
        expect((await store.users.findById(alice.id))?.passwordHash).toBe('new-hash');
        expect(await store.sessions.findActive(kept.idDigest, T0)).toEqual(kept);
        expect(await store.sessions.findActive(ended.idDigest, T0)).toBeNull();
        expect(await store.sessions.findActive(other.idDigest, T0)).toEqual(other);
        expect((await store.users.findById(bob.id))?.passwordHash).toBe('old-hash');

        // Without a kept session, all go; an unknown user changes nothing and records nothing.
        expect(await store.users.setPasswordHash(alice.id, 'newer-hash')).toBe(true);
        expect(await store.sessions.findActive(kept.idDigest, T0)).toBeNull();
        expect(await store.users.setPasswordHash('nobody', 'x', { audit: audit('password.changed') })).toBe(
          false,
        );
        expect(await auditActions()).toEqual(['password.changed']);
      });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'latchkey-grants-'));
let files = 0;
managementContract(
  TEST_ENGINE === 'postgres' ? 'PostgreSQL' : 'SQLite',
  async () => (await openStore(await freshDatabaseUrl(dir, `grants-${++files}`))).store,
  () => rmSync(dir, { recursive: true, force: true }),
);
