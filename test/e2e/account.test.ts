/**
 * The account page over real HTTP: a user who granted two apps sees both, removes one — its
 * access and refresh tokens stop working at /api/me and /oauth/token, its consent is forgotten
 * (the next authorization asks again), the other app still works; changes the password (wrong
 * current password refused; right one ends the other sessions); signs out everywhere. Forms
 * without the CSRF token change nothing. Each step lands in the audit log.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventRecord } from '../../src/store/ports.js';
import { csrfToken, type Page, TestBrowser } from '../helpers/browser.js';
import { authorizeUrl, exchangeCode, pkcePair } from '../helpers/flow.js';
import {
  asTestClient,
  callApi,
  expectErrorPage,
  expectNoServerErrors,
  obtainTokens,
  REDIRECT_URI,
  type RegisteredTestClient,
  type TokenPair,
  watchStatuses,
} from '../helpers/negative.js';
import { createClient, createUser, PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
let restoreFetch: () => void;
let photos: RegisteredTestClient;
let notes: RegisteredTestClient;

beforeAll(async () => {
  restoreFetch = watchStatuses();
  t = await startTestServer();
  photos = asTestClient(
    await createClient(t, { client_name: 'Photos', client_uri: 'https://photos.example.com' }),
  );
  notes = asTestClient(await createClient(t, { client_name: 'Notes' }));
  for (const name of ['alice', 'bob', 'carol', 'dave']) await createUser(t, name);
});
afterAll(async () => {
  await t.close();
  restoreFetch();
});
afterEach(() => expectNoServerErrors());

const at = (path: string) => `${t.url}${path}`;
const bearer = (token: string) => `Bearer ${token}`;

async function signedInBrowser(username: string, password = PASSWORD): Promise<TestBrowser> {
  const browser = new TestBrowser();
  const login = await browser.get(at('/login'));
  const done = await browser.post(at('/login'), { csrf_token: csrfToken(login.text), username, password });
  if (done.status !== 303) throw new Error(`sign-in failed: ${done.status}`);
  return browser;
}

const refresh = (client: RegisteredTestClient, tokens: TokenPair) =>
  exchangeCode(t.url, client, { grant_type: 'refresh_token', refresh_token: tokens.refreshToken });

async function auditFor(userId: string, action: string): Promise<AuditEventRecord[]> {
  const events = await t.server.store.audit.list({ limit: 200, action });
  return events.filter((e) => e.actorId === userId || e.targetId === userId || e.details.userId === userId);
}

const userId = async (username: string) => (await t.server.store.users.findByUsername(username))!.id;

/** The account page's forms post the token; each POST here reads it from the page first. */
async function postFromAccount(
  browser: TestBrowser,
  path: string,
  form: Record<string, string>,
): Promise<Page> {
  const account = await browser.get(at('/account'));
  return browser.post(at(path), { csrf_token: csrfToken(account.text), ...form });
}

describe('apps with access', () => {
  it('lists both apps; removing one stops its tokens and forgets its consent, and leaves the other working', async () => {
    const browser = await signedInBrowser('alice');
    const photoTokens = await obtainTokens(t, photos, { username: 'alice', browser });
    const noteTokens = await obtainTokens(t, notes, { username: 'alice', browser });

    const account = await browser.get(at('/account'));
    expect(account.status).toBe(200);
    expect(account.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(account.text).toContain(
      '<a href="https://photos.example.com/" rel="noopener noreferrer">Photos</a>',
    );
    expect(account.text).toContain('>Notes</h3>');
    expect(account.text).toContain('<code>profile</code>');
    expect((await callApi(t, bearer(photoTokens.accessToken))).status).toBe(200);

    // The button leads to a confirmation; nothing is removed until it is posted.
    const confirm = await browser.get(
      at(`/account/remove-access?client_id=${encodeURIComponent(photos.clientId)}`),
    );
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('Remove access for');
    expect((await callApi(t, bearer(photoTokens.accessToken))).status).toBe(200);

    const removed = await browser.post(at('/account/remove-access'), {
      csrf_token: csrfToken(confirm.text),
      client_id: photos.clientId,
    });
    expect({ status: removed.status, location: removed.location }).toEqual({
      status: 303,
      location: '/account?done=removed',
    });
    const after = await browser.get(at('/account?done=removed'));
    expect(after.text).toContain('role="status">Access removed.');
    expect(after.text).not.toContain('Photos');
    expect(after.text).toContain('>Notes</h3>');

    expect((await callApi(t, bearer(photoTokens.accessToken))).status).toBe(401);
    const refused = await refresh(photos, photoTokens);
    expect({ status: refused.status, error: refused.body.error }).toEqual({
      status: 400,
      error: 'invalid_grant',
    });
    expect((await callApi(t, bearer(noteTokens.accessToken))).status).toBe(200);
    expect((await refresh(notes, noteTokens)).status).toBe(200);

    // The consent is forgotten: signed in still, the next authorization asks again.
    const again = await browser.follow(
      await browser.get(
        authorizeUrl({
          issuer: t.url,
          clientId: photos.clientId,
          redirectUri: REDIRECT_URI,
          scope: 'profile',
          challenge: pkcePair().challenge,
        }),
      ),
      t.url,
    );
    expect(again.text).toContain('name="decision"');
    const notesAgain = await browser.get(
      authorizeUrl({
        issuer: t.url,
        clientId: notes.clientId,
        redirectUri: REDIRECT_URI,
        challenge: pkcePair().challenge,
      }),
    );
    expect(notesAgain.location).toMatch(/^http:\/\/127\.0\.0\.1:5999\/callback\?code=/);

    const id = await userId('alice');
    const [event] = await auditFor(id, 'consent.removed');
    expect(event).toMatchObject({
      actorType: 'user',
      actorId: id,
      targetType: 'client',
      targetId: photos.clientId,
      ip: '127.0.0.1',
    });
    expect(event?.userAgent).toBeTruthy();
    expect((await auditFor(id, 'consent.granted')).map((e) => e.targetId).sort()).toEqual(
      [photos.clientId, notes.clientId].sort(),
    );
    expect((await auditFor(id, 'login.success')).length).toBeGreaterThanOrEqual(1);
  });

  it('answers an app without access with a 404 page, and a signed-out visitor with the login page', async () => {
    const browser = await signedInBrowser('bob');
    expectErrorPage(await browser.get(at(`/account/remove-access?client_id=${photos.clientId}`)), 404);
    expectErrorPage(await browser.get(at('/account/remove-access')), 404);
    const stranger = new TestBrowser();
    expect((await stranger.get(at('/account'))).location).toBe('/login');
    expect((await stranger.get(at(`/account/remove-access?client_id=${photos.clientId}`))).location).toBe(
      '/login',
    );
    // A valid form from a browser whose session has gone: back to sign-in, nothing done.
    const login = await stranger.get(at('/login'));
    const posted = await stranger.post(at('/account/remove-access'), {
      csrf_token: csrfToken(login.text),
      client_id: photos.clientId,
    });
    expect({ status: posted.status, location: posted.location }).toEqual({ status: 303, location: '/login' });
  });
});

describe('forms without the CSRF token', () => {
  it('are refused with 403 and change nothing', async () => {
    const browser = await signedInBrowser('carol');
    const tokens = await obtainTokens(t, notes, { username: 'carol', browser });
    const id = await userId('carol');
    const before = await t.server.store.audit.list({ limit: 200 });

    for (const [path, form] of [
      ['/account/remove-access', { client_id: notes.clientId }],
      ['/account/remove-access', { client_id: notes.clientId, csrf_token: 'forged' }],
      [
        '/account/password',
        { current_password: PASSWORD, new_password: 'changed pass 1', confirm_password: 'changed pass 1' },
      ],
      ['/account/sign-out-everywhere', {}],
    ] as const) {
      expectErrorPage(await browser.post(at(path), form), 403);
    }

    expect((await callApi(t, bearer(tokens.accessToken))).status).toBe(200);
    expect(await t.server.store.consents.find(id, notes.clientId)).not.toEqual([]);
    expect((await browser.get(at('/account'))).status).toBe(200);
    expect((await signedInBrowser('carol')).cookie('lk_session')).toBeTruthy(); // old password still works
    const after = await t.server.store.audit.list({ limit: 200 });
    expect(after.filter((e) => !before.some((b) => b.id === e.id)).map((e) => e.action)).toEqual([
      'login.success',
    ]);
  });
});

describe('change password and sign out everywhere', () => {
  it('refuses a wrong current password; the right one changes it and ends the other sessions', async () => {
    const here = await signedInBrowser('dave');
    const elsewhere = await signedInBrowser('dave');
    const NEW = 'a brand new passphrase';

    const wrong = await postFromAccount(here, '/account/password', {
      current_password: 'not my password',
      new_password: NEW,
      confirm_password: NEW,
    });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('role="alert">Your current password is not correct.');
    const mismatch = await postFromAccount(here, '/account/password', {
      current_password: PASSWORD,
      new_password: NEW,
      confirm_password: `${NEW}.`,
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.text).toContain('The new passwords do not match.');
    expect((await elsewhere.get(at('/account'))).status).toBe(200);

    const changed = await postFromAccount(here, '/account/password', {
      current_password: PASSWORD,
      new_password: NEW,
      confirm_password: NEW,
    });
    expect({ status: changed.status, location: changed.location }).toEqual({
      status: 303,
      location: '/account?done=password',
    });
    expect((await here.get(at('/account?done=password'))).text).toContain('Your password has been changed.');
    expect((await elsewhere.get(at('/account'))).location).toBe('/login');
    await expect(signedInBrowser('dave')).rejects.toThrow();
    await signedInBrowser('dave', NEW);

    const id = await userId('dave');
    const [event] = await auditFor(id, 'password.changed');
    expect(event).toMatchObject({ actorId: id, targetId: id, ip: '127.0.0.1' });
    expect(JSON.stringify(event)).not.toContain(NEW);
    expect((await auditFor(id, 'login.failure'))[0]).toMatchObject({
      targetId: id,
      details: { reason: 'wrong_password' },
    });
  });

  it('signs out every session of the user, this one included, and only theirs', async () => {
    const one = await signedInBrowser('bob');
    const two = await signedInBrowser('bob');
    const other = await signedInBrowser('alice');
    const out = await postFromAccount(one, '/account/sign-out-everywhere', {});
    expect(out.status).toBe(200);
    expect(out.text).toContain('You have been signed out in every browser and on every device.');
    expect(one.cookie('lk_session')).toBeUndefined();
    for (const browser of [one, two]) expect((await browser.get(at('/account'))).location).toBe('/login');
    expect((await other.get(at('/account'))).status).toBe(200);
    const id = await userId('bob');
    expect(await auditFor(id, 'sessions.revoked')).toEqual([
      expect.objectContaining({ actorId: id, targetId: id, ip: '127.0.0.1' }),
    ]);
  });
});

describe('the signed-in page', () => {
  it('shows the apps with access and links to the account page', async () => {
    const browser = await signedInBrowser('alice');
    const home = await browser.get(at('/'));
    expect(home.text).toContain('<h2>Your apps</h2>');
    expect(home.text).toContain('<li>Notes</li>');
    expect(home.text).toContain('<a href="/account">Manage your account</a>');
  });
});

describe('revocation and password-grant sign-ins', () => {
  it('records a token revoked at /oauth/revoke and a password-grant sign-in', async () => {
    const grantClient = asTestClient(
      await createClient(t, { client_name: 'CLI', grant_types: ['password', 'refresh_token'] }),
    );
    const issued = await exchangeCode(t.url, grantClient, {
      grant_type: 'password',
      username: 'carol',
      password: PASSWORD,
      scope: 'profile',
    });
    expect(issued.status).toBe(200);
    const revoke = await fetch(at('/oauth/revoke'), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${grantClient.clientId}:${grantClient.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token: issued.body.refresh_token as string }).toString(),
    });
    expect(revoke.status).toBe(200);
    const id = await userId('carol');
    const [revoked] = await t.server.store.audit.list({ limit: 1, action: 'token.revoked' });
    expect(revoked).toMatchObject({
      actorType: 'client',
      actorId: grantClient.clientId,
      targetType: 'grant',
      details: { tokenKind: 'refresh', grantRevoked: true, userId: id },
    });
    const signIns = await auditFor(id, 'login.success');
    expect(signIns.filter((e) => e.details.method === 'password_grant')).toEqual([
      expect.objectContaining({
        actorId: id,
        ip: '127.0.0.1',
        details: expect.objectContaining({ clientId: grantClient.clientId }),
      }),
    ]);
  });
});
