/**
 * What a pairwise client can learn about its users (OIDC Core §8): its own subject everywhere it
 * looks — ID token, UserInfo, its JWT access token, introspection of its own token, /api/me — and
 * never the user's id or name. Also the request rules OpenID adds: redirect_uri required (§3.1.2.1)
 * and request objects refused with their own errors (§6.1, §6.2).
 */
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser } from '../helpers/browser.js';
import {
  asTestClient,
  basic,
  callApi,
  expectErrorPage,
  expectNoServerErrors,
  postToken,
  type RegisteredTestClient,
  watchStatuses,
} from '../helpers/negative.js';
import { codeTokens, oidcUrl, responseOf } from '../helpers/oidc.js';
import { createUser, startTestServer, type TestServer } from '../helpers/server.js';

const SECTOR = 'https://rp.example.com/cb';
let t: TestServer;
let restoreFetch: () => void;
let aliceId: string;

beforeAll(async () => {
  restoreFetch = watchStatuses();
  t = await startTestServer();
  aliceId = (await createUser(t, 'alice')).id;
});
afterAll(async () => {
  await t.close();
  restoreFetch();
});
afterEach(() => expectNoServerErrors());

async function rp(overrides: Record<string, unknown> = {}): Promise<RegisteredTestClient> {
  return asTestClient(
    await t.server.registerClient({
      client_name: 'Pairwise RP',
      redirect_uris: [SECTOR],
      scope: 'openid profile',
      subject_type: 'pairwise',
      ...overrides,
    }),
  );
}

describe('a pairwise client never sees the user id or name', () => {
  it('in its JWT access token, its own introspection and /api/me', async () => {
    const client = await rp({ access_token_format: 'jwt' });
    const tokens = await codeTokens(t, client, {
      redirectUri: SECTOR,
      scope: 'openid',
      browser: new TestBrowser(),
    });
    const sub = decodeJwt(tokens.idToken).sub!;
    expect(sub).not.toBe(aliceId);

    const access = decodeJwt(tokens.accessToken);
    expect(access.sub).toBe(sub);
    expect(access).not.toHaveProperty('username');

    const own = await postToken(t, {
      path: '/oauth/introspect',
      authorization: basic(client.clientId, client.clientSecret!),
      body: { token: tokens.accessToken },
    });
    expect(own.body).toMatchObject({ active: true, sub });
    expect(own.body).not.toHaveProperty('username');

    const me = await callApi(t, `Bearer ${tokens.accessToken}`);
    expect(me.body).toMatchObject({ sub, username: null });
    expect(JSON.stringify(me.body)).not.toContain(aliceId);
  });

  it('while a resource server introspecting the same token sees the user id it shares with Latchkey', async () => {
    const client = await rp();
    const api = asTestClient(
      await t.server.registerClient({
        client_name: 'API',
        grant_types: ['client_credentials'],
        introspect: true,
      }),
    );
    const tokens = await codeTokens(t, client, {
      redirectUri: SECTOR,
      scope: 'openid',
      browser: new TestBrowser(),
    });
    const seen = await postToken(t, {
      path: '/oauth/introspect',
      authorization: basic(api.clientId, api.clientSecret!),
      body: { token: tokens.accessToken },
    });
    expect(seen.body).toMatchObject({ active: true, sub: aliceId, username: 'alice' });
  });

  it('refuses pairwise registrations without a real host to be the sector', async () => {
    for (const redirect_uris of [
      ['http://127.0.0.1:7001/cb'],
      ['http://localhost:7001/cb'],
      ['com.example.app:/cb'],
      ['https://a.example.com/cb', 'https://b.example.com/cb'],
    ]) {
      await expect(rp({ redirect_uris })).rejects.toMatchObject({ code: 'invalid_client_metadata' });
    }
  });
});

describe('OpenID request rules', () => {
  it('requires redirect_uri in an OpenID request even with one registered URI: an error page', async () => {
    const client = await rp({ subject_type: 'public' });
    const url = new URL(oidcUrl(t, client, { redirectUri: SECTOR }));
    url.searchParams.delete('redirect_uri');
    const page = await new TestBrowser().get(url.toString());
    expectErrorPage(page);
    expect(page.text).toContain('redirect_uri');
  });

  it('answers request and request_uri with request_not_supported and request_uri_not_supported', async () => {
    const client = await rp({ subject_type: 'public' });
    for (const [param, error] of [
      ['request', 'request_not_supported'],
      ['request_uri', 'request_uri_not_supported'],
    ] as const) {
      const page = await new TestBrowser().get(
        oidcUrl(t, client, {
          redirectUri: SECTOR,
          state: 's',
          params: { [param]: 'eyJhbGciOiJub25lIn0.e30.' },
        }),
      );
      expect(responseOf(page).params).toMatchObject({ error, state: 's', iss: t.url });
    }
  });
});
