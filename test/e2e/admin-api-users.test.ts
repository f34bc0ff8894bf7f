/**
 * The admin API's users over real HTTP: create, list and search, read, change (claims, admin
 * flag, disabled), set a password, disable, revoke grants and sessions. A disabled user can no
 * longer sign in, refresh or use a token; refusals name their field and change nothing; every
 * change is audited without a password or hash.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RevokedCounts } from '../../src/admin/api/schemas.js';
import { SessionsEnded, User, UserList } from '../../src/admin/api/schemas-users.js';
import { csrfToken, TestBrowser } from '../helpers/browser.js';
import {
  asTestClient,
  basic,
  callApi,
  expectNoServerErrors,
  insertionOrder,
  obtainTokens,
  postToken,
  type RegisteredTestClient,
  watchStatuses,
  withDb,
} from '../helpers/negative.js';
import { createClient, PASSWORD } from '../helpers/server.js';
import {
  type AdminFixture,
  api,
  expectApiError,
  signIn,
  snapshot,
  startAdminServer,
  withSession,
} from './admin-api-helpers.js';

let f: AdminFixture;
let restoreFetch: () => void;
let app: RegisteredTestClient;

beforeAll(async () => {
  restoreFetch = watchStatuses();
  f = await startAdminServer();
  app = asTestClient(await createClient(f.t));
});
afterAll(async () => {
  await f?.t.close();
  restoreFetch();
});
afterEach(() => expectNoServerErrors());

const post = (path: string, body?: unknown) => api(f.t, 'POST', path, { token: f.token, body });
const patch = (path: string, body: unknown) => api(f.t, 'PATCH', path, { token: f.token, body });

async function newUser(username: string, extra: Record<string, unknown> = {}) {
  const response = await post('/users', { username, password: PASSWORD, ...extra });
  expect(response.status).toBe(201);
  return User.parse(response.body);
}

async function loginStatus(username: string, password = PASSWORD): Promise<number> {
  const browser = new TestBrowser();
  const login = await browser.get(`${f.t.url}/login`);
  return (await browser.post(`${f.t.url}/login`, { csrf_token: csrfToken(login.text), username, password }))
    .status;
}

const audit = (targetId: string) =>
  withDb(f.t, (db) =>
    db
      .prepare(
        `SELECT action, actor_type, actor_id, details FROM audit_events WHERE target_id = ? ORDER BY at, ${insertionOrder(db)}`,
      )
      .all<{ action: string; actor_type: string; actor_id: string; details: string }>(targetId),
  );

describe('POST /users', () => {
  it('creates a user with claims and the admin flag, and audits it without the password', async () => {
    const response = await post('/users', {
      username: 'carol',
      password: PASSWORD,
      is_admin: true,
      profile: { name: 'Carol', email: 'carol@example.com', address: { country: 'FR' } },
    });
    expect(response.status).toBe(201);
    const user = User.parse(response.body);
    expect(user).toMatchObject({
      username: 'carol',
      is_admin: true,
      disabled: false,
      profile: { name: 'Carol' },
    });
    expect(response.headers.get('location')).toBe(`/admin/api/v1/users/${user.id}`);
    expect(response.text).not.toMatch(/argon|password/i);
    expect(await loginStatus('carol')).toBe(303);
    const [created] = await audit(user.id);
    expect(created).toMatchObject({ action: 'admin.user.created', actor_type: 'client', actor_id: 'ops' });
    expect(JSON.parse(created!.details).after).toMatchObject({ username: 'carol', is_admin: true });
    expect(created!.details).not.toMatch(/argon|correct horse/);
  });

  const long = 'x'.repeat(3000);
  it.each([
    ['no username', { password: PASSWORD }, 400, 'username'],
    ['a username with a space', { username: 'a b', password: PASSWORD }, 400, 'username'],
    ['an oversize username', { username: long, password: PASSWORD }, 400, 'username'],
    ['no password', { username: 'dave' }, 400, 'password'],
    ['a short password', { username: 'dave', password: 'short' }, 400, 'password'],
    ['a password of the wrong type', { username: 'dave', password: 12345678901 }, 400, 'password'],
    ['is_admin as a string', { username: 'dave', password: PASSWORD, is_admin: 'yes' }, 400, 'is_admin'],
    [
      'a bad email',
      { username: 'dave', password: PASSWORD, profile: { email: 'nope' } },
      400,
      'profile.email',
    ],
    [
      'an unknown claim',
      { username: 'dave', password: PASSWORD, profile: { shoe_size: '42' } },
      400,
      'profile.shoe_size',
    ],
    [
      'a bad address field',
      { username: 'dave', password: PASSWORD, profile: { address: { planet: 'Mars' } } },
      400,
      'profile.address.planet',
    ],
    [
      'an oversize claim',
      { username: 'dave', password: PASSWORD, profile: { name: long } },
      400,
      'profile.name',
    ],
    [
      'a claim too long for the rules',
      { username: 'dave', password: PASSWORD, profile: { nickname: 'n'.repeat(600) } },
      400,
      'profile.nickname',
    ],
    ['an unknown field', { username: 'dave', password: PASSWORD, role: 'admin' }, 400, 'role'],
    ['a duplicate username', { username: 'admin-dup', password: PASSWORD }, 409, 'username'],
  ])('refuses %s, naming the field, and changes nothing', async (name, body, status, field) => {
    if (name === 'a duplicate username') await newUser('admin-dup');
    const before = await snapshot(f.t);
    expectApiError(await post('/users', body), status, 'invalid_request', field);
    expect(await snapshot(f.t)).toEqual(before);
  });

  it('refuses malformed JSON and other content types', async () => {
    const before = await snapshot(f.t);
    expect(
      (
        await api(f.t, 'POST', '/users', {
          token: f.token,
          body: '{"username":',
          contentType: 'application/json',
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await api(f.t, 'POST', '/users', {
          token: f.token,
          body: 'username=x',
          contentType: 'application/x-www-form-urlencoded',
        })
      ).status,
    ).toBe(415);
    expect(await snapshot(f.t)).toEqual(before);
  });
});

describe('GET /users and /users/{id}', () => {
  it('lists in name order, searches any case, pages with a cursor', async () => {
    for (const name of ['list-x', 'list-y', 'List-z']) await newUser(name);
    const first = UserList.parse(
      (await api(f.t, 'GET', '/users?search=LIST-&limit=2', { token: f.token })).body,
    );
    expect(first.items.map((u) => u.username)).toEqual(['List-z', 'list-x']);
    const rest = UserList.parse(
      (await api(f.t, 'GET', `/users?search=list-&limit=2&cursor=${first.next_cursor}`, { token: f.token }))
        .body,
    );
    expect(rest.items.map((u) => u.username)).toEqual(['list-y']);
    expect(rest.next_cursor).toBeNull();
    expect(JSON.stringify([first, rest])).not.toMatch(/argon|password/i);
    const underscore = UserList.parse(
      (await api(f.t, 'GET', '/users?search=list_', { token: f.token })).body,
    );
    expect(underscore.items).toEqual([]);
  });

  it('reads a user by id; 404 for an unknown one', async () => {
    const user = await newUser('readable');
    expect(User.parse((await api(f.t, 'GET', `/users/${user.id}`, { token: f.token })).body)).toEqual(user);
    expectApiError(await api(f.t, 'GET', '/users/no-such-id', { token: f.token }), 404, 'not_found');
  });
});

describe('PATCH /users/{id}', () => {
  it('changes claims and the admin flag together, and audits before/after', async () => {
    const user = await newUser('erin', { profile: { name: 'Erin', nickname: 'E' } });
    const response = await patch(`/users/${user.id}`, {
      profile: { name: 'Erin Smith', nickname: null, email: 'erin@example.com' },
      is_admin: true,
    });
    expect(response.status).toBe(200);
    expect(User.parse(response.body)).toMatchObject({
      is_admin: true,
      profile: { name: 'Erin Smith', email: 'erin@example.com' },
    });
    expect(response.body.profile).not.toHaveProperty('nickname');
    const updated = (await audit(user.id)).find((e) => e.action === 'admin.user.updated')!;
    expect(JSON.parse(updated.details)).toEqual({
      before: { is_admin: false, profile: { name: 'Erin', nickname: 'E' } },
      after: { is_admin: true, profile: { name: 'Erin Smith', email: 'erin@example.com' } },
    });
  });

  it.each([
    ['a bad claim', { profile: { website: 'javascript:alert(1)' } }, 'profile.website'],
    ['a wrong type', { disabled: 'yes' }, 'disabled'],
    ['an unknown field', { username: 'renamed' }, 'username'],
    ['a set claim', { profile: { updated_at: 5 } }, 'profile.updated_at'],
  ])('refuses %s and changes nothing', async (_name, body, field) => {
    const user = await newUser(`guarded-${_name.length}-${field.length}`);
    const before = await snapshot(f.t);
    expectApiError(await patch(`/users/${user.id}`, body), 400, 'invalid_request', field);
    expect(await snapshot(f.t)).toEqual(before);
  });

  it('answers 404 for an unknown user', async () => {
    expectApiError(await patch('/users/nobody', { is_admin: true }), 404, 'not_found');
  });
});

describe('disabling a user', () => {
  it('stops sign-in, refresh and every token, and ends the sessions', async () => {
    const user = await newUser('frank');
    const tokens = await obtainTokens(f.t, app, { username: 'frank' });
    await signIn(f.t, 'frank');
    expect((await callApi(f.t, `Bearer ${tokens.accessToken}`)).status).toBe(200);

    const response = await post(`/users/${user.id}/disable`);
    expect(User.parse(response.body)).toMatchObject({ disabled: true });

    expect(await loginStatus('frank')).toBe(401);
    const refresh = await postToken(f.t, {
      authorization: basic(app.clientId, app.clientSecret!),
      body: { grant_type: 'refresh_token', refresh_token: tokens.refreshToken },
    });
    expect(refresh.status).toBe(400);
    expect(refresh.body.error).toBe('invalid_grant');
    expect((await callApi(f.t, `Bearer ${tokens.accessToken}`)).status).toBe(401);
    const left = await withDb(f.t, async (db) => ({
      sessions: await db.prepare('SELECT count(*) AS n FROM sessions WHERE user_id = ?').get(user.id),
      liveTokens: await db
        .prepare('SELECT count(*) AS n FROM tokens WHERE user_id = ? AND revoked_at IS NULL')
        .get(user.id),
      liveGrants: await db
        .prepare('SELECT count(*) AS n FROM grants WHERE user_id = ? AND revoked_at IS NULL')
        .get(user.id),
    }));
    expect(left).toEqual({ sessions: { n: 0 }, liveTokens: { n: 0 }, liveGrants: { n: 0 } });
    expect((await audit(user.id)).map((e) => e.action)).toContain('admin.user.disabled');

    // Enabled again, the account signs in; the revoked tokens stay revoked.
    expect(User.parse((await patch(`/users/${user.id}`, { disabled: false })).body).disabled).toBe(false);
    expect(await loginStatus('frank')).toBe(303);
    expect((await callApi(f.t, `Bearer ${tokens.accessToken}`)).status).toBe(401);
  });

  it('answers 404 for an unknown user and changes nothing', async () => {
    const before = await snapshot(f.t);
    expectApiError(await post('/users/nobody/disable'), 404, 'not_found');
    expect(await snapshot(f.t)).toEqual(before);
  });
});

describe('POST /users/{id}/password', () => {
  it('sets the password and signs the user out everywhere', async () => {
    const user = await newUser('grace');
    await signIn(f.t, 'grace');
    const response = await post(`/users/${user.id}/password`, { password: 'a brand new passphrase' });
    expect(response.status).toBe(204);
    expect(
      await withDb(f.t, (db) =>
        db.prepare('SELECT count(*) AS n FROM sessions WHERE user_id = ?').get(user.id),
      ),
    ).toEqual({ n: 0 });
    expect(await loginStatus('grace')).toBe(401);
    expect(await loginStatus('grace', 'a brand new passphrase')).toBe(303);
    const event = (await audit(user.id)).find((e) => e.action === 'admin.user.password_set')!;
    expect(event.details).not.toMatch(/brand new|argon/);
  });

  it.each([
    ['a short password', { password: 'short' }, 400, 'password'],
    ['no password', {}, 400, 'password'],
    ['a number', { password: 123456789 }, 400, 'password'],
  ])('refuses %s and changes nothing', async (_name, body, status, field) => {
    const user = await newUser(`pw-${field}-${_name.length}`);
    const before = await snapshot(f.t);
    expectApiError(await post(`/users/${user.id}/password`, body), status, 'invalid_request', field);
    expect(await snapshot(f.t)).toEqual(before);
  });
});

describe('revoking a user’s grants and sessions', () => {
  it('revokes every grant with its tokens; the sessions stay until revoked too', async () => {
    const user = await newUser('heidi');
    const tokens = await obtainTokens(f.t, app, { username: 'heidi' });
    await signIn(f.t, 'heidi');
    const revoked = RevokedCounts.parse((await post(`/users/${user.id}/grants/revoke-all`)).body);
    expect(revoked.grants_revoked).toBe(1);
    expect(revoked.tokens_revoked).toBe(2);
    expect((await callApi(f.t, `Bearer ${tokens.accessToken}`)).status).toBe(401);
    // Two sessions: the one the code flow made and the one signIn made.
    expect(SessionsEnded.parse((await post(`/users/${user.id}/sessions/revoke-all`)).body)).toEqual({
      sessions_ended: 2,
    });
    expect((await audit(user.id)).map((e) => e.action)).toEqual(
      expect.arrayContaining(['admin.user.grants_revoked', 'sessions.revoked']),
    );
  });
});

describe('an admin session', () => {
  it('cannot take away its own admin access', async () => {
    const me = await newUser('ivy', { is_admin: true });
    const session = await signIn(f.t, 'ivy');
    const csrf = String((await api(f.t, 'GET', '/me', { headers: withSession(session) })).body.csrf_token);
    const before = await snapshot(f.t);
    const demote = await api(f.t, 'PATCH', `/users/${me.id}`, {
      body: { is_admin: false },
      headers: withSession(session, csrf),
    });
    expectApiError(demote, 400, 'invalid_request', 'is_admin');
    const disable = await api(f.t, 'POST', `/users/${me.id}/disable`, {
      headers: withSession(session, csrf),
    });
    expectApiError(disable, 400, 'invalid_request', undefined);
    expect(await snapshot(f.t)).toEqual(before);
    // Another admin (here the Ops client) can.
    expect((await patch(`/users/${me.id}`, { is_admin: false })).status).toBe(200);
  });
});
