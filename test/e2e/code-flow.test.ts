/** The authorization code + PKCE flow over real HTTP, through the real login and consent pages. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfToken, formAction, TestBrowser } from '../helpers/browser.js';
import { authorize, authorizeUrl, exchangeCode, pkcePair } from '../helpers/flow.js';
import { createClient, createUser, startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
let client: { clientId: string; clientSecret: string | null };
const redirectUri = 'http://127.0.0.1:5999/callback';

beforeAll(async () => {
  t = await startTestServer();
  await createUser(t);
  const registered = await createClient(t, { client_uri: 'https://app.example.com' });
  client = { clientId: registered.client.clientId, clientSecret: registered.clientSecret };
});
afterAll(() => t.close());

async function api(token: string) {
  const response = await fetch(`${t.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}

describe('authorization code + PKCE', () => {
  it('logs in, consents, exchanges the code, calls the API and refreshes', async () => {
    const { verifier, challenge } = pkcePair();
    const { redirect, pages } = await authorize({
      issuer: t.url,
      clientId: client.clientId,
      redirectUri,
      state: 'xyz-123',
      challenge,
    });
    expect(pages[0]!.text).toContain('Sign in');
    expect(pages[1]!.text).toContain('Test App');
    expect(pages[1]!.text).toContain('https://app.example.com');
    expect(redirect.origin + redirect.pathname).toBe(redirectUri);
    expect(redirect.searchParams.get('state')).toBe('xyz-123');
    expect(redirect.searchParams.get('iss')).toBe(t.url);
    const code = redirect.searchParams.get('code')!;
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const token = await exchangeCode(t.url, client, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    expect(token.status).toBe(200);
    expect(token.headers.get('cache-control')).toBe('no-store');
    expect(token.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'profile email' });
    expect(token.body.access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const me = await api(token.body.access_token as string);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: 'alice', client_id: client.clientId, scope: 'profile email' });

    const refreshed = await exchangeCode(t.url, client, {
      grant_type: 'refresh_token',
      refresh_token: token.body.refresh_token as string,
      scope: 'profile',
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.scope).toBe('profile');
    expect(refreshed.body.refresh_token).not.toBe(token.body.refresh_token);
    expect((await api(refreshed.body.access_token as string)).body.scope).toBe('profile');

    // Rotation: the old refresh token is spent; presenting it again revokes the whole grant.
    const reuse = await exchangeCode(t.url, client, {
      grant_type: 'refresh_token',
      refresh_token: token.body.refresh_token as string,
    });
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');
    expect((await api(refreshed.body.access_token as string)).status).toBe(401);
    const afterReuse = await exchangeCode(t.url, client, {
      grant_type: 'refresh_token',
      refresh_token: refreshed.body.refresh_token as string,
    });
    expect(afterReuse.body.error).toBe('invalid_grant');
  });

  it('skips login and consent for a signed-in user who already consented', async () => {
    const browser = new TestBrowser();
    const first = pkcePair();
    await authorize({
      issuer: t.url,
      clientId: client.clientId,
      redirectUri,
      challenge: first.challenge,
      browser,
    });
    const second = pkcePair();
    const again = await browser.get(
      `${t.url}/oauth/authorize?response_type=code&client_id=${client.clientId}&redirect_uri=${encodeURIComponent(redirectUri)}&code_challenge=${second.challenge}&code_challenge_method=S256&state=s2`,
    );
    expect(again.status).toBe(302);
    const location = new URL(again.location!);
    expect(location.searchParams.get('code')).toBeTruthy();
    expect(location.searchParams.get('state')).toBe('s2');
  });

  it('asks again when a wider scope is requested than was consented', async () => {
    await createUser(t, 'bob');
    const browser = new TestBrowser();
    const { challenge } = pkcePair();
    const base = {
      issuer: t.url,
      clientId: client.clientId,
      redirectUri,
      challenge,
      username: 'bob',
      browser,
    };
    await authorize({ ...base, scope: 'profile' });
    const same = await authorize({ ...base, scope: 'profile' });
    expect(same.pages.some((p) => p.text.includes('name="decision"'))).toBe(false);
    const wider = await authorize({ ...base, scope: 'profile email' });
    expect(wider.pages.some((p) => p.text.includes('name="decision"'))).toBe(true);
  });

  it('sends access_denied with the state when the user denies', async () => {
    await createUser(t, 'carol');
    const { challenge } = pkcePair();
    const { redirect } = await authorize({
      issuer: t.url,
      clientId: client.clientId,
      redirectUri,
      challenge,
      state: 'deny-state',
      decision: 'deny',
      browser: new TestBrowser(),
      username: 'carol',
    });
    expect(redirect.searchParams.get('error')).toBe('access_denied');
    expect(redirect.searchParams.get('state')).toBe('deny-state');
    expect(redirect.searchParams.get('iss')).toBe(t.url);
    expect(redirect.searchParams.get('code')).toBeNull();
  });

  it('shows a generic message for a wrong password and does not say whether the user exists', async () => {
    const { challenge } = pkcePair();
    const attempt = async (username: string) => {
      const browser = new TestBrowser();
      const login = await browser.follow(
        await browser.get(authorizeUrl({ issuer: t.url, clientId: client.clientId, redirectUri, challenge })),
        t.url,
      );
      const failed = await browser.post(new URL(formAction(login.text, '/login'), t.url).toString(), {
        csrf_token: csrfToken(login.text),
        username,
        password: 'wrong-password',
      });
      return { status: failed.status, text: failed.text.replaceAll(username, 'USER') };
    };
    const known = await attempt('alice');
    const unknown = await attempt('nobody-here');
    expect(known.status).toBe(401);
    expect(known.text).toContain('Incorrect user name or password.');
    // The same page, byte for byte apart from the echoed user name, the CSRF token and the interaction id.
    const strip = (html: string) => html.replace(/value="[^"]*"/g, '').replace(/\/interaction\/[^/]+\//g, '');
    expect(strip(unknown.text)).toBe(strip(known.text));
  });

  it('lets a public client use PKCE without a secret, and requires PKCE from it', async () => {
    const pub = await createClient(t, { client_name: 'SPA', token_endpoint_auth_method: 'none' });
    const { verifier, challenge } = pkcePair();
    const { redirect } = await authorize({
      issuer: t.url,
      clientId: pub.client.clientId,
      redirectUri,
      challenge,
    });
    const token = await exchangeCode(
      t.url,
      { clientId: pub.client.clientId, clientSecret: null },
      {
        grant_type: 'authorization_code',
        code: redirect.searchParams.get('code')!,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      },
    );
    expect(token.status).toBe(200);
    const noPkce = await authorize({ issuer: t.url, clientId: pub.client.clientId, redirectUri });
    expect(noPkce.redirect.searchParams.get('error')).toBe('invalid_request');
    expect(noPkce.redirect.searchParams.get('error_description')).toContain('code_challenge');
  });
});
