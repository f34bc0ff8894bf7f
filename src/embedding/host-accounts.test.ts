/**
 * A host's accounts beside Latchkey's users table, over real HTTP on the engine under test: host
 * ids that clash with built-in users are refused (never adopted), the password grant for host
 * accounts, the per-account throttle across a host's spellings of one name, the access API
 * (listUserApps, removeAccess, revokeUserGrants, endUserSessions), and the options refused at start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../../test/helpers/database.js';
import { authorize, exchangeCode, pkcePair } from '../../test/helpers/flow.js';
import { type AccountAdapter, type AuthServer, type AuthServerOptions, createAuthServer } from '../index.js';

const REDIRECT_URI = 'http://127.0.0.1:5995/callback';
const PASSWORD = 'correct horse battery staple';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function database(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-accounts-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return freshDatabaseUrl(dir);
}

/** A host whose one user is `id`, named alice (any spacing and case: the host normalises names). */
const hostAccounts = (id: string): AccountAdapter => ({
  findAccount: (asked) => (asked === id ? { id, username: 'alice' } : null),
  verifyCredentials: (username, password) => {
    if (username.trim().toLowerCase() !== 'alice') return { failure: 'unknown_user' };
    return password === PASSWORD ? id : { failure: 'wrong_password', accountId: id };
  },
});

async function start(databaseUrl: string, options: Omit<AuthServerOptions, 'config'> = {}) {
  const http = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  const logs: string[] = [];
  const server = await createAuthServer({
    database: databaseUrl,
    config: { issuer, throttle: { maxFailuresPerAccount: 2 } },
    logger: { level: 'error', stream: { write: (line: string) => logs.push(line) } } as never,
    ...options,
  });
  http.on('request', server.handler);
  cleanup.push(async () => {
    await new Promise((resolve) => http.close(resolve));
    await server.close();
  });
  return { issuer, server, logs };
}

async function codeClient(server: AuthServer) {
  const { client, clientSecret } = await server.registerClient({
    client_name: 'Host app',
    redirect_uris: [REDIRECT_URI],
    scope: 'openid profile',
  });
  return { clientId: client.clientId, clientSecret };
}

async function signInAndAllow(issuer: string, clientId: string, username = 'alice') {
  return authorize({
    issuer,
    clientId,
    redirectUri: REDIRECT_URI,
    scope: 'openid profile',
    challenge: pkcePair().challenge,
    username,
    password: PASSWORD,
  }).catch((error: Error) => error);
}

describe('host account ids and built-in users', () => {
  it('refuses a host account whose id is a built-in user’s, with a logged error and a 403 page', async () => {
    const url = await database();
    const standalone = await start(url);
    const bob = await standalone.server.createUser({ username: 'bob', password: PASSWORD });
    const embedded = await start(url, { accounts: hostAccounts(bob.id) });
    const { clientId } = await codeClient(embedded.server);
    const refused = await signInAndAllow(embedded.issuer, clientId);
    expect(refused).toBeInstanceOf(Error);
    expect(String(refused)).toMatch(/without a redirect to the client: 403/);
    expect(embedded.logs.join('')).toContain('has the id of a built-in Latchkey user');
    // bob's row is untouched: still bob, still a built-in user with a password.
    expect(await embedded.server.store.users.findById(bob.id)).toMatchObject({ username: 'bob' });
  });

  it('gives a host account named like a built-in user its own row, and completes the flow', async () => {
    const url = await database();
    const standalone = await start(url);
    await standalone.server.createUser({ username: 'carol', password: PASSWORD });
    // The host's id is the built-in user's *name*: it used to find no row to insert, then fail at consent.
    const embedded = await start(url, { accounts: hostAccounts('carol') });
    const { clientId } = await codeClient(embedded.server);
    const flow = await signInAndAllow(embedded.issuer, clientId);
    if (flow instanceof Error) throw flow;
    expect(flow.redirect.searchParams.get('code')).toBeTruthy();
    const row = await embedded.server.store.users.findById('carol');
    expect(row).toMatchObject({ id: 'carol', username: 'external carol', passwordHash: '' });
    expect(await embedded.server.store.users.findByUsername('carol')).not.toMatchObject({ id: 'carol' });
  });
});

describe('the password grant for host accounts', () => {
  it('issues tokens (the account gets its row first), with amr pwd', async () => {
    const { server, issuer } = await start(await database(), { accounts: hostAccounts('h-1') });
    const { client, clientSecret } = await server.registerClient({
      client_name: 'Legacy app',
      grant_types: ['password'],
      scope: 'openid profile',
    });
    const tokens = await exchangeCode(
      issuer,
      { clientId: client.clientId, clientSecret },
      {
        grant_type: 'password',
        username: 'alice',
        password: PASSWORD,
        scope: 'openid profile',
      },
    );
    expect(tokens.status).toBe(200);
    expect(decodeJwt(tokens.body.id_token as string)).toMatchObject({ sub: 'h-1', amr: ['pwd'] });
    expect(await server.store.users.findById('h-1')).toMatchObject({ username: 'external h-1' });
  });

  it('counts failures against the account the host resolved, whatever the spelling', async () => {
    const { server, issuer } = await start(await database(), { accounts: hostAccounts('h-2') });
    const { client, clientSecret } = await server.registerClient({
      client_name: 'Legacy app',
      grant_types: ['password'],
      scope: 'profile',
    });
    const attempt = (username: string, password: string) =>
      exchangeCode(
        issuer,
        { clientId: client.clientId, clientSecret },
        {
          grant_type: 'password',
          username,
          password,
        },
      );
    for (const spelling of [' alice', 'alice ', '  alice']) {
      expect((await attempt(spelling, 'wrong password')).status).toBe(400);
    }
    // Each spelling is under its own name's limit, but the account has had three wrong passwords.
    const throttled = await attempt('alice', PASSWORD);
    expect(throttled.status).toBe(400);
    expect(throttled.body.error_description).toMatch(/Too many failed sign-in attempts/);
    expect(throttled.headers.get('retry-after')).toBeTruthy();
  });
});

describe('revoking a host account’s access', () => {
  it('lists the apps, removes one (consentRemoved), revokes grants and ends Latchkey sessions', async () => {
    const removed: string[] = [];
    const { server, issuer } = await start(await database(), {
      accounts: hostAccounts('h-3'),
      hooks: { events: { consentRemoved: (e) => void removed.push(`${e.accountId} ${e.clientId}`) } },
    });
    const { clientId, clientSecret } = await codeClient(server);
    const pkce = pkcePair();
    const flow = await authorize({
      issuer,
      clientId,
      redirectUri: REDIRECT_URI,
      scope: 'openid profile',
      challenge: pkce.challenge,
      username: 'alice',
      password: PASSWORD,
    });
    const tokens = await exchangeCode(
      issuer,
      { clientId, clientSecret },
      {
        grant_type: 'authorization_code',
        code: flow.redirect.searchParams.get('code')!,
        redirect_uri: REDIRECT_URI,
        code_verifier: pkce.verifier,
      },
    );
    const info = () =>
      fetch(`${issuer}/oauth/userinfo`, { headers: { authorization: `Bearer ${tokens.body.access_token}` } });
    expect((await info()).status).toBe(200);
    expect((await server.listUserApps('h-3')).map((app) => app.client.id)).toEqual([clientId]);
    expect(await server.listUserApps('nobody')).toEqual([]);

    expect(await server.removeAccess('h-3', clientId)).toEqual({ grantsRevoked: 1, consentRemoved: true });
    expect((await info()).status).toBe(401);
    await new Promise((resolve) => setImmediate(resolve));
    expect(removed).toEqual([`h-3 ${clientId}`]);
    expect(await server.listUserApps('h-3')).toEqual([]);
    expect(await server.removeAccess('h-3', clientId)).toEqual({ grantsRevoked: 0, consentRemoved: false });

    // The login page's session (verifyCredentials) is Latchkey's, so it can be ended here.
    expect(await server.endUserSessions('h-3')).toBe(1);
    expect(await server.endUserSessions('h-3')).toBe(0);
    expect(await server.revokeUserGrants('h-3')).toEqual({ grants: 0, tokens: 0 });
    expect(await server.revokeUserGrants('x'.repeat(500))).toEqual({ grants: 0, tokens: 0 });
  });

  it('revokeUserGrants stops every token of the account', async () => {
    const { server, issuer } = await start(await database(), { accounts: hostAccounts('h-4') });
    const { client, clientSecret } = await server.registerClient({
      client_name: 'Legacy app',
      grant_types: ['password'],
      scope: 'profile',
    });
    const tokens = await exchangeCode(
      issuer,
      { clientId: client.clientId, clientSecret },
      {
        grant_type: 'password',
        username: 'alice',
        password: PASSWORD,
      },
    );
    const counts = await server.revokeUserGrants('h-4');
    expect(counts.grants).toBe(1);
    const info = await fetch(`${issuer}/oauth/userinfo`, {
      headers: { authorization: `Bearer ${tokens.body.access_token}` },
    });
    expect(info.status).toBe(401);
  });
});

describe('options refused with the host’s accounts', () => {
  it('refuses createUser and ensureAdminUser, which manage built-in users only', async () => {
    const { server } = await start(await database(), { accounts: hostAccounts('h-5') });
    await expect(server.createUser({ username: 'eve', password: PASSWORD })).rejects.toThrow(
      /createUser\(\) manages Latchkey's built-in users/,
    );
    await expect(server.ensureAdminUser()).rejects.toThrow(/ensureAdminUser\(\)/);
  });

  it('refuses an issuer with a path, and validates a frozen partial config like any other', async () => {
    const url = await database();
    await expect(
      createAuthServer({
        database: url,
        config: { issuer: 'https://app.example.com/auth' },
        accounts: hostAccounts('h-6'),
      }),
    ).rejects.toThrow(/without a path/);
    await expect(
      createAuthServer({ database: url, config: Object.freeze({ issuer: 'not a url' }) as never }),
    ).rejects.toThrow(/issuer/);
  });
});
