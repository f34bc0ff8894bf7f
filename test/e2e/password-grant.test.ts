/**
 * The resource owner password credentials grant (RFC 6749 §4.3) over real HTTP: off unless a
 * client registers it; the token response (§4.3.3, a refresh token only with the refresh_token
 * grant and the server setting on); the token at the protected resource and at introspection;
 * rotation and reuse of its refresh token; lifetimes and scope; one generic invalid_grant for
 * every bad credential; and the throttle it shares with the login page. Every refusal leaves the
 * database as it was, and nothing answers 5xx.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/accounts/passwords.js';
import { csrfToken, formAction, type Page, TestBrowser } from '../helpers/browser.js';
import { authorizeUrl, pkcePair } from '../helpers/flow.js';
import {
  asTestClient,
  basic,
  callApi,
  expectNoServerErrors,
  expectTokenError,
  issuedCounts,
  type JsonResponse,
  postToken,
  REDIRECT_URI,
  type RegisteredTestClient,
  readJson,
  type TokenPost,
  watchStatuses,
} from '../helpers/negative.js';
import { createClient, createUser, PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

const PASSWORD_TTL = 1200;
const MAX_FAILURES = 3;
/** The throttle window and lockout (the default), which Retry-After announces. */
const WINDOW = 900;
const GENERIC_MESSAGE = 'The user name or password is incorrect';

let t: TestServer;
let restoreFetch: () => void;
/** password + refresh_token, client_secret_basic, scope "profile email". */
let legacy: RegisteredTestClient;
/** password only, client_secret_post. */
let postLegacy: RegisteredTestClient;
/** password only, a public client (client_id alone). */
let publicLegacy: RegisteredTestClient;
/** password only, with its own access token lifetime. */
let shortLived: RegisteredTestClient;
/** The default registration: authorization_code + refresh_token. */
let codeClient: RegisteredTestClient;
/** client_credentials only. */
let service: RegisteredTestClient;
const userIds: Record<string, string> = {};

beforeAll(async () => {
  restoreFetch = watchStatuses();
  t = await startTestServer({
    tokens: { accessTokenTtlByGrant: { password: PASSWORD_TTL } },
    // The per-IP limit (every request here comes from 127.0.0.1) is tested on a server of its own.
    throttle: { maxFailuresPerAccount: MAX_FAILURES, maxFailuresPerIp: 10_000 },
  });
  legacy = asTestClient(
    await t.server.registerClient({
      client_name: 'Legacy app',
      grant_types: ['password', 'refresh_token'],
      scope: 'profile email',
    }),
  );
  postLegacy = asTestClient(
    await t.server.registerClient({
      client_name: 'Legacy post',
      grant_types: ['password'],
      scope: 'profile email',
      token_endpoint_auth_method: 'client_secret_post',
    }),
  );
  publicLegacy = asTestClient(
    await t.server.registerClient({
      client_name: 'Legacy public',
      grant_types: ['password'],
      scope: 'profile',
      token_endpoint_auth_method: 'none',
    }),
  );
  shortLived = asTestClient(
    await t.server.registerClient({
      client_name: 'Legacy short',
      grant_types: ['password'],
      access_token_ttl: 120,
    }),
  );
  codeClient = asTestClient(await createClient(t, { client_name: 'Code only' }));
  service = asTestClient(
    await t.server.registerClient({ client_name: 'Service', grant_types: ['client_credentials'] }),
  );
  // One account per test that counts failures, so no test spends another's allowance.
  for (const name of ['alice', 'bob', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj']) {
    userIds[name] = (await createUser(t, name)).id;
  }
  await t.server.store.users.create({
    id: randomUUID(),
    username: 'dora',
    disabled: true,
    profile: {},
    updatedAt: t.clock.now(),
    createdAt: t.clock.now(),
    passwordHash: await hashPassword(PASSWORD),
  });
});
afterAll(async () => {
  await t?.close();
  restoreFetch();
});
// "No request in the suite gets a 5xx."
afterEach(() => expectNoServerErrors());

const authOf = (c: RegisteredTestClient) => basic(c.clientId, c.clientSecret!);

/** A password grant request by `client` with Basic authentication. */
function passwordGrant(
  client: RegisteredTestClient,
  username: string,
  password = PASSWORD,
  extra: Record<string, string> = {},
): Promise<JsonResponse> {
  return postToken(t, {
    authorization: authOf(client),
    body: { grant_type: 'password', username, password, ...extra },
  });
}

/** A request that must be refused: nothing issued, nothing revoked. */
async function refused(request: TokenPost | (() => Promise<JsonResponse>)): Promise<JsonResponse> {
  const before = await issuedCounts(t);
  const response = typeof request === 'function' ? await request() : await postToken(t, request);
  expect(await issuedCounts(t)).toEqual(before);
  return response;
}

/** Failures counted against an account in the current window (the login page's counter too). */
async function accountFailures(username: string): Promise<number> {
  const [count] = await t.server.store.throttle.failures(
    [`account:${username.toLowerCase()}`],
    t.clock.now(),
    WINDOW,
  );
  return count!;
}

/** A §5.1 success: JSON, never cached, the listed fields and nothing else. */
function expectTokenResponse(
  response: JsonResponse,
  expected: { scope: string; expiresIn: number; refresh: boolean },
): { accessToken: string; refreshToken: string | undefined } {
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.headers.get('cache-control')).toBe('no-store');
  const keys = ['access_token', 'expires_in', 'scope', 'token_type'];
  if (expected.refresh) keys.push('refresh_token');
  expect(Object.keys(response.body).sort()).toEqual(keys.sort());
  expect(response.body).toMatchObject({
    token_type: 'Bearer',
    expires_in: expected.expiresIn,
    scope: expected.scope,
  });
  expect(response.body.access_token).toMatch(/^[A-Za-z0-9_-]{43,}$/);
  if (expected.refresh) {
    expect(response.body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(response.body.refresh_token).not.toBe(response.body.access_token);
  }
  return {
    accessToken: response.body.access_token as string,
    refreshToken: response.body.refresh_token as string | undefined,
  };
}

/** The generic §5.2 refusal for bad credentials: no Retry-After, one message. */
function expectBadCredentials(response: JsonResponse): void {
  expectTokenError(response, 400, 'invalid_grant');
  expect(response.body).toEqual({ error: 'invalid_grant', error_description: GENERIC_MESSAGE });
  expect(response.headers.get('retry-after')).toBeNull();
}

/** The throttled refusal: still invalid_grant (§5.2 has no other code), with Retry-After. */
function expectThrottled(response: JsonResponse): void {
  expectTokenError(response, 400, 'invalid_grant');
  expect(response.headers.get('retry-after')).toBe(String(WINDOW));
  expect(String(response.body.error_description)).toMatch(/too many failed sign-in attempts/i);
}

/** POST /oauth/introspect by `caller` with Basic. */
async function introspect(caller: RegisteredTestClient, token: string): Promise<Record<string, unknown>> {
  const response = await readJson(
    await fetch(`${t.url}/oauth/introspect`, {
      method: 'POST',
      headers: { authorization: authOf(caller), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    }),
  );
  expect(response.status).toBe(200);
  return response.body;
}

/** Signs in on the standalone login page (/login) in a new browser. */
async function loginPage(
  username: string,
  password = PASSWORD,
): Promise<{ page: Page; browser: TestBrowser }> {
  const browser = new TestBrowser();
  const form = await browser.get(`${t.url}/login`);
  const page = await browser.post(`${t.url}/login`, {
    csrf_token: csrfToken(form.text),
    username,
    password,
  });
  return { page, browser };
}

/** Signs in on the login page of an authorization in progress (the code flow's). */
async function interactionLogin(username: string, password = PASSWORD): Promise<Page> {
  const browser = new TestBrowser();
  const login = await browser.follow(
    await browser.get(
      authorizeUrl({
        issuer: t.url,
        clientId: codeClient.clientId,
        redirectUri: REDIRECT_URI,
        challenge: pkcePair().challenge,
      }),
    ),
    t.url,
  );
  return browser.post(new URL(formAction(login.text, '/login'), t.url).toString(), {
    csrf_token: csrfToken(login.text),
    username,
    password,
  });
}

/** The login page refused a sign-in because the account is locked: no session, the same message. */
function expectLoginThrottled(page: Page, browser?: TestBrowser): void {
  expect(page.status).toBe(429);
  expect(page.location).toBeNull();
  expect(page.headers.get('retry-after')).toBe(String(WINDOW));
  expect(page.text).toContain('Too many failed sign-in attempts');
  expect(page.headers.getSetCookie().some((c) => c.startsWith('lk_session='))).toBe(false);
  if (browser) expect(browser.cookie('lk_session')).toBeUndefined();
}

describe('registration', () => {
  it('registers a password client without redirect URIs and with no response types', async () => {
    const registered = await t.server.registerClient({
      client_name: 'Legacy CLI',
      grant_types: ['password', 'refresh_token'],
    });
    expect(registered.client).toMatchObject({
      grantTypes: ['password', 'refresh_token'],
      responseTypes: [],
      redirectUris: [],
    });
    expect(registered.clientSecret).toEqual(expect.any(String));
  });
});

describe('password grant: success', () => {
  it('issues an access and a refresh token with client_secret_basic; the token works at /api/me and introspects', async () => {
    const before = await issuedCounts(t);
    const response = await passwordGrant(legacy, 'alice');
    const { accessToken, refreshToken } = expectTokenResponse(response, {
      scope: 'profile email',
      expiresIn: PASSWORD_TTL,
      refresh: true,
    });
    // One new grant holding the access and the refresh token; no session, code or interaction.
    expect(await issuedCounts(t)).toEqual({
      ...before,
      grants: before.grants! + 1,
      tokens: before.tokens! + 2,
      unrevoked_tokens: before.unrevoked_tokens! + 2,
    });

    const me = await callApi(t, `Bearer ${accessToken}`);
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      sub: userIds.alice,
      username: 'alice',
      client_id: legacy.clientId,
      scope: 'profile email',
    });

    const info = await introspect(legacy, accessToken);
    expect(info).toMatchObject({
      active: true,
      sub: userIds.alice,
      username: 'alice',
      client_id: legacy.clientId,
      scope: 'profile email',
      token_type: 'Bearer',
      iss: t.url,
    });
    expect(Number(info.exp) - Number(info.iat)).toBe(PASSWORD_TTL);
    expect(await introspect(legacy, refreshToken!)).toMatchObject({
      active: true,
      sub: userIds.alice,
      username: 'alice',
      token_type: 'refresh_token',
    });
  });

  it('issues an access token (no refresh token) to a client_secret_post client', async () => {
    const response = await postToken(t, {
      body: {
        grant_type: 'password',
        username: 'bob',
        password: PASSWORD,
        client_id: postLegacy.clientId,
        client_secret: postLegacy.clientSecret!,
      },
    });
    const { accessToken } = expectTokenResponse(response, {
      scope: 'profile email',
      expiresIn: PASSWORD_TTL,
      refresh: false,
    });
    expect((await callApi(t, `Bearer ${accessToken}`)).body).toMatchObject({
      sub: userIds.bob,
      username: 'bob',
      client_id: postLegacy.clientId,
    });
  });

  it('issues a token to a public client that sends only its client_id', async () => {
    const response = await postToken(t, {
      body: {
        grant_type: 'password',
        username: 'alice',
        password: PASSWORD,
        client_id: publicLegacy.clientId,
      },
    });
    const { accessToken } = expectTokenResponse(response, {
      scope: 'profile',
      expiresIn: PASSWORD_TTL,
      refresh: false,
    });
    expect((await callApi(t, `Bearer ${accessToken}`)).body).toMatchObject({
      username: 'alice',
      client_id: publicLegacy.clientId,
    });
  });

  it('issues distinct tokens, each under a grant of its own, on every request', async () => {
    const first = expectTokenResponse(await passwordGrant(legacy, 'alice'), {
      scope: 'profile email',
      expiresIn: PASSWORD_TTL,
      refresh: true,
    });
    const second = expectTokenResponse(await passwordGrant(legacy, 'alice'), {
      scope: 'profile email',
      expiresIn: PASSWORD_TTL,
      refresh: true,
    });
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    // Revoking one sign-in's refresh token (its grant) leaves the other sign-in alone.
    const revoke = await fetch(`${t.url}/oauth/revoke`, {
      method: 'POST',
      headers: { authorization: authOf(legacy), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: first.refreshToken! }).toString(),
    });
    expect(revoke.status).toBe(200);
    expect((await callApi(t, `Bearer ${first.accessToken}`)).status).toBe(401);
    expect((await callApi(t, `Bearer ${second.accessToken}`)).status).toBe(200);
  });
});

describe('password grant: refresh tokens', () => {
  it('rotates the refresh token; reusing the old one revokes the whole grant', async () => {
    const issued = expectTokenResponse(await passwordGrant(legacy, 'bob'), {
      scope: 'profile email',
      expiresIn: PASSWORD_TTL,
      refresh: true,
    });
    const refresh = (token: string, extra: Record<string, string> = {}) =>
      postToken(t, {
        authorization: authOf(legacy),
        body: { grant_type: 'refresh_token', refresh_token: token, ...extra },
      });

    // A refreshed access token has the refresh_token grant's lifetime (the server default here).
    const rotated = expectTokenResponse(await refresh(issued.refreshToken!, { scope: 'profile' }), {
      scope: 'profile',
      expiresIn: 3600,
      refresh: true,
    });
    expect(rotated.refreshToken).not.toBe(issued.refreshToken);
    expect((await callApi(t, `Bearer ${rotated.accessToken}`)).body).toMatchObject({
      username: 'bob',
      scope: 'profile',
    });
    // The new refresh token keeps the original scope (RFC 6749 §6).
    expect((await introspect(legacy, rotated.refreshToken!)).scope).toBe('profile email');

    // Reuse of the spent refresh token: invalid_grant, and every token of the grant is revoked.
    const reuse = await refresh(issued.refreshToken!);
    expectTokenError(reuse, 400, 'invalid_grant');
    for (const token of [issued.accessToken, rotated.accessToken]) {
      const api = await callApi(t, `Bearer ${token}`);
      expect(api.status).toBe(401);
      expect(api.body.error).toBe('invalid_token');
    }
    expectTokenError(await refused(() => refresh(rotated.refreshToken!)), 400, 'invalid_grant');
    expect(await introspect(legacy, rotated.refreshToken!)).toEqual({ active: false });
  });

  it('issues no refresh token when the server setting is off, even to a client registered for them', async () => {
    const off = await startTestServer({ tokens: { issueRefreshTokens: false } });
    try {
      await createUser(off, 'alice');
      const registered = await off.server.registerClient({
        client_name: 'Legacy app',
        grant_types: ['password', 'refresh_token'],
      });
      const response = await postToken(off, {
        authorization: basic(registered.client.clientId, registered.clientSecret!),
        body: { grant_type: 'password', username: 'alice', password: PASSWORD },
      });
      const { accessToken } = expectTokenResponse(response, {
        scope: 'profile',
        expiresIn: 3600,
        refresh: false,
      });
      expect((await callApi(off, `Bearer ${accessToken}`)).body).toMatchObject({ username: 'alice' });
    } finally {
      await off.close();
    }
  });
});

describe('password grant: lifetimes and scope', () => {
  it('uses the per-grant lifetime (tokens.accessTokenTtlByGrant.password)', async () => {
    const { accessToken } = expectTokenResponse(await passwordGrant(legacy, 'alice'), {
      scope: 'profile email',
      expiresIn: PASSWORD_TTL,
      refresh: true,
    });
    t.clock.advance(PASSWORD_TTL - 1);
    expect((await callApi(t, `Bearer ${accessToken}`)).status).toBe(200);
    t.clock.advance(2);
    const expired = await callApi(t, `Bearer ${accessToken}`);
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
  });

  it("lets a client's access_token_ttl override the per-grant lifetime", async () => {
    const { accessToken } = expectTokenResponse(await passwordGrant(shortLived, 'alice'), {
      scope: 'profile',
      expiresIn: 120,
      refresh: false,
    });
    t.clock.advance(121);
    expect((await callApi(t, `Bearer ${accessToken}`)).status).toBe(401);
  });

  it("grants the client's registered scope by default and narrows it to what was asked for", async () => {
    expectTokenResponse(await passwordGrant(legacy, 'alice'), {
      scope: 'profile email',
      expiresIn: PASSWORD_TTL,
      refresh: true,
    });
    const narrowed = expectTokenResponse(await passwordGrant(legacy, 'alice', PASSWORD, { scope: 'email' }), {
      scope: 'email',
      expiresIn: PASSWORD_TTL,
      refresh: true,
    });
    expect((await callApi(t, `Bearer ${narrowed.accessToken}`)).body.scope).toBe('email');
    // The refresh token carries the narrowed scope: refreshing cannot widen it back.
    const widened = await refused({
      authorization: authOf(legacy),
      body: { grant_type: 'refresh_token', refresh_token: narrowed.refreshToken!, scope: 'profile' },
    });
    expectTokenError(widened, 400, 'invalid_scope');
  });

  it('refuses a scope outside the registered one with invalid_scope, without checking the password', async () => {
    for (const scope of ['admin', 'profile admin', 'profile"']) {
      const response = await refused(() => passwordGrant(legacy, 'mallory', PASSWORD, { scope }));
      expectTokenError(response, 400, 'invalid_scope');
    }
    expect(await accountFailures('mallory')).toBe(0);
  });
});

describe('password grant: refusals', () => {
  it('answers a wrong password, an unknown user and a disabled user with identical invalid_grant bodies', async () => {
    const wrongPassword = await refused(() => passwordGrant(legacy, 'erin', `${PASSWORD}!`));
    const unknownUser = await refused(() => passwordGrant(legacy, 'nobody-here'));
    const disabledUser = await refused(() => passwordGrant(legacy, 'dora'));
    const overlongUser = await refused(() => passwordGrant(legacy, 'x'.repeat(10_000)));
    for (const response of [wrongPassword, unknownUser, disabledUser, overlongUser]) {
      expectBadCredentials(response);
      expect(response.text).toBe(wrongPassword.text);
    }
    // Each counts as a failed sign-in for its account name, existing or not.
    expect(await accountFailures('erin')).toBe(1);
    expect(await accountFailures('nobody-here')).toBe(1);
    expect(await accountFailures('dora')).toBe(1);
  });

  it('refuses a missing or empty username or password with invalid_request, counting no failure', async () => {
    const bodies: Record<string, string>[] = [
      { grant_type: 'password', password: PASSWORD },
      { grant_type: 'password', username: 'frank' },
      { grant_type: 'password', username: '', password: PASSWORD },
      { grant_type: 'password', username: 'frank', password: '' },
      { grant_type: 'password' },
    ];
    for (const body of bodies) {
      const response = await refused({ authorization: authOf(legacy), body });
      expectTokenError(response, 400, 'invalid_request');
    }
    expect(await accountFailures('frank')).toBe(0);
  });

  it('refuses a repeated username, password, scope or grant_type with invalid_request', async () => {
    const cases: [string, string][][] = [
      [
        ['grant_type', 'password'],
        ['username', 'frank'],
        ['username', 'alice'],
        ['password', PASSWORD],
      ],
      [
        ['grant_type', 'password'],
        ['username', 'frank'],
        ['password', PASSWORD],
        ['password', PASSWORD],
      ],
      [
        ['grant_type', 'password'],
        ['grant_type', 'password'],
        ['username', 'frank'],
        ['password', PASSWORD],
      ],
      [
        ['grant_type', 'password'],
        ['username', 'frank'],
        ['password', PASSWORD],
        ['scope', 'profile'],
        ['scope', 'email'],
      ],
    ];
    for (const body of cases) {
      const response = await refused({ authorization: authOf(legacy), body });
      expectTokenError(response, 400, 'invalid_request');
    }
    expect(await accountFailures('frank')).toBe(0);
  });

  it('refuses a client not registered for the password grant with unauthorized_client, without checking credentials', async () => {
    for (const client of [codeClient, service]) {
      for (const password of [PASSWORD, 'wrong password']) {
        const response = await refused(() => passwordGrant(client, 'frank', password));
        expectTokenError(response, 400, 'unauthorized_client');
      }
    }
    expect(await accountFailures('frank')).toBe(0);
  });

  it('refuses bad client authentication with 401 invalid_client before looking at the credentials', async () => {
    const wrongSecret = await refused({
      authorization: basic(legacy.clientId, `${legacy.clientSecret}x`),
      body: { grant_type: 'password', username: 'frank', password: PASSWORD },
    });
    expectTokenError(wrongSecret, 401, 'invalid_client');
    expect(wrongSecret.headers.get('www-authenticate')).toMatch(/^Basic /);
    // A confidential client may not fall back to client_id alone.
    const noSecret = await refused({
      body: { grant_type: 'password', username: 'frank', password: PASSWORD, client_id: legacy.clientId },
    });
    expectTokenError(noSecret, 401, 'invalid_client');
    expect(await accountFailures('frank')).toBe(0);
  });
});

describe('password grant: throttling shared with the login page', () => {
  it(`locks the account after ${MAX_FAILURES} failures: even the right password gets invalid_grant with Retry-After`, async () => {
    for (let i = 0; i < MAX_FAILURES; i++) {
      expectBadCredentials(await refused(() => passwordGrant(legacy, 'grace', `wrong ${i}`)));
    }
    const locked = await refused(() => passwordGrant(legacy, 'grace'));
    expectThrottled(locked);
    // The throttled answer does not say whether the password was right: a wrong one gets the same.
    const lockedWrong = await refused(() => passwordGrant(legacy, 'grace', 'wrong again'));
    expectThrottled(lockedWrong);
    expect(lockedWrong.text).toBe(locked.text);

    // The login page is locked for the account too (the same counters), and signing in there
    // with the right password neither succeeds nor resets the count.
    const sessionsBefore = (await issuedCounts(t)).sessions;
    const { page, browser } = await loginPage('grace');
    expectLoginThrottled(page, browser);
    expectLoginThrottled(await interactionLogin('grace'));
    expect((await issuedCounts(t)).sessions).toBe(sessionsBefore);
    expectThrottled(await refused(() => passwordGrant(legacy, 'grace')));
    // Other accounts are not affected.
    expect((await passwordGrant(legacy, 'alice')).status).toBe(200);

    // The lock lifts once the window has passed (counted from the first failure).
    t.clock.advance(WINDOW);
    expectTokenResponse(await passwordGrant(legacy, 'grace'), {
      scope: 'profile email',
      expiresIn: PASSWORD_TTL,
      refresh: true,
    });
    const after = await loginPage('grace');
    expect(after.page.status).toBe(303);
    expect(after.browser.cookie('lk_session')).toEqual(expect.any(String));
  });

  it('counts login-page failures against the password grant (and the other way round)', async () => {
    // Two wrong passwords on the login pages and one on the token endpoint make three.
    const wrongPage = await loginPage('heidi', 'wrong one');
    expect(wrongPage.page.status).toBe(401);
    expect((await interactionLogin('heidi', 'wrong two')).status).toBe(401);
    expectBadCredentials(await passwordGrant(legacy, 'heidi', 'wrong three'));
    expect(await accountFailures('heidi')).toBe(MAX_FAILURES);
    expectThrottled(await refused(() => passwordGrant(legacy, 'heidi')));
    const { page, browser } = await loginPage('heidi');
    expectLoginThrottled(page, browser);
  });

  it('resets the count after a successful sign-in below the limit', async () => {
    expectBadCredentials(await passwordGrant(legacy, 'ivan', 'wrong 1'));
    expectBadCredentials(await passwordGrant(legacy, 'ivan', 'wrong 2'));
    expect((await passwordGrant(legacy, 'ivan')).status).toBe(200);
    expect(await accountFailures('ivan')).toBe(0);
    expectBadCredentials(await passwordGrant(legacy, 'ivan', 'wrong 3'));
    expectBadCredentials(await passwordGrant(legacy, 'ivan', 'wrong 4'));
    expect((await passwordGrant(legacy, 'ivan')).status).toBe(200);
  });

  it('locks an unknown account name the same way, so the lock reveals nothing', async () => {
    for (const username of ['no-such-user', 'niaj']) {
      for (let i = 0; i < MAX_FAILURES; i++) expectBadCredentials(await passwordGrant(legacy, username, 'x'));
    }
    const unknownLocked = await refused(() => passwordGrant(legacy, 'no-such-user'));
    const knownLocked = await refused(() => passwordGrant(legacy, 'niaj'));
    expectThrottled(unknownLocked);
    expectThrottled(knownLocked);
    expect(unknownLocked.text).toBe(knownLocked.text);
  });

  it(`lets no more than ${MAX_FAILURES} of many parallel guesses reach the password check`, async () => {
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) => passwordGrant(legacy, 'judy', `parallel guess ${i}`)),
    );
    for (const response of responses) expectTokenError(response, 400, 'invalid_grant');
    const checked = responses.filter((r) => r.headers.get('retry-after') === null);
    expect(checked).toHaveLength(MAX_FAILURES);
    expectThrottled(await refused(() => passwordGrant(legacy, 'judy')));
  });
});

describe('password grant: per-IP throttling', () => {
  it('locks an address that fails on many accounts, for the password grant and the login page alike', async () => {
    const ipLimited = await startTestServer({
      throttle: { maxFailuresPerAccount: 100, maxFailuresPerIp: 3 },
    });
    try {
      await createUser(ipLimited, 'alice');
      const registered = await ipLimited.server.registerClient({
        client_name: 'Legacy app',
        grant_types: ['password'],
      });
      const grant = (username: string, password: string) =>
        postToken(ipLimited, {
          authorization: basic(registered.client.clientId, registered.clientSecret!),
          body: { grant_type: 'password', username, password },
        });
      for (const name of ['u1', 'u2', 'u3']) expectBadCredentials(await grant(name, 'guess'));
      expectThrottled(await grant('alice', PASSWORD));
      const browser = new TestBrowser();
      const form = await browser.get(`${ipLimited.url}/login`);
      const page = await browser.post(`${ipLimited.url}/login`, {
        csrf_token: csrfToken(form.text),
        username: 'alice',
        password: PASSWORD,
      });
      expectLoginThrottled(page, browser);
      ipLimited.clock.advance(WINDOW);
      expect((await grant('alice', PASSWORD)).status).toBe(200);
    } finally {
      await ipLimited.close();
    }
  });
});
