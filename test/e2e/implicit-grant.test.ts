/**
 * The implicit grant (RFC 6749 §4.2) over real HTTP, through the real login and consent pages:
 * the access token comes back in the redirect URI's fragment (§4.2.2) with token_type, expires_in,
 * scope, state and (RFC 9207) iss, never a refresh token or a code; errors after the redirect URI
 * is verified go in the fragment too (§4.2.2.1), and before that they are a page. Registration
 * keeps grant_types and response_types in step (RFC 7591 §2.1). Nothing answers 5xx.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { csrfToken, formAction, type Page, TestBrowser } from '../helpers/browser.js';
import { authorize, authorizeUrl, pkcePair } from '../helpers/flow.js';
import {
  asTestClient,
  basic,
  callApi,
  countRows,
  expectErrorPage,
  expectNoServerErrors,
  expectTokenError,
  issuedCounts,
  postToken,
  REDIRECT_URI,
  type RegisteredTestClient,
  readJson,
  watchStatuses,
} from '../helpers/negative.js';
import { createClient, createUser, PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

const IMPLICIT_TTL = 900;
const STATE = 'st ate&x=1/ü';
/** A registered redirect URI with a query of its own, which §3.1.2 says must be kept. */
const REDIRECT_WITH_QUERY = 'http://127.0.0.1:5999/spa?app=1';

let t: TestServer;
let restoreFetch: () => void;
/** implicit only, public (client_id alone at the revocation endpoint), scope "profile email". */
let spa: RegisteredTestClient;
/** implicit only, confidential, asks for consent once. */
let confidential: RegisteredTestClient;
/** implicit only, confidential, skip_consent. */
let firstParty: RegisteredTestClient;
/** implicit only, with its own access token lifetime. */
let shortLived: RegisteredTestClient;
/** The default registration: authorization_code + refresh_token. */
let codeClient: RegisteredTestClient;
let aliceId: string;

beforeAll(async () => {
  restoreFetch = watchStatuses();
  t = await startTestServer({ tokens: { accessTokenTtlByGrant: { implicit: IMPLICIT_TTL } } });
  spa = asTestClient(
    await t.server.registerClient({
      client_name: 'Legacy SPA',
      grant_types: ['implicit'],
      redirect_uris: [REDIRECT_URI, REDIRECT_WITH_QUERY],
      scope: 'profile email',
      token_endpoint_auth_method: 'none',
    }),
  );
  confidential = asTestClient(
    await t.server.registerClient({
      client_name: 'Legacy web app',
      grant_types: ['implicit'],
      redirect_uris: [REDIRECT_URI],
      scope: 'profile email',
    }),
  );
  firstParty = asTestClient(
    await t.server.registerClient({
      client_name: 'First party',
      grant_types: ['implicit'],
      redirect_uris: [REDIRECT_URI],
      skip_consent: true,
    }),
  );
  shortLived = asTestClient(
    await t.server.registerClient({
      client_name: 'Short lived',
      grant_types: ['implicit'],
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'none',
      access_token_ttl: 300,
    }),
  );
  codeClient = asTestClient(await createClient(t, { client_name: 'Code only' }));
  aliceId = (await createUser(t, 'alice')).id;
  await createUser(t, 'bob');
});
afterAll(async () => {
  await t?.close();
  restoreFetch();
});
// "No request in the suite gets a 5xx."
afterEach(() => expectNoServerErrors());

interface ImplicitRequest {
  client: RegisteredTestClient;
  scope?: string;
  state?: string | null;
  redirectUri?: string;
  extra?: Record<string, string>;
}

/** The authorization request URL for response_type=token (no PKCE: the implicit grant has none). */
function implicitUrl(o: ImplicitRequest): string {
  const url = new URL(`${t.url}/oauth/authorize`);
  url.searchParams.set('response_type', 'token');
  url.searchParams.set('client_id', o.client.clientId);
  url.searchParams.set('redirect_uri', o.redirectUri ?? REDIRECT_URI);
  if (o.scope) url.searchParams.set('scope', o.scope);
  if (o.state !== null) url.searchParams.set('state', o.state ?? STATE);
  for (const [name, value] of Object.entries(o.extra ?? {})) url.searchParams.set(name, value);
  return url.toString();
}

/** Authorize → login → consent through the real pages; the final redirect to the client. */
async function implicitFlow(
  o: ImplicitRequest & { username?: string; decision?: 'allow' | 'deny'; browser?: TestBrowser },
): Promise<{ redirect: URL; last: Page; pages: Page[]; browser: TestBrowser }> {
  const extra: Record<string, string> = { response_type: 'token', ...o.extra };
  if (o.state !== null) extra.state = o.state ?? STATE;
  const { redirect, pages, browser } = await authorize({
    issuer: t.url,
    clientId: o.client.clientId,
    redirectUri: o.redirectUri ?? REDIRECT_URI,
    scope: o.scope,
    username: o.username ?? 'alice',
    decision: o.decision,
    browser: o.browser,
    extra,
  });
  return { redirect, last: pages.at(-1)!, pages, browser };
}

/** The response parameters in the fragment. */
function fragmentOf(location: URL): URLSearchParams {
  return new URLSearchParams(location.hash.slice(1));
}

/**
 * A §4.2.2 success: to the registered URI with its query untouched, and in the fragment exactly
 * access_token, token_type, expires_in, scope, (state,) iss — no refresh token, no code.
 */
function expectTokenInFragment(
  redirect: URL,
  expected: { scope: string; expiresIn?: number; state?: string | null; redirectUri?: string },
): string {
  const registered = new URL(expected.redirectUri ?? REDIRECT_URI);
  expect(redirect.origin + redirect.pathname).toBe(registered.origin + registered.pathname);
  // Nothing added to the query (the registered URI's own query is kept as it was).
  expect(redirect.search).toBe(registered.search);
  const fragment = fragmentOf(redirect);
  const state = expected.state === undefined ? STATE : expected.state;
  const names = ['access_token', 'expires_in', 'iss', 'scope', 'token_type'];
  if (state !== null) names.push('state');
  expect([...fragment.keys()].sort()).toEqual(names.sort());
  expect(fragment.get('access_token')).toMatch(/^[A-Za-z0-9_-]{43,}$/);
  expect(fragment.get('token_type')).toBe('Bearer');
  expect(fragment.get('expires_in')).toBe(String(expected.expiresIn ?? IMPLICIT_TTL));
  expect(fragment.get('scope')).toBe(expected.scope);
  expect(fragment.get('state')).toBe(state);
  expect(fragment.get('iss')).toBe(t.url);
  return fragment.get('access_token')!;
}

/** A §4.2.2.1 error: to the registered URI, error/state/iss in the fragment, nothing in the query. */
function expectErrorInFragment(redirect: URL, error: string, state: string | null = STATE): void {
  expect(redirect.origin + redirect.pathname).toBe(REDIRECT_URI);
  expect(redirect.search).toBe('');
  const fragment = fragmentOf(redirect);
  expect(fragment.get('error')).toBe(error);
  expect(fragment.get('state')).toBe(state);
  expect(fragment.get('iss')).toBe(t.url);
  expect(fragment.get('access_token')).toBeNull();
  expect(fragment.get('code')).toBeNull();
}

/** POST /oauth/revoke as a public client (client_id in the body). */
async function revokeAsPublic(client: RegisteredTestClient, token: string) {
  return readJson(
    await fetch(`${t.url}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, client_id: client.clientId }).toString(),
    }),
  );
}

/** GET /oauth/authorize in `browser` (a new one by default), not following the redirect. */
function authorizeGet(url: string, browser = new TestBrowser()): Promise<Page> {
  return browser.get(url);
}

/** A request refused before anything is stored: no interaction, grant, token or session. */
async function refusedAuthorize(url: string): Promise<Page> {
  const before = await issuedCounts(t);
  const page = await authorizeGet(url);
  expect(await issuedCounts(t)).toEqual(before);
  return page;
}

describe('implicit grant: success', () => {
  it('signs in, consents, and redirects with the access token in the fragment', async () => {
    const before = await issuedCounts(t);
    const { redirect, last, pages } = await implicitFlow({ client: spa });
    expect(pages[0]!.text).toContain('Sign in');
    expect(pages[1]!.text).toContain('Legacy SPA');
    // The consent POST answers with a redirect to the client, never cached, sending no Referer.
    expect(last.status).toBe(303);
    expect(last.headers.get('cache-control')).toBe('no-store');
    expect(last.headers.get('referrer-policy')).toBe('no-referrer');
    const accessToken = expectTokenInFragment(redirect, { scope: 'profile email' });

    // One grant and one access token; no code, no refresh token.
    const after = await issuedCounts(t);
    expect(after.grants).toBe(before.grants! + 1);
    expect(after.tokens).toBe(before.tokens! + 1);
    expect(after.authorization_codes).toBe(before.authorization_codes);
    expect(await countRows(t, 'tokens', "kind = 'refresh'")).toBe(0);

    const me = await callApi(t, `Bearer ${accessToken}`);
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      sub: aliceId,
      username: 'alice',
      client_id: spa.clientId,
      scope: 'profile email',
    });
  });

  it('stops working once the public client revokes it with its client_id alone', async () => {
    const { redirect } = await implicitFlow({ client: spa, scope: 'profile' });
    const accessToken = expectTokenInFragment(redirect, { scope: 'profile' });
    expect((await callApi(t, `Bearer ${accessToken}`)).status).toBe(200);
    const revoked = await revokeAsPublic(spa, accessToken);
    expect(revoked.status).toBe(200);
    const api = await callApi(t, `Bearer ${accessToken}`);
    expect(api.status).toBe(401);
    expect(api.body.error).toBe('invalid_token');
  });

  it('narrows the scope to what was asked for and works without state', async () => {
    const { redirect } = await implicitFlow({ client: spa, scope: 'email', state: null });
    const accessToken = expectTokenInFragment(redirect, { scope: 'email', state: null });
    expect((await callApi(t, `Bearer ${accessToken}`)).body.scope).toBe('email');
  });

  it("keeps the registered redirect URI's own query and puts the response only in the fragment", async () => {
    const { redirect } = await implicitFlow({ client: spa, redirectUri: REDIRECT_WITH_QUERY });
    expect(redirect.searchParams.get('app')).toBe('1');
    expectTokenInFragment(redirect, { scope: 'profile email', redirectUri: REDIRECT_WITH_QUERY });
  });

  it('ignores PKCE parameters: they bind a code, and the implicit grant has none', async () => {
    const { challenge } = pkcePair();
    const { redirect } = await implicitFlow({
      client: spa,
      extra: { code_challenge: challenge, code_challenge_method: 'S256' },
    });
    expectTokenInFragment(redirect, { scope: 'profile email' });
  });

  it('uses the per-grant lifetime (tokens.accessTokenTtlByGrant.implicit) and expires the token then', async () => {
    const { redirect } = await implicitFlow({ client: spa });
    const accessToken = expectTokenInFragment(redirect, { scope: 'profile email', expiresIn: IMPLICIT_TTL });
    t.clock.advance(IMPLICIT_TTL - 1);
    expect((await callApi(t, `Bearer ${accessToken}`)).status).toBe(200);
    t.clock.advance(2);
    expect((await callApi(t, `Bearer ${accessToken}`)).status).toBe(401);
  });

  it("lets a client's access_token_ttl override the implicit lifetime", async () => {
    const { redirect } = await implicitFlow({ client: shortLived });
    expectTokenInFragment(redirect, { scope: 'profile', expiresIn: 300 });
  });

  it('lets a confidential client introspect its implicit token (username and sub)', async () => {
    const { redirect } = await implicitFlow({ client: confidential, username: 'bob' });
    const accessToken = expectTokenInFragment(redirect, { scope: 'profile email' });
    const response = await readJson(
      await fetch(`${t.url}/oauth/introspect`, {
        method: 'POST',
        headers: {
          authorization: basic(confidential.clientId, confidential.clientSecret!),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token: accessToken }).toString(),
      }),
    );
    expect(response.body).toMatchObject({
      active: true,
      username: 'bob',
      client_id: confidential.clientId,
      token_type: 'Bearer',
      scope: 'profile email',
    });
    expect(Number(response.body.exp) - Number(response.body.iat)).toBe(IMPLICIT_TTL);
  });
});

describe('implicit grant: consent', () => {
  it('answers Deny with access_denied, state and iss in the fragment, and stores nothing', async () => {
    const before = await issuedCounts(t);
    const { redirect, last } = await implicitFlow({ client: spa, decision: 'deny' });
    expect(last.status).toBe(303);
    expectErrorInFragment(redirect, 'access_denied');
    const after = await issuedCounts(t);
    expect({ grants: after.grants, tokens: after.tokens, codes: after.authorization_codes }).toEqual({
      grants: before.grants,
      tokens: before.tokens,
      codes: before.authorization_codes,
    });
  });

  it('issues directly on a second authorization by a signed-in user who consented to a confidential client', async () => {
    const first = await implicitFlow({ client: confidential, scope: 'profile' });
    expect(first.pages.some((p) => p.text.includes('name="decision"'))).toBe(true);
    expectTokenInFragment(first.redirect, { scope: 'profile' });

    const again = await authorizeGet(implicitUrl({ client: confidential, scope: 'profile' }), first.browser);
    expect(again.status).toBe(302);
    expect(again.headers.get('cache-control')).toBe('no-store');
    const accessToken = expectTokenInFragment(new URL(again.location!), { scope: 'profile' });
    expect((await callApi(t, `Bearer ${accessToken}`)).body).toMatchObject({
      username: 'alice',
      client_id: confidential.clientId,
    });

    // RFC 8252 §7.3's any-port loopback rule is for codes only: a token goes to the exact URI, so
    // no other local process can collect one without the user seeing anything.
    const otherPort = await authorizeGet(
      implicitUrl({ client: confidential, scope: 'profile', redirectUri: 'http://127.0.0.1:7777/callback' }),
      first.browser,
    );
    expectErrorPage(otherPort);
    expect(otherPort.location).toBeNull();
    expect(otherPort.text).not.toContain('access_token');

    // A wider scope than was consented to asks again.
    const wider = await authorizeGet(
      implicitUrl({ client: confidential, scope: 'profile email' }),
      first.browser,
    );
    expect(wider.status).toBe(302);
    expect(new URL(wider.location!, t.url).pathname).toMatch(/^\/interaction\//);
  });

  it('skips the consent page for a skip_consent client, and issues directly once signed in', async () => {
    const { redirect, pages, browser } = await implicitFlow({ client: firstParty });
    expect(pages.some((p) => p.text.includes('name="decision"'))).toBe(false);
    expectTokenInFragment(redirect, { scope: 'profile' });
    const again = await authorizeGet(implicitUrl({ client: firstParty }), browser);
    expect(again.status).toBe(302);
    expectTokenInFragment(new URL(again.location!), { scope: 'profile' });
  });

  it('always asks again for a public client, even with consent given before', async () => {
    const { browser } = await implicitFlow({ client: spa });
    const again = await browser.follow(await authorizeGet(implicitUrl({ client: spa }), browser), t.url);
    expect(again.status).toBe(200);
    expect(again.text).toContain('name="decision"');
    // Allowing again issues a fresh token.
    const allowed = await browser.post(new URL(formAction(again.text, '/consent'), t.url).toString(), {
      csrf_token: csrfToken(again.text),
      decision: 'allow',
    });
    expectTokenInFragment(new URL(allowed.location!), { scope: 'profile email' });
  });
});

describe('implicit grant: errors after the redirect URI is verified go in the fragment', () => {
  it('answers an unknown scope with invalid_scope', async () => {
    const page = await refusedAuthorize(implicitUrl({ client: spa, scope: 'profile admin' }));
    expect(page.status).toBe(302);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expectErrorInFragment(new URL(page.location!), 'invalid_scope');
  });

  it('answers a repeated scope with invalid_request, and keeps a missing state out of the answer', async () => {
    const repeated = await refusedAuthorize(`${implicitUrl({ client: spa })}&scope=profile&scope=email`);
    expectErrorInFragment(new URL(repeated.location!), 'invalid_request');
    const noState = await refusedAuthorize(implicitUrl({ client: spa, scope: 'admin', state: null }));
    expectErrorInFragment(new URL(noState.location!), 'invalid_scope', null);
  });

  it('refuses response_type=token to a code-only client with unauthorized_client in the fragment', async () => {
    const page = await refusedAuthorize(implicitUrl({ client: codeClient }));
    expect(page.status).toBe(302);
    expectErrorInFragment(new URL(page.location!), 'unauthorized_client');
  });

  it('refuses response_type=code to an implicit-only client with unauthorized_client in the query', async () => {
    const page = await refusedAuthorize(
      authorizeUrl({
        issuer: t.url,
        clientId: spa.clientId,
        redirectUri: REDIRECT_URI,
        state: STATE,
        challenge: pkcePair().challenge,
      }),
    );
    expect(page.status).toBe(302);
    const location = new URL(page.location!);
    expect(location.origin + location.pathname).toBe(REDIRECT_URI);
    expect(location.hash).toBe('');
    expect(location.searchParams.get('error')).toBe('unauthorized_client');
    expect(location.searchParams.get('state')).toBe(STATE);
    expect(location.searchParams.get('iss')).toBe(t.url);
    expect(location.searchParams.get('code')).toBeNull();
  });
});

describe('implicit grant: errors before the redirect URI is verified are a page', () => {
  it('shows a page for an unknown client', async () => {
    const page = await refusedAuthorize(
      implicitUrl({ client: { clientId: 'no-such-client', clientSecret: null } }),
    );
    expectErrorPage(page);
    expect(page.text).not.toContain('access_token');
  });

  it('shows a page for an unregistered redirect URI, never redirecting to it', async () => {
    for (const uri of ['https://attacker.example/cb', `${REDIRECT_URI}/`, `${REDIRECT_URI}#x`]) {
      const page = await refusedAuthorize(implicitUrl({ client: spa, redirectUri: uri }));
      expectErrorPage(page);
      expect(page.text).not.toContain('access_token');
    }
  });

  it('shows a page when the client_id or redirect_uri is repeated', async () => {
    expectErrorPage(
      await refusedAuthorize(`${implicitUrl({ client: spa })}&client_id=${confidential.clientId}`),
    );
    expectErrorPage(
      await refusedAuthorize(
        `${implicitUrl({ client: spa })}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`,
      ),
    );
  });
});

describe('implicit grant: not a token endpoint grant', () => {
  it('refuses grant_type=implicit at the token endpoint with unsupported_grant_type', async () => {
    const response = await postToken(t, {
      authorization: basic(confidential.clientId, confidential.clientSecret!),
      body: { grant_type: 'implicit', username: 'alice', password: PASSWORD },
    });
    expectTokenError(response, 400, 'unsupported_grant_type');
  });
});

describe('registration', () => {
  const base = { client_name: 'Registration check', redirect_uris: [REDIRECT_URI] };

  it('refuses the implicit grant without redirect URIs', async () => {
    for (const redirectUris of [undefined, []]) {
      await expect(
        t.server.registerClient({
          client_name: 'No redirect',
          grant_types: ['implicit'],
          redirect_uris: redirectUris,
        }),
      ).rejects.toMatchObject({ code: 'invalid_redirect_uri' });
    }
  });

  it("refuses response_types ['code'] with grant_types ['implicit'], and the other mismatches", async () => {
    const mismatches = [
      { grant_types: ['implicit'], response_types: ['code'] },
      { grant_types: ['implicit'], response_types: ['code', 'token'] },
      { grant_types: ['authorization_code'], response_types: ['token'] },
      { grant_types: ['authorization_code', 'implicit'], response_types: ['token'] },
    ] as const;
    for (const mismatch of mismatches) {
      await expect(
        t.server.registerClient({
          ...base,
          grant_types: [...mismatch.grant_types],
          response_types: [...mismatch.response_types],
        }),
      ).rejects.toMatchObject({ code: 'invalid_client_metadata' });
    }
  });

  it("accepts response_types ['token'] with grant_types ['implicit'], and implies it when omitted", async () => {
    const explicit = await t.server.registerClient({
      ...base,
      grant_types: ['implicit'],
      response_types: ['token'],
    });
    expect(explicit.client).toMatchObject({ grantTypes: ['implicit'], responseTypes: ['token'] });
    const implied = await t.server.registerClient({ ...base, grant_types: ['implicit'] });
    expect(implied.client).toMatchObject({ grantTypes: ['implicit'], responseTypes: ['token'] });
    const stored = await t.server.findClient(implied.client.clientId);
    expect(stored).toMatchObject({ grantTypes: ['implicit'], responseTypes: ['token'] });
    const both = await t.server.registerClient({ ...base, grant_types: ['authorization_code', 'implicit'] });
    expect([...both.client.responseTypes].sort()).toEqual(['code', 'token']);
  });

  it('refuses refresh_token with only the implicit grant (it never gets a refresh token)', async () => {
    await expect(
      t.server.registerClient({ ...base, grant_types: ['implicit', 'refresh_token'] }),
    ).rejects.toMatchObject({ code: 'invalid_client_metadata' });
  });
});

describe('metadata', () => {
  it('lists the token response type, the fragment response mode and the implicit and password grants', async () => {
    const response = await readJson(await fetch(`${t.url}/.well-known/oauth-authorization-server`));
    expect(response.status).toBe(200);
    expect(response.body.response_types_supported).toEqual(expect.arrayContaining(['code', 'token']));
    expect(response.body.response_modes_supported).toEqual(expect.arrayContaining(['query', 'fragment']));
    expect(response.body.grant_types_supported).toEqual(
      expect.arrayContaining([
        'authorization_code',
        'refresh_token',
        'client_credentials',
        'password',
        'implicit',
      ]),
    );
  });
});
