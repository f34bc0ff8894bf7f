/**
 * POST /oauth/authorize over real HTTP (OIDC Core §3.1.2.1). An app's auto-submitting form is a
 * cross-site POST, on which a browser withholds Latchkey's SameSite=Lax cookies; here that is a
 * POST sent without the cookie jar. Latchkey answers it with a 303 to the GET with the same
 * parameters, reading and setting no cookie, and the GET (a top-level navigation, which carries
 * the cookies) does the work.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REDIRECT_QUERY } from '../../src/http/routes/authorize.js';
import { csrfToken, formAction, type Page, TestBrowser } from '../helpers/browser.js';
import { authorize, authorizeUrl, exchangeCode, pkcePair } from '../helpers/flow.js';
import {
  asTestClient,
  expectErrorPage,
  expectNoServerErrors,
  REDIRECT_URI,
  type RegisteredTestClient,
  watchStatuses,
} from '../helpers/negative.js';
import { createClient, createUser, PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

let t: TestServer;
let client: RegisteredTestClient;
let restore: () => void;

beforeAll(async () => {
  restore = watchStatuses();
  t = await startTestServer();
  await createUser(t, 'alice');
  client = asTestClient(await createClient(t, { scope: 'openid profile' }));
});
afterEach(() => expectNoServerErrors());
afterAll(async () => {
  await t.close();
  restore();
});

/** A POST as another site's form sends it: a form body and none of Latchkey's cookies. */
async function crossSitePost(body: string, headers: Record<string, string> = FORM): Promise<Page> {
  const url = `${t.url}/oauth/authorize`;
  const response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual' });
  return {
    status: response.status,
    headers: response.headers,
    location: response.headers.get('location'),
    text: await response.text(),
    url,
  };
}

function requestParams(pkce = pkcePair(), extra: Record<string, string> = {}): Record<string, string> {
  const url = new URL(
    authorizeUrl({
      issuer: t.url,
      clientId: client.clientId,
      redirectUri: REDIRECT_URI,
      scope: 'openid profile',
      state: 'posted',
      challenge: pkce.challenge,
      extra: { nonce: 'n-post', ...extra },
    }),
  );
  return Object.fromEntries(url.searchParams);
}

function expectRedirectToGet(page: Page): URL {
  expect(page.status).toBe(303);
  expect(page.headers.get('cache-control')).toBe('no-store');
  expect(page.headers.getSetCookie()).toEqual([]);
  const location = new URL(page.location!, t.url);
  expect(location.origin + location.pathname).toBe(`${t.url}/oauth/authorize`);
  return location;
}

/** A browser signed in as alice that has consented to the client. */
async function consentedBrowser(): Promise<TestBrowser> {
  const { browser, redirect } = await authorize({
    issuer: t.url,
    clientId: client.clientId,
    redirectUri: REDIRECT_URI,
    scope: 'openid profile',
    challenge: pkcePair().challenge,
    extra: { nonce: 'n-setup' },
  });
  expect(redirect.searchParams.get('code')).toBeTruthy();
  return browser;
}

describe('a POST becomes a GET before any cookie is touched', () => {
  it('answers 303 to the GET with exactly the posted parameters, and sets no cookie', async () => {
    const params = requestParams(pkcePair(), { claims: '{"id_token":{"email":null}}', state: 'a b&c=d' });
    const posted = await crossSitePost(new URLSearchParams(params).toString());
    const location = expectRedirectToGet(posted);
    expect(Object.fromEntries(location.searchParams)).toEqual(params);
    expect(posted.text).toBe('');
  });

  it('gives a signed-in, consented user a code for prompt=none, keeping the browser secret', async () => {
    const browser = await consentedBrowser();
    const secret = browser.cookie('lk_browser');
    expect(secret).toBeTruthy();
    const pkce = pkcePair();
    const posted = await crossSitePost(
      new URLSearchParams(requestParams(pkce, { prompt: 'none' })).toString(),
    );
    const location = expectRedirectToGet(posted);

    // The browser follows the 303 as a top-level GET, which carries its cookies.
    const answer = await browser.get(location.toString());
    expect(answer.status).toBe(302);
    expect(answer.headers.getSetCookie()).toEqual([]);
    const back = new URL(answer.location!);
    expect(back.origin + back.pathname).toBe(REDIRECT_URI);
    expect(back.searchParams.get('error')).toBeNull();
    expect(back.searchParams.get('state')).toBe('posted');
    expect(browser.cookie('lk_browser')).toBe(secret);

    const tokens = await exchangeCode(t.url, client, {
      grant_type: 'authorization_code',
      code: back.searchParams.get('code')!,
      redirect_uri: REDIRECT_URI,
      code_verifier: pkce.verifier,
    });
    expect(tokens.status).toBe(200);
    expect(tokens.body.id_token).toEqual(expect.any(String));
  });

  it('leaves an interaction open in another tab usable (no new browser secret)', async () => {
    const browser = new TestBrowser();
    const login = await browser.follow(
      await browser.get(
        authorizeUrl({
          issuer: t.url,
          clientId: client.clientId,
          redirectUri: REDIRECT_URI,
          scope: 'openid',
          challenge: pkcePair().challenge,
        }),
      ),
      t.url,
    );
    expect(login.text).toContain('name="password"');
    const secret = browser.cookie('lk_browser');

    // Another site posts an authorization request; before, this answer set a fresh lk_browser,
    // which the browser would have stored over the real one.
    expectRedirectToGet(await crossSitePost(new URLSearchParams(requestParams()).toString()));

    expect(browser.cookie('lk_browser')).toBe(secret);
    const signedIn = await browser.post(new URL(formAction(login.text, '/login'), t.url).toString(), {
      csrf_token: csrfToken(login.text),
      username: 'alice',
      password: PASSWORD,
    });
    expect(signedIn.status).toBe(303);
  });

  it('without a session, a POST still reaches the login page through the GET', async () => {
    const browser = new TestBrowser();
    const posted = await browser.post(`${t.url}/oauth/authorize`, requestParams());
    expectRedirectToGet(posted);
    const next = await browser.get(new URL(posted.location!, t.url).toString());
    expect(next.status).toBe(302);
    expect(next.location).toMatch(/^\/interaction\//);
    const login = await browser.follow(next, t.url);
    expect(login.text).toContain('name="password"');
  });
});

describe('what the GET then refuses, it refuses as if posted', () => {
  it('keeps a repeated parameter repeated, so the GET refuses it', async () => {
    const params = new URLSearchParams(requestParams());
    params.append('scope', 'profile');
    const location = expectRedirectToGet(await crossSitePost(params.toString()));
    expect(location.searchParams.getAll('scope')).toEqual(['openid profile', 'profile']);
    const answer = await new TestBrowser().get(location.toString());
    expect(answer.status).toBe(302);
    const back = new URL(answer.location!);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('error_description')).toContain('scope');
    expect(back.searchParams.get('state')).toBe('posted');

    // A repeated client_id or state leaves nothing to trust or echo: an error page, no redirect.
    for (const name of ['client_id', 'state']) {
      const twice = new URLSearchParams(requestParams());
      twice.append(name, name === 'state' ? 'second' : client.clientId);
      const again = expectRedirectToGet(await crossSitePost(twice.toString()));
      expect(again.searchParams.getAll(name)).toHaveLength(2);
      expectErrorPage(await new TestBrowser().get(again.toString()));
    }
  });

  it('turns an empty form into a bare GET, an error page', async () => {
    const location = expectRedirectToGet(await crossSitePost(''));
    expect(location.search).toBe('');
    expectErrorPage(await new TestBrowser().get(location.toString()));
  });

  it('refuses an unknown client at the GET with a page, not a redirect', async () => {
    const location = expectRedirectToGet(
      await crossSitePost(new URLSearchParams({ ...requestParams(), client_id: 'nobody' }).toString()),
    );
    expectErrorPage(await new TestBrowser().get(location.toString()));
  });
});

describe('refused at the POST', () => {
  it('answers a body that is not a form with a 400 page', async () => {
    for (const headers of [{ 'content-type': 'application/json' }, { 'content-type': 'text/plain' }]) {
      const page = await crossSitePost(JSON.stringify(requestParams()), headers);
      expectErrorPage(page, 400);
      expect(page.headers.getSetCookie()).toEqual([]);
    }
  });

  it('refuses a form too long to travel as a GET, with a page', async () => {
    const body = new URLSearchParams({ ...requestParams(), pad: 'x'.repeat(MAX_REDIRECT_QUERY) });
    const page = await crossSitePost(body.toString());
    expectErrorPage(page, 400);
    expect(page.text).toContain('too long');
    expect(page.headers.getSetCookie()).toEqual([]);
  });
});
