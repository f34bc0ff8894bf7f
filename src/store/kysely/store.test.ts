/**
 * The Store contract: what every engine must do, written against the ports only. It runs on the
 * engine under test (test/helpers/database.ts): SQLite temp files, or fresh PostgreSQL schemas.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl, TEST_ENGINE } from '../../../test/helpers/database.js';
import type { Client } from '../../protocol/types.js';
import type { CodeRecord, GrantRecord, InteractionRecord, Store, TokenRecord, UserRecord } from '../ports.js';
import { openStore } from './index.js';

interface StoreFactory {
  /** A fresh, migrated, empty store. */
  open(): Promise<Store>;
  /** Called once after the suite. */
  cleanup?(): Promise<void> | void;
}

const T0 = 1_800_000_000;
let serial = 0;
const unique = (prefix: string) => `${prefix}-${++serial}`;

function user(overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    id: unique('user'),
    username: unique('name'),
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    disabled: false,
    profile: {},
    updatedAt: T0,
    createdAt: T0,
    ...overrides,
  };
}

function client(overrides: Partial<Client> = {}): Client {
  return {
    clientId: unique('client'),
    secretDigest: 'secret-digest',
    clientName: 'Test App',
    clientUri: 'https://app.example.com',
    redirectUris: ['https://app.example.com/cb', 'http://127.0.0.1:5999/callback'],
    grantTypes: ['authorization_code', 'refresh_token'],
    responseTypes: ['code'],
    scope: ['profile', 'email'],
    tokenEndpointAuthMethod: 'client_secret_basic',
    skipConsent: false,
    requirePkce: true,
    canIntrospect: false,
    accessTokenTtl: null,
    refreshTokenTtl: null,
    accessTokenFormat: null,
    postLogoutRedirectUris: ['https://app.example.com/logged-out'],
    idTokenSignedResponseAlg: 'ES256',
    subjectType: 'public',
    createdAt: T0,
    ...overrides,
  };
}

function token(grant: GrantRecord, overrides: Partial<TokenRecord> = {}): TokenRecord {
  return {
    tokenDigest: unique('token-digest'),
    kind: 'access',
    grantId: grant.id,
    clientId: grant.clientId,
    userId: grant.userId,
    scope: grant.scope,
    createdAt: T0,
    expiresAt: T0 + 3600,
    consumedAt: null,
    revokedAt: null,
    ...overrides,
  };
}

function storeContract(engine: string, factory: StoreFactory): void {
  describe(`Store contract: ${engine}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await factory.open();
    });
    afterEach(async () => {
      await store.close();
    });
    afterAll(async () => {
      await factory.cleanup?.();
    });

    /** A user and a client, as grants, sessions and consents need them. */
    async function party() {
      const u = user();
      const c = client();
      await store.users.create(u);
      await store.clients.create(c);
      return { u, c };
    }

    /** A grant with its code, for user u and client c. */
    async function grantWithCode(u: UserRecord, c: Client) {
      const grant: GrantRecord = {
        id: unique('grant'),
        userId: u.id,
        clientId: c.clientId,
        scope: ['profile', 'email'],
        authTime: T0,
        sid: 'session-1',
        claims: { userinfo: { email: { essential: true } } },
        createdAt: T0,
        revokedAt: null,
      };
      const code: CodeRecord = {
        codeDigest: unique('code-digest'),
        grantId: grant.id,
        clientId: c.clientId,
        userId: u.id,
        redirectUri: 'https://app.example.com/cb',
        redirectUriRequired: true,
        scope: ['profile', 'email'],
        codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        codeChallengeMethod: 'S256',
        nonce: 'n-0S6_WzA2Mj',
        authTime: T0,
        sid: 'session-1',
        claims: { id_token: { auth_time: null } },
        createdAt: T0,
        expiresAt: T0 + 60,
        consumedAt: null,
      };
      await store.grants.createWithCode(grant, code);
      return { grant, code };
    }

    /** A redeemed code: the grant, its access token and its refresh token, all stored. */
    async function issued() {
      const { u, c } = await party();
      const { grant, code } = await grantWithCode(u, c);
      const access = token(grant);
      const refresh = token(grant, { kind: 'refresh', expiresAt: T0 + 86_400 });
      expect(await store.grants.redeemCode(code.codeDigest, T0 + 1, [access, refresh])).toBe(true);
      return { u, c, grant, code, access, refresh };
    }

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    describe('users', () => {
      it('creates, finds by id and user name, and counts', async () => {
        expect(await store.users.count()).toBe(0);
        const alice = user({ username: 'alice' });
        const bob = user({ username: 'bob', disabled: true });
        await store.users.create(alice);
        await store.users.create(bob);
        expect(await store.users.count()).toBe(2);
        expect(await store.users.findById(alice.id)).toEqual(alice);
        expect(await store.users.findByUsername('bob')).toEqual(bob);
        expect(await store.users.findById('nobody')).toBeNull();
        expect(await store.users.findByUsername('nobody')).toBeNull();
      });

      it('rejects a duplicate user name', async () => {
        await store.users.create(user({ username: 'alice' }));
        await expect(store.users.create(user({ username: 'alice' }))).rejects.toThrow();
        expect(await store.users.count()).toBe(1);
      });
    });

    describe('clients', () => {
      it('creates and finds a client unchanged', async () => {
        const full = client();
        const publicClient = client({
          secretDigest: null,
          clientUri: null,
          tokenEndpointAuthMethod: 'none',
          grantTypes: ['authorization_code'],
          scope: [],
          skipConsent: true,
        });
        await store.clients.create(full);
        await store.clients.create(publicClient);
        expect(await store.clients.findById(full.clientId)).toEqual(full);
        expect(await store.clients.findById(publicClient.clientId)).toEqual(publicClient);
        expect(await store.clients.findById('unknown')).toBeNull();
      });

      it('lists clients oldest first', async () => {
        const later = client({ createdAt: T0 + 10 });
        const earlier = client({ createdAt: T0 });
        await store.clients.create(later);
        await store.clients.create(earlier);
        expect((await store.clients.list()).map((c) => c.clientId)).toEqual([
          earlier.clientId,
          later.clientId,
        ]);
      });

      it('rejects a duplicate client_id', async () => {
        const c = client();
        await store.clients.create(c);
        await expect(store.clients.create({ ...c, clientName: 'Other' })).rejects.toThrow();
        expect((await store.clients.findById(c.clientId))?.clientName).toBe('Test App');
      });

      it('replaces the secret digest, and reports an unknown client', async () => {
        const c = client();
        await store.clients.create(c);
        expect(await store.clients.setSecretDigest(c.clientId, 'new-digest')).toBe(true);
        expect((await store.clients.findById(c.clientId))?.secretDigest).toBe('new-digest');
        expect(await store.clients.setSecretDigest('unknown', 'x')).toBe(false);
      });
    });

    describe('sessions', () => {
      it('finds a session only until it expires, and deletes it', async () => {
        const { u } = await party();
        const session = {
          idDigest: unique('sid'),
          sid: unique('public-sid'),
          userId: u.id,
          authTime: T0,
          createdAt: T0,
          expiresAt: T0 + 100,
        };
        await store.sessions.create(session);
        expect(await store.sessions.findActive(session.idDigest, T0)).toEqual(session);
        expect(await store.sessions.findActive(session.idDigest, T0 + 99)).toEqual(session);
        expect(await store.sessions.findActive(session.idDigest, T0 + 100)).toBeNull();
        expect(await store.sessions.findActive('unknown', T0)).toBeNull();
        await store.sessions.delete(session.idDigest);
        expect(await store.sessions.findActive(session.idDigest, T0)).toBeNull();
      });
    });

    describe('interactions', () => {
      const interaction = (): InteractionRecord => ({
        id: unique('interaction'),
        request: {
          clientId: 'client',
          redirectUri: 'https://app.example.com/cb',
          redirectUriSent: true,
          scope: ['profile'],
          state: 'xyz',
          codeChallenge: 'challenge',
          codeChallengeMethod: 'S256',
        },
        browserDigest: 'browser-digest',
        createdAt: T0,
        expiresAt: T0 + 900,
      });

      it('finds an active interaction, and take() returns it once', async () => {
        const i = interaction();
        await store.interactions.create(i);
        expect(await store.interactions.findActive(i.id, T0)).toEqual(i);
        expect(await store.interactions.take(i.id, T0 + 1)).toEqual(i);
        expect(await store.interactions.take(i.id, T0 + 1)).toBeNull();
        expect(await store.interactions.findActive(i.id, T0 + 1)).toBeNull();
      });

      it('gives it to only one of two concurrent takes', async () => {
        const i = interaction();
        await store.interactions.create(i);
        const results = await Promise.all([
          store.interactions.take(i.id, T0),
          store.interactions.take(i.id, T0),
        ]);
        expect(results.filter((r) => r !== null)).toHaveLength(1);
      });

      it('does not return an expired interaction', async () => {
        const i = interaction();
        await store.interactions.create(i);
        expect(await store.interactions.findActive(i.id, i.expiresAt)).toBeNull();
        expect(await store.interactions.take(i.id, i.expiresAt)).toBeNull();
        expect(await store.interactions.take('unknown', T0)).toBeNull();
      });
    });

    describe('consents', () => {
      it('is empty at first and grows as a union', async () => {
        const { u, c } = await party();
        expect(await store.consents.find(u.id, c.clientId)).toEqual([]);
        await store.consents.grant(u.id, c.clientId, ['profile'], T0);
        expect(await store.consents.find(u.id, c.clientId)).toEqual(['profile']);
        await store.consents.grant(u.id, c.clientId, ['email', 'profile'], T0 + 1);
        expect((await store.consents.find(u.id, c.clientId)).sort()).toEqual(['email', 'profile']);
        await store.consents.grant(u.id, c.clientId, ['profile'], T0 + 2);
        expect((await store.consents.find(u.id, c.clientId)).sort()).toEqual(['email', 'profile']);
      });

      it('keeps every scope when consents for one pair race (a union, not the last writer)', async () => {
        const { u, c } = await party();
        const scopes = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
        await Promise.all(scopes.map((scope, i) => store.consents.grant(u.id, c.clientId, [scope], T0 + i)));
        expect((await store.consents.find(u.id, c.clientId)).sort()).toEqual(scopes);
      });

      it('keeps consents per user and client', async () => {
        const { u, c } = await party();
        const other = client();
        await store.clients.create(other);
        await store.consents.grant(u.id, c.clientId, ['profile'], T0);
        expect(await store.consents.find(u.id, other.clientId)).toEqual([]);
      });
    });

    describe('grants and codes', () => {
      it('stores a grant with its code, and finds the code', async () => {
        const { u, c } = await party();
        const { code } = await grantWithCode(u, c);
        expect(await store.grants.findCode(code.codeDigest)).toEqual(code);
        expect(await store.grants.findCode('unknown')).toBeNull();
      });

      it('stores a code without PKCE and without redirect_uri', async () => {
        const { u, c } = await party();
        const grant: GrantRecord = {
          id: unique('grant'),
          userId: u.id,
          clientId: c.clientId,
          scope: [],
          authTime: null,
          sid: null,
          claims: null,
          createdAt: T0,
          revokedAt: null,
        };
        const code: CodeRecord = {
          codeDigest: unique('code'),
          grantId: grant.id,
          clientId: c.clientId,
          userId: u.id,
          redirectUri: 'https://app.example.com/cb',
          redirectUriRequired: false,
          scope: [],
          codeChallenge: null,
          codeChallengeMethod: null,
          nonce: null,
          authTime: null,
          sid: null,
          claims: null,
          createdAt: T0,
          expiresAt: T0 + 60,
          consumedAt: null,
        };
        await store.grants.createWithCode(grant, code);
        expect(await store.grants.findCode(code.codeDigest)).toEqual(code);
      });

      it('redeems a code once; a replay returns false and stores none of its tokens', async () => {
        const { grant, code, access, refresh } = await issued();
        expect((await store.grants.findCode(code.codeDigest))?.consumedAt).toBe(T0 + 1);
        expect(await store.tokens.find(access.tokenDigest)).toEqual(access);
        expect(await store.tokens.find(refresh.tokenDigest)).toEqual(refresh);

        const replayTokens = [token(grant), token(grant, { kind: 'refresh' })];
        expect(await store.grants.redeemCode(code.codeDigest, T0 + 2, replayTokens)).toBe(false);
        for (const t of replayTokens) expect(await store.tokens.find(t.tokenDigest)).toBeNull();
        expect((await store.grants.findCode(code.codeDigest))?.consumedAt).toBe(T0 + 1);
      });

      it('returns false for an unknown code and stores nothing', async () => {
        const { u, c } = await party();
        const { grant } = await grantWithCode(u, c);
        const t = token(grant);
        expect(await store.grants.redeemCode('unknown', T0, [t])).toBe(false);
        expect(await store.tokens.find(t.tokenDigest)).toBeNull();
      });

      it('lets only one of two concurrent redemptions win', async () => {
        const { u, c } = await party();
        const { grant, code } = await grantWithCode(u, c);
        const a = token(grant);
        const b = token(grant);
        const results = await Promise.all([
          store.grants.redeemCode(code.codeDigest, T0 + 1, [a]),
          store.grants.redeemCode(code.codeDigest, T0 + 1, [b]),
        ]);
        expect(results.sort()).toEqual([false, true]);
        const stored = [await store.tokens.find(a.tokenDigest), await store.tokens.find(b.tokenDigest)];
        expect(stored.filter((s) => s !== null)).toHaveLength(1);
      });
    });

    describe('refresh token rotation', () => {
      it('rotates once; a second use returns false and stores none of its tokens', async () => {
        const { grant, refresh } = await issued();
        const next = [token(grant), token(grant, { kind: 'refresh', expiresAt: T0 + 90_000 })];
        expect(await store.grants.rotateRefreshToken(refresh.tokenDigest, T0 + 10, next)).toBe(true);
        expect((await store.tokens.find(refresh.tokenDigest))?.consumedAt).toBe(T0 + 10);
        for (const t of next) expect(await store.tokens.find(t.tokenDigest)).toEqual(t);

        const again = [token(grant), token(grant, { kind: 'refresh' })];
        expect(await store.grants.rotateRefreshToken(refresh.tokenDigest, T0 + 11, again)).toBe(false);
        for (const t of again) expect(await store.tokens.find(t.tokenDigest)).toBeNull();
      });

      it('refuses an expired refresh token', async () => {
        const { grant, refresh } = await issued();
        const next = [token(grant)];
        expect(await store.grants.rotateRefreshToken(refresh.tokenDigest, refresh.expiresAt, next)).toBe(
          false,
        );
        expect(await store.tokens.find(next[0]!.tokenDigest)).toBeNull();
        expect((await store.tokens.find(refresh.tokenDigest))?.consumedAt).toBeNull();
      });

      it('refuses a revoked refresh token', async () => {
        const { grant, refresh } = await issued();
        await store.grants.revoke(grant.id, T0 + 5);
        const next = [token(grant)];
        expect(await store.grants.rotateRefreshToken(refresh.tokenDigest, T0 + 6, next)).toBe(false);
        expect(await store.tokens.find(next[0]!.tokenDigest)).toBeNull();
      });

      it('refuses an access token and an unknown token', async () => {
        const { grant, access } = await issued();
        const next = [token(grant)];
        expect(await store.grants.rotateRefreshToken(access.tokenDigest, T0 + 2, next)).toBe(false);
        expect(await store.grants.rotateRefreshToken('unknown', T0 + 2, next)).toBe(false);
        expect(await store.tokens.find(next[0]!.tokenDigest)).toBeNull();
      });

      it('lets only one of two concurrent rotations win', async () => {
        const { grant, refresh } = await issued();
        const results = await Promise.all([
          store.grants.rotateRefreshToken(refresh.tokenDigest, T0 + 2, [token(grant)]),
          store.grants.rotateRefreshToken(refresh.tokenDigest, T0 + 2, [token(grant)]),
        ]);
        expect(results.sort()).toEqual([false, true]);
      });
    });

    describe('revocation', () => {
      it('revokes every token of the grant, and only those', async () => {
        const first = await issued();
        const rotated = token(first.grant, { kind: 'refresh' });
        expect(await store.grants.rotateRefreshToken(first.refresh.tokenDigest, T0 + 2, [rotated])).toBe(
          true,
        );
        const other = await issued();

        await store.grants.revoke(first.grant.id, T0 + 3);
        for (const t of [first.access, first.refresh, rotated]) {
          expect((await store.tokens.find(t.tokenDigest))?.revokedAt).toBe(T0 + 3);
        }
        for (const t of [other.access, other.refresh]) {
          expect((await store.tokens.find(t.tokenDigest))?.revokedAt).toBeNull();
        }
        // Revoking again keeps the first revocation time.
        await store.grants.revoke(first.grant.id, T0 + 9);
        expect((await store.tokens.find(first.access.tokenDigest))?.revokedAt).toBe(T0 + 3);
      });
    });

    describe('tokens', () => {
      it('finds a token with its user', async () => {
        const { u, access } = await issued();
        expect(await store.tokens.findWithUser(access.tokenDigest)).toEqual({
          ...access,
          username: u.username,
          userDisabled: false,
        });
        expect(await store.tokens.findWithUser('unknown')).toBeNull();
        expect(await store.tokens.find('unknown')).toBeNull();
      });

      it('stores every record of one insert, whatever their number, each unchanged', async () => {
        const { grant } = await issued();
        for (const count of [1, 2, 3, 5]) {
          const records = Array.from({ length: count }, (_, i) =>
            token(grant, { kind: i % 2 ? 'refresh' : 'access', expiresAt: T0 + i, scope: [`s${i}`] }),
          );
          await store.tokens.insert(records);
          for (const record of records) expect(await store.tokens.find(record.tokenDigest)).toEqual(record);
        }
      });

      it('reports a disabled user', async () => {
        const u = user({ disabled: true });
        const c = client();
        await store.users.create(u);
        await store.clients.create(c);
        const { grant, code } = await grantWithCode(u, c);
        const access = token(grant);
        await store.grants.redeemCode(code.codeDigest, T0, [access]);
        expect(await store.tokens.findWithUser(access.tokenDigest)).toMatchObject({ userDisabled: true });
      });
    });

    describe('login throttle', () => {
      const window = 900;

      it('counts failures within the window and starts again after it', async () => {
        expect(await store.throttle.recordFailure('account:alice', T0, window)).toBe(1);
        expect(await store.throttle.recordFailure('account:alice', T0 + 10, window)).toBe(2);
        expect(await store.throttle.recordFailure('account:alice', T0 + window - 1, window)).toBe(3);
        expect(await store.throttle.failures(['account:alice'], T0 + window - 1, window)).toEqual([3]);
        // The window opened at T0 has passed.
        expect(await store.throttle.failures(['account:alice'], T0 + window, window)).toEqual([0]);
        expect(await store.throttle.recordFailure('account:alice', T0 + window, window)).toBe(1);
        expect(await store.throttle.recordFailure('account:alice', T0 + window + 1, window)).toBe(2);
      });

      it('reports several keys in order, 0 for unknown ones', async () => {
        await store.throttle.recordFailure('ip:10.0.0.1', T0, window);
        await store.throttle.recordFailure('ip:10.0.0.1', T0, window);
        await store.throttle.recordFailure('account:bob', T0, window);
        expect(
          await store.throttle.failures(['account:bob', 'unknown', 'ip:10.0.0.1'], T0 + 1, window),
        ).toEqual([1, 0, 2]);
        expect(await store.throttle.failures([], T0, window)).toEqual([]);
      });

      it('counts every one of concurrent failures', async () => {
        const counts = await Promise.all(
          Array.from({ length: 5 }, () => store.throttle.recordFailure('account:eve', T0, window)),
        );
        expect(counts.sort()).toEqual([1, 2, 3, 4, 5]);
      });

      it('resets a key', async () => {
        await store.throttle.recordFailure('account:carol', T0, window);
        await store.throttle.recordFailure('ip:10.0.0.2', T0, window);
        await store.throttle.reset('account:carol');
        expect(await store.throttle.failures(['account:carol', 'ip:10.0.0.2'], T0, window)).toEqual([0, 1]);
      });
    });

    // PostgreSQL's text cannot hold U+0000 (text-values.ts): hostile ids must not fail the query.
    describe('values with a NUL character', () => {
      it('are looked up as not found', async () => {
        const { u, c } = await party();
        expect(await store.users.findByUsername(`${u.username}\u0000`)).toBeNull();
        expect(await store.users.findById('a\u0000b')).toBeNull();
        expect(await store.clients.findById(`${c.clientId}\u0000`)).toBeNull();
        expect(await store.interactions.findActive('\u0000', T0)).toBeNull();
        expect(await store.consents.find(u.id, `${c.clientId}\u0000`)).toEqual([]);
        // The token statements are compiled once (prepared.ts) and bind their values themselves.
        expect(await store.tokens.find('\u0000')).toBeNull();
        expect(await store.tokens.findWithUser('a\u0000b')).toBeNull();
        expect(await store.grants.rotateRefreshToken('\u0000', T0, [])).toBe(false);
        expect(await store.grants.redeemCode('\u0000', T0, [])).toBe(false);
      });

      it('count as throttle keys', async () => {
        expect(await store.throttle.recordFailure('account:al\u0000ice', T0, 900)).toBe(1);
        expect(await store.throttle.failures(['account:al\u0000ice', 'account:alice'], T0, 900)).toEqual([
          1, 0,
        ]);
      });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'latchkey-store-'));
let files = 0;
storeContract(TEST_ENGINE === 'postgres' ? 'PostgreSQL' : 'SQLite', {
  async open() {
    const { store } = await openStore(await freshDatabaseUrl(dir, `store-${++files}`));
    return store;
  },
  cleanup() {
    rmSync(dir, { recursive: true, force: true });
  },
});
