/**
 * OpenID Connect RP-Initiated Logout over real HTTP: the end_session_endpoint, its confirmation
 * page, and every way a logout request can be wrong (none of which may redirect or sign out).
 */

import { createHash } from 'node:crypto';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { type JWTPayload, signJwt } from '../../src/crypto/keys.js';
import {
  END_SESSION_CONFIRM_PATH,
  END_SESSION_PATH,
  RESUBMIT_FIELD,
} from '../../src/http/routes/end-session.js';
import { FORM_POST_SCRIPT } from '../../src/pages/index.js';
import type { ServiceDeps } from '../../src/services/deps.js';
import { signingKey } from '../../src/services/signing-keys.js';
import { subjectFor } from '../../src/services/subject.js';
import { csrfToken, type Page, TestBrowser } from '../helpers/browser.js';
import { expectErrorPage, expectNoServerErrors, watchStatuses } from '../helpers/negative.js';
import { createClient, createUser, PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

const SIGNED_OUT = 'http://127.0.0.1:5999/signed-out';
const OTHER_SIGNED_OUT = 'http://127.0.0.1:5999/bye?from=op';

let t: TestServer;
let deps: ServiceDeps;
let restore: () => void;
let clientId: string;
let otherClientId: string;
let pairwiseClientId: string;
let alice: { id: string };
let bob: { id: string };

beforeAll(async () => {
  restore = watchStatuses();
  t = await startTestServer();
  deps = { store: t.server.store, clock: t.clock, config: t.server.config };
  alice = await createUser(t, 'alice');
  bob = await createUser(t, 'bob');
  clientId = (
    await createClient(t, {
      client_name: 'Logout App',
      post_logout_redirect_uris: [SIGNED_OUT, OTHER_SIGNED_OUT],
    })
  ).client.clientId;
  otherClientId = (await createClient(t, { client_name: 'Other App' })).client.clientId;
  pairwiseClientId = (
    await createClient(t, {
      client_name: 'Pairwise App',
      // A pairwise client's redirect URIs name its sector: a real https host, not loopback.
      redirect_uris: ['https://pairwise.example.com/callback'],
      subject_type: 'pairwise',
      post_logout_redirect_uris: [SIGNED_OUT],
    })
  ).client.clientId;
});
afterEach(() => expectNoServerErrors());
afterAll(async () => {
  await t.close();
  restore();
});

async function signedInBrowser(username = 'alice'): Promise<TestBrowser> {
  const browser = new TestBrowser();
  const login = await browser.get(`${t.url}/login`);
  const done = await browser.post(`${t.url}/login`, {
    csrf_token: csrfToken(login.text),
    username,
    password: PASSWORD,
  });
  expect(done.status).toBe(303);
  expect(await isSignedIn(browser)).toBe(true);
  return browser;
}

async function isSignedIn(browser: TestBrowser): Promise<boolean> {
  const home = await browser.get(`${t.url}/`);
  if (home.status === 302) {
    expect(home.location).toBe('/login');
    return false;
  }
  expect(home.status).toBe(200);
  return true;
}

const endSession = (params: Record<string, string> | [string, string][]) =>
  `${t.url}${END_SESSION_PATH}?${new URLSearchParams(params)}`;

/** The confirmation form's hidden fields, as the browser would send them back. */
function hiddenFields(page: Page): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of page.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    out[m[1]!] = m[2]!
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  }
  return out;
}

function expectConfirmation(page: Page): void {
  expect(page.status).toBe(200);
  expect(page.location).toBeNull();
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(page.text).toContain('<h1>Sign out of Latchkey?</h1>');
  expect(page.text).toContain(`action="${END_SESSION_CONFIRM_PATH}"`);
}

/** The page that posts a cookie-less logout POST again, from Latchkey's origin. */
function expectResubmitForm(page: Page): void {
  expect(page.status).toBe(200);
  expect(page.location).toBeNull();
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(page.headers.get('cache-control')).toBe('no-store');
  expect(page.text).toContain(`<form method="post" action="${END_SESSION_PATH}">`);
  expect(page.text).toContain(`<input type="hidden" name="${RESUBMIT_FIELD}" value="1">`);
  expect(page.text).not.toContain(END_SESSION_CONFIRM_PATH);
  // The one script Latchkey serves, admitted by its hash.
  const hash = createHash('sha256').update(FORM_POST_SCRIPT).digest('base64');
  expect(page.headers.get('content-security-policy')).toContain(`script-src 'sha256-${hash}'`);
  // It reads no cookie it could not see, and sets none.
  expect(page.headers.getSetCookie()).toEqual([]);
}

/** A POST as another site's auto-submitting form sends it: none of Latchkey's cookies. */
async function crossSitePost(body: string | Record<string, string>): Promise<Page> {
  const url = `${t.url}${END_SESSION_PATH}`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: typeof body === 'string' ? body : new URLSearchParams(body).toString(),
    redirect: 'manual',
  });
  return {
    status: response.status,
    headers: response.headers,
    location: response.headers.get('location'),
    text: await response.text(),
    url,
  };
}

const confirm = (browser: TestBrowser, page: Page, decision: 'logout' | 'stay') =>
  browser.post(`${t.url}${END_SESSION_CONFIRM_PATH}`, { ...hiddenFields(page), decision });

async function idToken(overrides: JWTPayload = {}): Promise<string> {
  const now = t.clock.now();
  return signJwt(await signingKey(deps, 'RS256'), 'JWT', {
    iss: t.url,
    sub: alice.id,
    aud: clientId,
    azp: clientId,
    iat: now,
    exp: now + 3600,
    auth_time: now,
    nonce: 'n-1',
    sid: 'sid-1',
    ...overrides,
  });
}

describe('RP-initiated logout with a session', () => {
  it('confirms, signs out and returns to the registered URI with the state', async () => {
    const browser = await signedInBrowser();
    const page = await browser.get(
      endSession({ client_id: clientId, post_logout_redirect_uri: SIGNED_OUT, state: 'st&te 1' }),
    );
    expectConfirmation(page);
    expect(page.text).toContain('Requested by <strong>Logout App</strong>');
    expect(page.text).toContain('You are signed in as <strong>alice</strong>.');
    expect(page.text).toContain('sent to <strong>http://127.0.0.1:5999</strong>');
    // The form's post ends in a redirect to the app, which the CSP's form-action must allow.
    expect(page.headers.get('content-security-policy')).toContain("form-action 'self' http://127.0.0.1:5999");
    // Asking is not doing: the session is still there.
    expect(await isSignedIn(browser)).toBe(true);

    const done = await confirm(browser, page, 'logout');
    expect(done.status).toBe(303);
    expect(done.location).toBe(`${SIGNED_OUT}?state=st%26te%201`);
    expect(new URL(done.location!).searchParams.get('state')).toBe('st&te 1');
    expect(done.headers.getSetCookie().join('\n')).toMatch(/lk_session=;/);
    expect(await isSignedIn(browser)).toBe(false);
  });

  it('ends the session on the server, not only the cookie', async () => {
    const browser = await signedInBrowser();
    const stolen = browser.cookie('lk_session')!;
    const page = await browser.get(endSession({ client_id: clientId }));
    expect((await confirm(browser, page, 'logout')).status).toBe(200);
    const replay = new TestBrowser();
    replay.setCookie('lk_session', stolen);
    expect(await isSignedIn(replay)).toBe(false);
  });

  it('shows the signed-out page when no redirect was asked for', async () => {
    const browser = await signedInBrowser();
    const page = await browser.get(`${t.url}${END_SESSION_PATH}`);
    expectConfirmation(page);
    expect(page.text).not.toContain('Requested by');
    expect(page.headers.get('content-security-policy')).toContain("form-action 'self';");
    const done = await confirm(browser, page, 'logout');
    expect(done.status).toBe(200);
    expect(done.location).toBeNull();
    expect(done.text).toContain('<h1>You are signed out</h1>');
    expect(await isSignedIn(browser)).toBe(false);
  });

  it('keeps a registered URI’s own query, and leaves out an absent state', async () => {
    const browser = await signedInBrowser();
    const page = await browser.get(
      endSession({ client_id: clientId, post_logout_redirect_uri: OTHER_SIGNED_OUT }),
    );
    const done = await confirm(browser, page, 'logout');
    expect(done.location).toBe(OTHER_SIGNED_OUT);
  });

  it('"Stay signed in" keeps the session and still returns to the app', async () => {
    const browser = await signedInBrowser();
    const page = await browser.get(
      endSession({ client_id: clientId, post_logout_redirect_uri: SIGNED_OUT, state: 's2' }),
    );
    const stay = await confirm(browser, page, 'stay');
    expect(stay.status).toBe(303);
    expect(stay.location).toBe(`${SIGNED_OUT}?state=s2`);
    expect(stay.headers.getSetCookie().join('\n')).not.toMatch(/lk_session/);
    expect(await isSignedIn(browser)).toBe(true);
  });

  it('"Stay signed in" without a redirect goes home, signed in', async () => {
    const browser = await signedInBrowser();
    const stay = await confirm(browser, await browser.get(endSession({ client_id: clientId })), 'stay');
    expect(stay.status).toBe(303);
    expect(stay.location).toBe('/');
    expect(await isSignedIn(browser)).toBe(true);
  });

  it('accepts the logout request as a POSTed form (§2)', async () => {
    const browser = await signedInBrowser();
    const page = await browser.post(`${t.url}${END_SESSION_PATH}`, {
      client_id: clientId,
      post_logout_redirect_uri: SIGNED_OUT,
      state: 'posted',
    });
    expectConfirmation(page);
    const done = await confirm(browser, page, 'logout');
    expect(done.location).toBe(`${SIGNED_OUT}?state=posted`);
    expect(await isSignedIn(browser)).toBe(false);
  });
});

describe('a cross-site POST (the session cookie withheld)', () => {
  it('is posted again from Latchkey’s origin, then confirmed and signed out', async () => {
    const browser = await signedInBrowser();
    const posted = await crossSitePost({
      client_id: clientId,
      post_logout_redirect_uri: SIGNED_OUT,
      state: 'x-site',
    });
    expectResubmitForm(posted);
    expect(hiddenFields(posted)).toEqual({
      client_id: clientId,
      post_logout_redirect_uri: SIGNED_OUT,
      state: 'x-site',
      [RESUBMIT_FIELD]: '1',
    });
    // Were nobody signed in, the re-post would redirect to the app: form-action must allow it.
    expect(posted.headers.get('content-security-policy')).toContain(
      "form-action 'self' http://127.0.0.1:5999;",
    );
    expect(await isSignedIn(browser)).toBe(true);

    // The page's form, posted from Latchkey's origin, carries the cookie: the user is asked.
    const page = await browser.post(`${t.url}${END_SESSION_PATH}`, hiddenFields(posted));
    expectConfirmation(page);
    expect(page.text).toContain('You are signed in as <strong>alice</strong>.');
    expect(hiddenFields(page)).not.toHaveProperty(RESUBMIT_FIELD);
    const done = await confirm(browser, page, 'logout');
    expect(done.status).toBe(303);
    expect(done.location).toBe(`${SIGNED_OUT}?state=x-site`);
    expect(await isSignedIn(browser)).toBe(false);
  });

  it('carries an id_token_hint in the form body, not in a URL', async () => {
    const browser = await signedInBrowser();
    const hint = await idToken();
    const posted = await crossSitePost({ id_token_hint: hint, post_logout_redirect_uri: SIGNED_OUT });
    expectResubmitForm(posted);
    expect(hiddenFields(posted).id_token_hint).toBe(hint);
    const page = await browser.post(`${t.url}${END_SESSION_PATH}`, hiddenFields(posted));
    expectConfirmation(page);
    expect(page.text).toContain('Requested by <strong>Logout App</strong>');
  });

  it('allows only its own origin as a form target when no redirect was asked for', async () => {
    const posted = await crossSitePost({ client_id: clientId });
    expectResubmitForm(posted);
    expect(posted.headers.get('content-security-policy')).toContain("form-action 'self';");
  });

  it('a re-posted request without the cookie finds nobody signed in, and ends nothing', async () => {
    // The marker only lets the request conclude there is no session; a site that sends it itself
    // gets the redirect it would get for a signed-out user, and the real session lives on.
    const browser = await signedInBrowser();
    const forged = await crossSitePost({
      client_id: clientId,
      post_logout_redirect_uri: SIGNED_OUT,
      state: 'f',
      [RESUBMIT_FIELD]: '1',
    });
    expect({ status: forged.status, location: forged.location }).toEqual({
      status: 303,
      location: `${SIGNED_OUT}?state=f`,
    });
    expect(forged.headers.getSetCookie()).toEqual([]);
    expect(await isSignedIn(browser)).toBe(true);
  });

  it('ignores the marker on a POST that has the cookie: the user is asked as usual', async () => {
    const browser = await signedInBrowser();
    const page = await browser.post(`${t.url}${END_SESSION_PATH}`, {
      client_id: clientId,
      [RESUBMIT_FIELD]: '1',
    });
    expectConfirmation(page);
  });

  it('refuses an invalid request before re-posting anything', async () => {
    const bodies: (string | Record<string, string>)[] = [
      { client_id: clientId, post_logout_redirect_uri: 'https://evil.example/' },
      { post_logout_redirect_uri: SIGNED_OUT },
      { client_id: 'nobody' },
      { id_token_hint: 'not-a-jwt' },
      `client_id=${clientId}&post_logout_redirect_uri=${encodeURIComponent(SIGNED_OUT)}&state=a&state=b`,
      `client_id=${clientId}&${RESUBMIT_FIELD}=1&${RESUBMIT_FIELD}=1`,
      `client_id=${clientId}&state=${'s'.repeat(2049)}`,
    ];
    for (const body of bodies) {
      const page = await crossSitePost(body);
      expectErrorPage(page);
      expect(page.text).not.toContain('<form');
      expect(page.headers.getSetCookie()).toEqual([]);
    }
  });
});

describe('RP-initiated logout without a session', () => {
  it('goes straight back to the registered URI with the state', async () => {
    const browser = new TestBrowser();
    const page = await browser.get(
      endSession({ client_id: clientId, post_logout_redirect_uri: SIGNED_OUT, state: 'gone' }),
    );
    expect(page.status).toBe(302);
    expect(page.location).toBe(`${SIGNED_OUT}?state=gone`);
    // A POST without the session cookie is posted once more from Latchkey's origin first (see
    // 'a cross-site POST' below); only the re-posted request may find nobody signed in.
    const posted = await browser.post(`${t.url}${END_SESSION_PATH}`, {
      client_id: clientId,
      post_logout_redirect_uri: SIGNED_OUT,
    });
    expectResubmitForm(posted);
    const reposted = await browser.post(`${t.url}${END_SESSION_PATH}`, hiddenFields(posted));
    expect({ status: reposted.status, location: reposted.location }).toEqual({
      status: 303,
      location: SIGNED_OUT,
    });
  });

  it('shows the signed-out page without a redirect, also for a session that ended', async () => {
    const page = await new TestBrowser().get(endSession({ client_id: clientId }));
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1>You are signed out</h1>');

    const browser = await signedInBrowser();
    t.clock.advance(t.server.config.sessions.ttl + 1);
    try {
      const expired = await browser.get(endSession({}));
      expect(expired.status).toBe(200);
      expect(expired.text).toContain('<h1>You are signed out</h1>');
      expect(expired.headers.getSetCookie().join('\n')).toMatch(/lk_session=;/);
    } finally {
      t.clock.advance(-(t.server.config.sessions.ttl + 1));
    }
  });

  it('still refuses an unregistered URI instead of redirecting to it', async () => {
    const page = await new TestBrowser().get(
      endSession({ client_id: clientId, post_logout_redirect_uri: 'https://evil.example/' }),
    );
    expectErrorPage(page);
  });
});

describe('invalid logout requests: an error page, no redirect, still signed in', () => {
  // Tables are built before beforeAll runs, so they name the clients by placeholder.
  const cases: [string, Record<string, string> | [string, string][]][] = [
    [
      'an unregistered post_logout_redirect_uri',
      { client_id: 'CLIENT', post_logout_redirect_uri: 'https://evil.example/' },
    ],
    ['a near miss of a registered URI', { client_id: 'CLIENT', post_logout_redirect_uri: `${SIGNED_OUT}/` }],
    ['a URI registered for no client', { client_id: 'OTHER', post_logout_redirect_uri: SIGNED_OUT }],
    [
      'a post_logout_redirect_uri with no client_id or id_token_hint',
      { post_logout_redirect_uri: SIGNED_OUT },
    ],
    ['an unknown client_id', { client_id: 'nobody', post_logout_redirect_uri: SIGNED_OUT }],
    [
      'a repeated post_logout_redirect_uri',
      [
        ['client_id', 'CLIENT'],
        ['post_logout_redirect_uri', SIGNED_OUT],
        ['post_logout_redirect_uri', 'https://evil.example/'],
      ],
    ],
    [
      'a repeated state',
      [
        ['client_id', 'CLIENT'],
        ['post_logout_redirect_uri', SIGNED_OUT],
        ['state', 'a'],
        ['state', 'b'],
      ],
    ],
    ['a garbage id_token_hint', { id_token_hint: 'not-a-jwt', post_logout_redirect_uri: SIGNED_OUT }],
  ];

  it.each(cases)('refuses %s', async (_name, params) => {
    const resolved = Array.isArray(params) ? params : Object.entries(params);
    const browser = await signedInBrowser();
    const page = await browser.get(endSession(resolved.map(([k, v]): [string, string] => [k, fixIds(v)])));
    expectErrorPage(page);
    expect(page.text).not.toContain(END_SESSION_CONFIRM_PATH);
    expect(await isSignedIn(browser)).toBe(true);
  });

  it('refuses a repeated parameter in a POSTed form', async () => {
    const browser = await signedInBrowser();
    const response = await fetch(`${t.url}${END_SESSION_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(browser) },
      body: `client_id=${clientId}&client_id=${clientId}`,
      redirect: 'manual',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await isSignedIn(browser)).toBe(true);
  });

  it('refuses a body that is not a form', async () => {
    const response = await fetch(`${t.url}${END_SESSION_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: clientId, post_logout_redirect_uri: SIGNED_OUT }),
      redirect: 'manual',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('location')).toBeNull();
  });

  it('answers other methods with 405 and Allow', async () => {
    const put = await fetch(`${t.url}${END_SESSION_PATH}`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST');
    const get = await fetch(`${t.url}${END_SESSION_CONFIRM_PATH}`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });
});

describe('the confirmation form', () => {
  it('refuses a post without the CSRF token, or with another browser’s, and keeps the session', async () => {
    const browser = await signedInBrowser();
    const page = await browser.get(endSession({ client_id: clientId, post_logout_redirect_uri: SIGNED_OUT }));
    const { csrf_token: _, ...fields } = hiddenFields(page);
    const missing = await browser.post(`${t.url}${END_SESSION_CONFIRM_PATH}`, {
      ...fields,
      decision: 'logout',
    });
    expectErrorPage(missing, 403);
    const other = await signedInBrowser('bob');
    const otherToken = hiddenFields(await other.get(endSession({}))).csrf_token!;
    const wrong = await browser.post(`${t.url}${END_SESSION_CONFIRM_PATH}`, {
      ...fields,
      csrf_token: otherToken,
      decision: 'logout',
    });
    expectErrorPage(wrong, 403);
    expect(await isSignedIn(browser)).toBe(true);
    expect(await isSignedIn(other)).toBe(true);
  });

  it('validates the hidden fields again: a swapped redirect URI is refused', async () => {
    const browser = await signedInBrowser();
    const page = await browser.get(endSession({ client_id: clientId, post_logout_redirect_uri: SIGNED_OUT }));
    const fields = hiddenFields(page);
    for (const tampered of [
      { ...fields, post_logout_redirect_uri: 'https://evil.example/' },
      { ...fields, client_id: otherClientId },
      { ...fields, client_id: '' },
    ]) {
      const done = await browser.post(`${t.url}${END_SESSION_CONFIRM_PATH}`, {
        ...tampered,
        decision: 'logout',
      });
      expectErrorPage(done);
    }
    expect(await isSignedIn(browser)).toBe(true);
  });

  it('refuses a missing or unknown decision', async () => {
    const browser = await signedInBrowser();
    const page = await browser.get(endSession({ client_id: clientId }));
    for (const decision of ['', 'yes']) {
      const done = await browser.post(`${t.url}${END_SESSION_CONFIRM_PATH}`, {
        ...hiddenFields(page),
        decision,
      });
      expectErrorPage(done);
    }
    expect(await isSignedIn(browser)).toBe(true);
  });
});

describe('id_token_hint', () => {
  it('identifies the client instead of client_id, and the hint travels through the form', async () => {
    const browser = await signedInBrowser();
    const hint = await idToken();
    const page = await browser.get(
      endSession({ id_token_hint: hint, post_logout_redirect_uri: SIGNED_OUT, state: 'h' }),
    );
    expectConfirmation(page);
    expect(page.text).toContain('Requested by <strong>Logout App</strong>');
    expect(page.text).not.toContain('different account');
    expect(hiddenFields(page).id_token_hint).toBe(hint);
    const done = await confirm(browser, page, 'logout');
    expect(done.location).toBe(`${SIGNED_OUT}?state=h`);
    expect(await isSignedIn(browser)).toBe(false);
  });

  it('accepts an expired hint (§2)', async () => {
    const hint = await idToken({ iat: t.clock.now() - 7 * 86400, exp: t.clock.now() - 6 * 86400 });
    const page = await new TestBrowser().get(
      endSession({ id_token_hint: hint, post_logout_redirect_uri: SIGNED_OUT }),
    );
    expect({ status: page.status, location: page.location }).toEqual({ status: 302, location: SIGNED_OUT });
  });

  it('with a matching client_id is fine; with another client_id is refused (§2)', async () => {
    const hint = await idToken();
    const ok = await new TestBrowser().get(
      endSession({ id_token_hint: hint, client_id: clientId, post_logout_redirect_uri: SIGNED_OUT }),
    );
    expect(ok.location).toBe(SIGNED_OUT);
    const browser = await signedInBrowser();
    const mismatch = await browser.get(
      endSession({ id_token_hint: hint, client_id: otherClientId, post_logout_redirect_uri: SIGNED_OUT }),
    );
    expectErrorPage(mismatch);
    expect(await isSignedIn(browser)).toBe(true);
  });

  it('refuses a hint signed by another key, even one claiming a published kid', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const kid = (await signingKey(deps, 'RS256')).kid;
    const now = t.clock.now();
    const forged = await new SignJWT({ iss: t.url, sub: alice.id, aud: clientId, iat: now, exp: now + 600 })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .sign(privateKey);
    const browser = await signedInBrowser();
    for (const params of [
      { id_token_hint: forged, post_logout_redirect_uri: SIGNED_OUT } as Record<string, string>,
      { id_token_hint: forged, client_id: clientId, post_logout_redirect_uri: SIGNED_OUT },
      { id_token_hint: forged },
    ]) {
      expectErrorPage(await browser.get(endSession(params)));
    }
    // Nor does a forged hint slipped into the confirmation form get anywhere.
    const page = await browser.get(endSession({ client_id: clientId, post_logout_redirect_uri: SIGNED_OUT }));
    const done = await browser.post(`${t.url}${END_SESSION_CONFIRM_PATH}`, {
      ...hiddenFields(page),
      id_token_hint: forged,
      decision: 'logout',
    });
    expectErrorPage(done);
    expect(await isSignedIn(browser)).toBe(true);
  });

  it('refuses another issuer’s token and an access token passed off as an ID token', async () => {
    const other = await idToken({ iss: 'https://other.example.com' });
    const key = await signingKey(deps, 'RS256');
    const now = t.clock.now();
    const accessToken = await signJwt(key, 'at+jwt', {
      iss: t.url,
      sub: alice.id,
      aud: clientId,
      client_id: clientId,
      iat: now,
      exp: now + 600,
      jti: 'j',
    });
    for (const hint of [other, accessToken]) {
      expectErrorPage(
        await new TestBrowser().get(
          endSession({ id_token_hint: hint, post_logout_redirect_uri: SIGNED_OUT }),
        ),
      );
    }
  });

  it('names the signed-in account when the hint is for someone else, and still confirms', async () => {
    const browser = await signedInBrowser('bob');
    const page = await browser.get(
      endSession({ id_token_hint: await idToken({ sub: alice.id }), post_logout_redirect_uri: SIGNED_OUT }),
    );
    expectConfirmation(page);
    expect(page.text).toContain('role="alert">Logout App asked to sign out a different account.');
    expect(page.text).toContain('You are signed in as <strong>bob</strong>.');
    expect(bob.id).not.toBe(alice.id);
  });

  it('matches a pairwise client’s sub to the signed-in user', async () => {
    const client = (await t.server.store.clients.findById(pairwiseClientId))!;
    const browser = await signedInBrowser();
    const sub = await subjectFor(deps, client, alice.id);
    const hint = await idToken({ sub, aud: pairwiseClientId, azp: pairwiseClientId });
    const page = await browser.get(endSession({ id_token_hint: hint, post_logout_redirect_uri: SIGNED_OUT }));
    expectConfirmation(page);
    expect(page.text).toContain('Requested by <strong>Pairwise App</strong>');
    expect(page.text).not.toContain('different account');
    // The user id itself is not what this client knows the user by.
    const raw = await browser.get(
      endSession({ id_token_hint: await idToken({ aud: pairwiseClientId, azp: pairwiseClientId }) }),
    );
    expect(raw.text).toContain('different account');
  });
});

describe('registering post_logout_redirect_uris from the CLI', () => {
  it('takes --post-logout-redirect-uri, repeated, and logout honours exactly those', async () => {
    const out: string[] = [];
    const code = await runCli(
      [
        'clients',
        'create',
        '-n',
        'CLI App',
        '-r',
        'https://cli.example.com/cb',
        '--post-logout-redirect-uri',
        'https://cli.example.com/bye',
        '--post-logout-redirect-uri',
        'https://cli.example.com/later',
        '--json',
      ],
      {
        out: (line) => out.push(line),
        err: (line) => out.push(line),
        env: { LATCHKEY_DATABASE_URL: t.databaseUrl, LATCHKEY_LOG_LEVEL: 'silent' },
        readStdin: async () => '',
      },
    );
    expect(code).toBe(0);
    const { client_id } = JSON.parse(out.join('\n')) as { client_id: string };
    for (const uri of ['https://cli.example.com/bye', 'https://cli.example.com/later']) {
      const page = await new TestBrowser().get(endSession({ client_id, post_logout_redirect_uri: uri }));
      expect({ status: page.status, location: page.location }).toEqual({ status: 302, location: uri });
    }
    expectErrorPage(
      await new TestBrowser().get(
        endSession({ client_id, post_logout_redirect_uri: 'https://cli.example.com/cb' }),
      ),
    );
  });

  it('refuses an unusable URI at registration', async () => {
    const err: string[] = [];
    const code = await runCli(
      [
        'clients',
        'create',
        '-n',
        'Bad',
        '-r',
        'https://bad.example.com/cb',
        '--post-logout-redirect-uri',
        'javascript:alert(1)',
      ],
      {
        out: () => {},
        err: (line) => err.push(line),
        env: { LATCHKEY_DATABASE_URL: t.databaseUrl, LATCHKEY_LOG_LEVEL: 'silent' },
        readStdin: async () => '',
      },
    );
    expect(code).not.toBe(0);
    expect(err.join('\n')).toMatch(/post_logout_redirect_uris/);
  });
});

function cookieHeader(browser: TestBrowser): string {
  return ['lk_session', 'lk_browser']
    .map((name) => [name, browser.cookie(name)] as const)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');
}

function fixIds(value: string): string {
  return value === 'CLIENT' ? clientId : value === 'OTHER' ? otherClientId : value;
}
