/**
 * The authorization endpoint and the interaction pages refuse what they must, and issue nothing
 * when they do. RFC 6749 §4.1.2.1: until the client and its redirect URI are verified an error is
 * a page for the user and never a redirect; after that it goes back to the redirect URI with
 * `error`, `state` and (RFC 9207) `iss`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { csrfToken, type Page, TestBrowser } from '../helpers/browser.js';
import { exchangeCode, pkcePair } from '../helpers/flow.js';
import {
  asTestClient,
  countRows,
  expectErrorPage,
  expectNoServerErrors,
  issuedCounts,
  obtainCode,
  REDIRECT_URI,
  type RegisteredTestClient,
  reachConsent,
  reachLogin,
  sha256,
  watchStatuses,
} from '../helpers/negative.js';
import { createClient, createUser, PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
let restoreFetch: () => void;
let client: RegisteredTestClient;
let publicClient: RegisteredTestClient;
const STATE = 'st ate&x=1/ü';

beforeAll(async () => {
  restoreFetch = watchStatuses();
  t = await startTestServer();
  client = asTestClient(await createClient(t));
  publicClient = asTestClient(
    await createClient(t, { client_name: 'Public', token_endpoint_auth_method: 'none' }),
  );
});
afterAll(async () => {
  await t.close();
  restoreFetch();
});
// "No request in the suite gets a 5xx."
afterEach(() => expectNoServerErrors());

/** GET /oauth/authorize with exactly these parameters (names may repeat), in a new browser. */
async function authorizeWith(pairs: [string, string][], browser = new TestBrowser()): Promise<Page> {
  const query = new URLSearchParams(pairs).toString();
  return browser.get(`${t.url}/oauth/authorize?${query}`);
}

/** A valid request's parameters, with `changes` applied (null removes a parameter). */
function params(changes: Record<string, string | null> = {}): [string, string][] {
  const { challenge } = pkcePair();
  const base: Record<string, string> = {
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: REDIRECT_URI,
    scope: 'profile',
    state: STATE,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  };
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete base[name];
    else base[name] = value;
  }
  return Object.entries(base);
}

/** Runs a refused request and checks that no code, grant, token, interaction or session was written. */
async function refused(pairs: [string, string][]): Promise<Page> {
  const before = await issuedCounts(t);
  const page = await authorizeWith(pairs);
  expect(await issuedCounts(t)).toEqual(before);
  return page;
}

/** RFC 6749 §4.1.2.1 error redirect: to the registered URI, with error, state and iss, never a code. */
function expectErrorRedirect(page: Page, error: string, state: string | null = STATE): URL {
  expect(page.status).toBe(302);
  expect(page.location).not.toBeNull();
  const location = new URL(page.location!);
  expect(location.origin + location.pathname).toBe(REDIRECT_URI);
  expect(location.searchParams.get('error')).toBe(error);
  expect(location.searchParams.get('state')).toBe(state);
  expect(location.searchParams.get('iss')).toBe(t.url);
  expect(location.searchParams.get('code')).toBeNull();
  expect(page.headers.get('cache-control')).toBe('no-store');
  return location;
}

describe('before the client and redirect URI are verified: an error page, never a redirect', () => {
  it('shows a page for an unknown client_id', async () => {
    const page = await refused(params({ client_id: 'no-such-client' }));
    expectErrorPage(page);
    expect(page.text).toContain('invalid_client');
  });

  it('shows a page when client_id is missing or empty', async () => {
    for (const clientId of [null, '']) {
      const page = await refused(params({ client_id: clientId }));
      expectErrorPage(page);
      expect(page.text).toContain('invalid_request');
    }
  });

  it('shows a page for an over-long client_id', async () => {
    expectErrorPage(await refused(params({ client_id: 'x'.repeat(5000) })));
  });

  it('shows a page when client_id is repeated, even with the same value twice', async () => {
    for (const second of [client.clientId, publicClient.clientId]) {
      const page = await refused([...params(), ['client_id', second]]);
      expectErrorPage(page);
      expect(page.text).toContain('invalid_request');
    }
  });

  it('never redirects to an unregistered redirect_uri', async () => {
    for (const uri of ['https://attacker.example/callback', 'not a uri', 'javascript:alert(1)']) {
      const page = await refused(params({ redirect_uri: uri }));
      expectErrorPage(page);
      expect(page.text).not.toContain('attacker.example/callback?');
    }
  });

  it('matches redirect URIs exactly: a trailing slash, case, query, fragment or userinfo is a different URI', async () => {
    const variants = [
      `${REDIRECT_URI}/`,
      'http://127.0.0.1:5999/Callback',
      'HTTP://127.0.0.1:5999/callback',
      `${REDIRECT_URI}?extra=1`,
      `${REDIRECT_URI}?`,
      `${REDIRECT_URI}#fragment`,
      'http://user@127.0.0.1:5999/callback',
      'http://localhost:5999/callback',
      'http://127.0.0.1:5999/callback/../callback',
      'http://127.0.0.1:5999/%63allback',
      'https://127.0.0.1:5999/callback',
      ` ${REDIRECT_URI}`,
    ];
    for (const uri of variants) {
      const page = await refused(params({ redirect_uri: uri }));
      expect({ uri, status: page.status, location: page.location }).toEqual({
        uri,
        status: 400,
        location: null,
      });
      expectErrorPage(page);
    }
  });

  it('shows a page when redirect_uri is repeated', async () => {
    for (const second of [REDIRECT_URI, 'https://attacker.example/cb']) {
      expectErrorPage(await refused([...params(), ['redirect_uri', second]]));
    }
  });

  it('shows a page when redirect_uri is omitted and the client has several', async () => {
    const several = asTestClient(
      await createClient(t, {
        client_name: 'Several',
        redirect_uris: [REDIRECT_URI, 'http://127.0.0.1:5999/other'],
      }),
    );
    expectErrorPage(await refused(params({ client_id: several.clientId, redirect_uri: null })));
    expectErrorPage(await refused(params({ client_id: several.clientId, redirect_uri: '' })));
  });

  it("shows a page for another client's redirect URI", async () => {
    const other = asTestClient(
      await createClient(t, { client_name: 'Other', redirect_uris: ['https://other.example/cb'] }),
    );
    expectErrorPage(await refused(params({ client_id: other.clientId })));
  });

  it('never reflects markup from the request into an error page', async () => {
    const evil = '"><script>alert(1)</script><img src=x onerror=alert(1)>';
    const cases: Record<string, string>[] = [
      { client_id: evil },
      { redirect_uri: evil },
      { redirect_uri: `${REDIRECT_URI}?${evil}` },
    ];
    for (const changes of cases) {
      const page = await refused(params(changes));
      expectErrorPage(page);
      expect(page.text).not.toContain('<script>alert');
      expect(page.text).not.toContain('<img src=x');
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    }
  });

  it('shows a page when state is repeated (it could not be echoed)', async () => {
    expectErrorPage(await refused([...params(), ['state', 'other']]));
  });
});

describe('after verification: an error redirect carrying the state', () => {
  it('answers an unknown scope with invalid_scope', async () => {
    expectErrorRedirect(await refused(params({ scope: 'profile admin' })), 'invalid_scope');
  });

  it('answers malformed scope characters with invalid_scope', async () => {
    // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
    for (const scope of ['profile"', 'pro\\file', 'profilé', 'profile\temail', 'profile\u0000']) {
      const page = await refused(params({ scope }));
      expect({ scope, error: new URL(page.location ?? 'x:/').searchParams.get('error') }).toEqual({
        scope,
        error: 'invalid_scope',
      });
      expectErrorRedirect(page, 'invalid_scope');
    }
  });

  it('answers a repeated scope with invalid_request', async () => {
    expectErrorRedirect(await refused([...params(), ['scope', 'email']]), 'invalid_request');
  });

  it('answers unknown response types with unsupported_response_type', async () => {
    for (const responseType of ['code token', 'id_token', 'CODE', 'foo', 'token code']) {
      expectErrorRedirect(
        await refused(params({ response_type: responseType })),
        'unsupported_response_type',
      );
    }
  });

  it('refuses response_type=token to a client not registered for the implicit grant, in the fragment', async () => {
    const page = await refused(params({ response_type: 'token' }));
    expect(page.status).toBe(302);
    const location = new URL(page.location!);
    expect(location.origin + location.pathname).toBe(REDIRECT_URI);
    expect(location.search).toBe('');
    const fragment = new URLSearchParams(location.hash.slice(1));
    expect(fragment.get('error')).toBe('unauthorized_client');
    expect(fragment.get('state')).toBe(STATE);
    expect(fragment.get('iss')).toBe(t.url);
    expect(fragment.get('access_token')).toBeNull();
  });

  it('answers a missing response_type with invalid_request', async () => {
    expectErrorRedirect(await refused(params({ response_type: null })), 'invalid_request');
  });

  it('requires code_challenge from a client that requires PKCE (confidential by default, and public)', async () => {
    const missing = expectErrorRedirect(
      await refused(params({ code_challenge: null, code_challenge_method: null })),
      'invalid_request',
    );
    expect(missing.searchParams.get('error_description')).toContain('code_challenge');
    expectErrorRedirect(
      await refused(
        params({ client_id: publicClient.clientId, code_challenge: null, code_challenge_method: null }),
      ),
      'invalid_request',
    );
  });

  it('refuses code_challenge_method=plain by default, and an absent or unknown method', async () => {
    // RFC 7636 §4.3: an absent method means plain.
    for (const method of ['plain', null, 'S512', 's256']) {
      expectErrorRedirect(await refused(params({ code_challenge_method: method })), 'invalid_request');
    }
  });

  it('refuses a malformed code_challenge (too short, too long, bad characters)', async () => {
    // RFC 7636 §4.2: 43-128 characters of [A-Za-z0-9-._~].
    for (const challenge of ['a'.repeat(42), 'a'.repeat(129), `${'a'.repeat(42)}+`, `${'a'.repeat(42)}=`]) {
      expectErrorRedirect(await refused(params({ code_challenge: challenge })), 'invalid_request');
    }
  });

  it('refuses code_challenge_method without code_challenge', async () => {
    expectErrorRedirect(await refused(params({ code_challenge: null })), 'invalid_request');
  });

  it('echoes the exact state on every redirect error, and omits it when none was sent', async () => {
    const cases: [Record<string, string | null>, string][] = [
      [{ scope: 'nope' }, 'invalid_scope'],
      [{ response_type: 'foo' }, 'unsupported_response_type'],
      [{ response_type: null }, 'invalid_request'],
      [{ code_challenge: null, code_challenge_method: null }, 'invalid_request'],
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
    ];
    for (const state of [STATE, 'a'.repeat(500), '%20+&#', null]) {
      for (const [changes, error] of cases) {
        const page = await refused(params({ ...changes, state }));
        expectErrorRedirect(page, error, state);
      }
    }
  });

  it('sends errors to the one registered redirect URI when redirect_uri is omitted', async () => {
    expectErrorRedirect(await refused(params({ redirect_uri: null, scope: 'nope' })), 'invalid_scope');
  });
});

describe('the default scope', () => {
  it("grants the client's registered scope to a request without scope", async () => {
    await createUser(t, 'dora');
    const { challenge, verifier } = pkcePair();
    const { code } = await obtainCode(t, client, { username: 'dora', pkce: { challenge, verifier } });
    const token = await exchangeCode(t.url, client, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    });
    expect(token.status).toBe(200);
    expect(token.body.scope).toBe('profile email');
  });
});

describe('sessions', () => {
  /** An authorization in `browser` for a user who already consented: a code, or the login page. */
  async function again(browser: TestBrowser): Promise<Page> {
    return authorizeWith(params({ state: 's' }), browser);
  }

  it('does not honour a session after its lifetime (8 h): the user signs in again', async () => {
    await createUser(t, 'nina');
    const { browser } = await obtainCode(t, client, { username: 'nina' });
    const signedIn = await again(browser);
    expect(new URL(signedIn.location!).searchParams.get('code')).toBeTruthy();
    t.clock.advance(8 * 3600 + 1);
    const expired = await again(browser);
    expect(expired.status).toBe(302);
    expect(expired.location).toMatch(/^\/interaction\//);
  });

  it('does not honour a session cookie after sign-out, even when replayed', async () => {
    await createUser(t, 'olga');
    const { browser } = await obtainCode(t, client, { username: 'olga' });
    const sessionId = browser.cookie('lk_session')!;
    const home = await browser.get(`${t.url}/`);
    expect(home.status).toBe(200);
    const out = await browser.post(`${t.url}/logout`, { csrf_token: csrfToken(home.text) });
    expect(out.status).toBe(200);
    browser.setCookie('lk_session', sessionId);
    const replayed = await again(browser);
    expect(replayed.location).toMatch(/^\/interaction\//);
    expect(await countRows(t, 'sessions', 'id_digest = ?', sha256(sessionId))).toBe(0);
  });

  it('does not honour a made-up session cookie', async () => {
    const browser = new TestBrowser();
    browser.setCookie('lk_session', 'A'.repeat(43));
    const page = await again(browser);
    expect(page.location).toMatch(/^\/interaction\//);
  });
});

describe('the interaction pages', () => {
  beforeAll(async () => {
    for (const name of ['erin', 'frank', 'gina', 'hank', 'ivy', 'jack', 'kate']) await createUser(t, name);
  });

  it('refuses a login POST without or with a wrong csrf_token (403), and signs nobody in', async () => {
    const { browser, interaction } = await reachLogin(t, client);
    const before = await issuedCounts(t);
    for (const csrf of [undefined, 'wrong', '', `${browser.cookie('lk_browser')}x`]) {
      const form: Record<string, string> = { username: 'erin', password: PASSWORD };
      if (csrf !== undefined) form.csrf_token = csrf;
      const page = await browser.post(`${interaction}/login`, form);
      expectErrorPage(page, 403);
    }
    expect(await issuedCounts(t)).toEqual(before);
    expect(browser.cookie('lk_session')).toBeUndefined();
  });

  it('escapes the user name echoed on a failed login page', async () => {
    const { browser, page, interaction } = await reachLogin(t, client);
    const evil = '"><script>alert(1)</script>';
    const failed = await browser.post(`${interaction}/login`, {
      csrf_token: csrfToken(page.text),
      username: evil,
      password: 'wrong',
    });
    expect(failed.status).toBe(401);
    expect(failed.text).not.toContain('<script>alert');
    expect(failed.text).toContain('&lt;script&gt;');
    expect(browser.cookie('lk_session')).toBeUndefined();
  });

  it('refuses a login POST from a browser without the CSRF cookie', async () => {
    const { page, interaction } = await reachLogin(t, client);
    const stranger = new TestBrowser();
    const answer = await stranger.post(`${interaction}/login`, {
      csrf_token: csrfToken(page.text),
      username: 'erin',
      password: PASSWORD,
    });
    // Refused either as a CSRF failure (403) or as another browser's interaction (400).
    expect([400, 403]).toContain(answer.status);
    expectErrorPage(answer, answer.status);
    expect(stranger.cookie('lk_session')).toBeUndefined();
  });

  it('refuses a consent POST without or with a wrong csrf_token (403), and issues no code', async () => {
    const { browser, interaction } = await reachConsent(t, client, 'frank');
    const before = await issuedCounts(t);
    for (const csrf of [undefined, 'wrong']) {
      const form: Record<string, string> = { decision: 'allow' };
      if (csrf !== undefined) form.csrf_token = csrf;
      expectErrorPage(await browser.post(`${interaction}/consent`, form), 403);
    }
    expect(await issuedCounts(t)).toEqual(before);
  });

  it("refuses another browser's interaction (400), even with that browser's own valid CSRF token", async () => {
    const { interaction } = await reachLogin(t, client);
    const other = new TestBrowser();
    // The other browser gets its own CSRF cookie from the plain login page.
    const own = await other.get(`${t.url}/login`);
    const before = await issuedCounts(t);
    expectErrorPage(await other.get(interaction), 400);
    expectErrorPage(
      await other.post(`${interaction}/login`, {
        csrf_token: csrfToken(own.text),
        username: 'gina',
        password: PASSWORD,
      }),
      400,
    );
    expect(await issuedCounts(t)).toEqual(before);
    expect(other.cookie('lk_session')).toBeUndefined();
  });

  it("refuses another browser's consent POST, and the rightful browser can still finish", async () => {
    const { browser, page, interaction } = await reachConsent(t, client, 'hank');
    const other = new TestBrowser();
    const own = await other.get(`${t.url}/login`);
    expectErrorPage(
      await other.post(`${interaction}/consent`, { csrf_token: csrfToken(own.text), decision: 'allow' }),
      400,
    );
    const done = await browser.post(`${interaction}/consent`, {
      csrf_token: csrfToken(page.text),
      decision: 'allow',
    });
    expect(done.status).toBe(303);
    expect(new URL(done.location!).searchParams.get('code')).toBeTruthy();
  });

  it('refuses an unknown or over-long interaction id (400)', async () => {
    const browser = new TestBrowser();
    await browser.get(`${t.url}/login`);
    expectErrorPage(await browser.get(`${t.url}/interaction/unknown-id`), 400);
    const longId = await browser.get(`${t.url}/interaction/${'a'.repeat(150)}`);
    expect(longId.status).toBeGreaterThanOrEqual(400);
    expect(longId.status).toBeLessThan(500);
    expect(longId.location).toBeNull();
  });

  it('refuses an expired interaction (after 900 s) on every page', async () => {
    const login = await reachLogin(t, client);
    const consent = await reachConsent(t, client, 'ivy');
    t.clock.advance(901);
    const before = await issuedCounts(t);
    expectErrorPage(await login.browser.get(login.interaction), 400);
    expectErrorPage(
      await login.browser.post(`${login.interaction}/login`, {
        csrf_token: csrfToken(login.page.text),
        username: 'ivy',
        password: PASSWORD,
      }),
      400,
    );
    expectErrorPage(
      await consent.browser.post(`${consent.interaction}/consent`, {
        csrf_token: csrfToken(consent.page.text),
        decision: 'allow',
      }),
      400,
    );
    expect(await issuedCounts(t)).toEqual(before);
  });

  it('refuses a consent decision other than allow or deny (400), issuing nothing', async () => {
    const { browser, page, interaction } = await reachConsent(t, client, 'jack');
    const before = await issuedCounts(t);
    for (const decision of ['', 'yes', 'ALLOW', 'allow ', 'auto']) {
      const answer = await browser.post(`${interaction}/consent`, {
        csrf_token: csrfToken(page.text),
        decision,
      });
      expect({ decision, status: answer.status }).toEqual({ decision, status: 400 });
      expectErrorPage(answer, 400);
    }
    expect(await issuedCounts(t)).toEqual(before);
  });

  it('cannot be completed twice: the second consent is refused and only one code exists', async () => {
    const user = await createUser(t, 'lena');
    const { browser, page, interaction } = await reachConsent(t, client, 'lena');
    const form = { csrf_token: csrfToken(page.text), decision: 'allow' };
    const first = await browser.post(`${interaction}/consent`, form);
    expect(first.status).toBe(303);
    expect(new URL(first.location!).searchParams.get('code')).toBeTruthy();
    const second = await browser.post(`${interaction}/consent`, form);
    expectErrorPage(second, 400);
    const deny = await browser.post(`${interaction}/consent`, { ...form, decision: 'deny' });
    expectErrorPage(deny, 400);
    expect(await countRows(t, 'authorization_codes', 'user_id = ?', user.id)).toBe(1);
  });

  it('refuses a deny after the interaction was used, and issues nothing on deny', async () => {
    const user = await createUser(t, 'mona');
    const { browser, page, interaction } = await reachConsent(t, client, 'mona', { state: 'deny-state' });
    const denied = await browser.post(`${interaction}/consent`, {
      csrf_token: csrfToken(page.text),
      decision: 'deny',
    });
    expect(denied.status).toBe(303);
    const location = new URL(denied.location!);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('deny-state');
    expect(location.searchParams.get('code')).toBeNull();
    expectErrorPage(
      await browser.post(`${interaction}/consent`, { csrf_token: csrfToken(page.text), decision: 'allow' }),
      400,
    );
    expect(await countRows(t, 'authorization_codes', 'user_id = ?', user.id)).toBe(0);
    expect(await countRows(t, 'consents', 'user_id = ?', user.id)).toBe(0);
  });
});
