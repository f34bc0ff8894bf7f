/**
 * The example client against the real Latchkey, both listening on 127.0.0.1 exactly as `npm start`
 * runs them (examples/start.ts on a fresh data directory), driven over HTTP by a cookie-jar
 * browser through Latchkey's real sign-in, consent and sign-out pages: the OpenID Connect sign-in
 * with its nonce, the profile page's ID token and UserInfo, and logging out at both ends.
 * A data directory from before OpenID Connect keeps working as plain OAuth.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthServer, loadConfig } from '../../src/index.js';
import { csrfToken, formAction, type Page, TestBrowser } from '../../test/helpers/browser.js';
import { freshDatabaseUrl } from '../../test/helpers/database.js';
import { type DevStack, EXAMPLE_CLIENT_ID, EXAMPLE_SCOPE, startDevStack } from '../start.js';
import { createExampleClient } from './app.js';

const ADMIN_PASSWORD = 'an-example-test-password';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

interface Started {
  stack: DevStack;
  logged: string[];
  stop(): Promise<void>;
}

/** What `npm start` runs, in a fresh data directory unless `prepare` puts something there first. */
async function start(
  prepare?: (dataDir: string, env: NodeJS.ProcessEnv, exampleUrl: string) => Promise<void>,
): Promise<Started> {
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-example-'));
  const [latchkeyPort, examplePort] = [await freePort(), await freePort()];
  const env = {
    ...process.env,
    LATCHKEY_PORT: String(latchkeyPort),
    LATCHKEY_LOG_LEVEL: 'silent',
    LATCHKEY_ADMIN_PASSWORD: ADMIN_PASSWORD,
    // Latchkey's store: the engine under test (on SQLite, the file `npm start` would use).
    LATCHKEY_DATABASE_URL: await freshDatabaseUrl(dataDir),
  };
  await prepare?.(dataDir, env, `http://localhost:${examplePort}`);
  const logged: string[] = [];
  const stack = await startDevStack({ dataDir, examplePort, env, log: (line) => logged.push(line) });
  return {
    stack,
    logged,
    async stop() {
      await stack.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const isLoginPage = (page: Page) => page.status === 200 && page.text.includes('name="password"');

/**
 * From Latchkey's authorization endpoint to the redirect back to the app: signs in when asked,
 * allows when asked (checking the consent page lists `scopes`). Returns the callback URL, and
 * whether the consent page was shown.
 */
async function throughLatchkey(
  browser: TestBrowser,
  authorizeUrl: string,
  issuer: string,
  scopes: readonly string[],
): Promise<{ back: string; consented: boolean }> {
  let page = await browser.follow(await browser.get(authorizeUrl), issuer);
  if (isLoginPage(page)) {
    page = await browser.post(new URL(formAction(page.text, '/login'), issuer).href, {
      csrf_token: csrfToken(page.text),
      username: 'admin',
      password: ADMIN_PASSWORD,
    });
    page = await browser.follow(page, issuer);
  }
  const consented = page.status === 200 && page.text.includes('name="decision"');
  if (consented) {
    for (const scope of scopes) expect(page.text).toContain(`<code>${scope}</code>`);
    page = await browser.post(new URL(formAction(page.text, '/consent'), issuer).href, {
      csrf_token: csrfToken(page.text),
      decision: 'allow',
    });
  }
  if (!page.location)
    throw new Error(`no redirect back to the app: ${page.status} ${page.text.slice(0, 300)}`);
  return { back: page.location, consented };
}

/** /login at the app → Latchkey → /callback; returns the callback's answer and the nonce sent. */
async function signIn(
  browser: TestBrowser,
  stack: DevStack,
  tamper?: (authorize: URL) => void,
): Promise<{ callback: Page; authorize: URL; consented: boolean }> {
  const login = await browser.get(`${stack.exampleUrl}/login`);
  expect(login.status).toBe(302);
  const authorize = new URL(login.location as string);
  expect(authorize.origin).toBe(stack.issuer);
  tamper?.(authorize);
  const scopes = authorize.searchParams.get('scope')?.split(' ') ?? [];
  const { back, consented } = await throughLatchkey(browser, authorize.href, stack.issuer, scopes);
  expect(back.startsWith(`${stack.exampleUrl}/callback?`)).toBe(true);
  return { callback: await browser.get(back), authorize, consented };
}

/** The hidden fields and CSRF token of Latchkey's sign-out confirmation form, with a decision. */
function confirmationForm(page: Page, decision: 'logout' | 'stay'): Record<string, string> {
  const form: Record<string, string> = {};
  for (const [, name, value] of page.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form[name!] = value!.replace(/&amp;/g, '&').replace(/&quot;/g, '"');
  }
  return { ...form, csrf_token: csrfToken(page.text), decision };
}

function claimCell(page: string, section: string, claim: string): string | undefined {
  const start = page.indexOf(`<h2 id="${section}">`);
  if (start < 0) return undefined;
  const html = page.slice(start, page.indexOf('</section>', start));
  return new RegExp(`<th scope="row"><code>${claim}</code></th><td><code>([^<]*)</code>`).exec(html)?.[1];
}

describe('the example client with Latchkey (OpenID Connect)', () => {
  let started: Started;
  let stack: DevStack;

  beforeAll(async () => {
    started = await start();
    stack = started.stack;
  });

  afterAll(async () => {
    await started?.stop();
  });

  it('registers the example client for OpenID Connect on first start', async () => {
    const client = await stack.server.findClient(EXAMPLE_CLIENT_ID);
    expect(client?.scope).toEqual(['openid', 'profile', 'email']);
    expect(client?.postLogoutRedirectUris).toEqual([`${stack.exampleUrl}/`]);
    expect(started.logged.join('\n')).not.toContain('before OpenID Connect');
  });

  it('signs in with a nonce and shows the ID token claims, UserInfo and /api/me', async () => {
    const browser = new TestBrowser();
    const { callback, authorize, consented } = await signIn(browser, stack);
    expect(consented).toBe(true);
    expect(authorize.searchParams.get('scope')).toBe('openid profile email');
    const nonce = authorize.searchParams.get('nonce');
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(callback.status).toBe(302);
    expect(callback.location).toBe('/profile');

    const profile = await browser.get(`${stack.exampleUrl}/profile`);
    expect(profile.status).toBe(200);
    const sub = claimCell(profile.text, 'id-token', 'sub');
    expect(sub).toBeTruthy();
    expect(claimCell(profile.text, 'id-token', 'iss')).toBe(stack.issuer);
    expect(claimCell(profile.text, 'id-token', 'aud')).toBe(EXAMPLE_CLIENT_ID);
    expect(claimCell(profile.text, 'id-token', 'nonce')).toBe(nonce);
    expect(claimCell(profile.text, 'id-token', 'at_hash')).toBeTruthy();
    expect(claimCell(profile.text, 'id-token', 'sid')).toBeTruthy();
    expect(profile.text).toMatch(
      /<code>auth_time<\/code><\/th><td><code>\d+<\/code> <span class="muted">[\d-]+ [\d:]+ UTC/,
    );
    expect(claimCell(profile.text, 'userinfo', 'sub')).toBe(sub);
    expect(claimCell(profile.text, 'userinfo', 'preferred_username')).toBe('admin');
    expect(profile.text).toContain('&quot;username&quot;: &quot;admin&quot;');
    expect(profile.text).toContain(`${stack.issuer}/api/me`);
  });

  it('refuses the sign-in when the nonce Latchkey saw is not the one the app sent', async () => {
    const browser = new TestBrowser();
    // Someone between the app and Latchkey swaps the nonce: Latchkey puts the swapped one in the
    // ID token, and the app, which kept its own, refuses it.
    const { callback } = await signIn(browser, stack, (authorize) =>
      authorize.searchParams.set('nonce', 'a-nonce-the-app-never-sent'),
    );
    expect(callback.status).toBe(400);
    expect(callback.text).toContain('The sign-in answer was refused');
    expect(callback.text).toContain('unexpected ID Token &quot;nonce&quot; claim value');
    const profile = await browser.get(`${stack.exampleUrl}/profile`);
    expect(profile.status).toBe(302);
    expect(profile.location).toBe('/login');
  });

  it('logs out at Latchkey too: end-session with id_token_hint, confirmation, back home signed out at both', async () => {
    const browser = new TestBrowser();
    await signIn(browser, stack);
    const profile = await browser.get(`${stack.exampleUrl}/profile`);
    const sub = claimCell(profile.text, 'id-token', 'sub');
    const sid = claimCell(profile.text, 'id-token', 'sid');

    // Signed in at Latchkey: a new sign-in at the app goes straight through (consent remembered).
    const again = await browser.get(`${stack.exampleUrl}/login`);
    const straight = await browser.follow(await browser.get(again.location as string), stack.issuer);
    expect(straight.location?.startsWith(`${stack.exampleUrl}/callback?`)).toBe(true);
    expect((await browser.get(straight.location as string)).location).toBe('/profile');

    const home = await browser.get(`${stack.exampleUrl}/`);
    const csrf = /name="csrf" value="([^"]+)"/.exec(home.text)?.[1] as string;
    const logout = await browser.post(`${stack.exampleUrl}/logout`, { csrf });
    expect(logout.status).toBe(303);
    const endSession = new URL(logout.location as string);
    expect(endSession.origin + endSession.pathname).toBe(`${stack.issuer}/oauth/end-session`);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${stack.exampleUrl}/`);
    expect(endSession.searchParams.get('client_id')).toBe(EXAMPLE_CLIENT_ID);
    const hint = decodeJwt(endSession.searchParams.get('id_token_hint') as string);
    expect(hint).toMatchObject({ iss: stack.issuer, sub, aud: EXAMPLE_CLIENT_ID, sid });
    const state = endSession.searchParams.get('state') as string;
    expect(state).toBeTruthy();
    expect(browser.cookie('example_session')).toBeUndefined();
    expect(browser.cookie('example_logout')).toBe(state);

    // Latchkey asks first.
    const confirm = await browser.get(endSession.href);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('Sign out of');
    expect(confirm.text).toContain('Example App');
    expect(confirm.text).toContain(stack.exampleUrl);
    const confirmed = await browser.post(
      new URL(formAction(confirm.text, '/end-session'), stack.issuer).href,
      confirmationForm(confirm, 'logout'),
    );
    expect(confirmed.status).toBe(303);
    const back = new URL(confirmed.location as string);
    expect(back.origin + back.pathname).toBe(`${stack.exampleUrl}/`);
    expect(back.searchParams.get('state')).toBe(state);

    const landed = await browser.get(back.href);
    expect(landed.status).toBe(200);
    expect(landed.text).toContain('You are signed out.');
    expect(landed.text).toContain('href="/login"');
    expect(browser.cookie('example_logout')).toBeUndefined();

    // Signed out at Latchkey too: the next sign-in asks for the password again.
    const next = await browser.get(`${stack.exampleUrl}/login`);
    expect(isLoginPage(await browser.follow(await browser.get(next.location as string), stack.issuer))).toBe(
      true,
    );
  });
});

describe('the example client refreshing its tokens at Latchkey', () => {
  let started: Started;

  beforeAll(async () => {
    started = await start();
  });

  afterAll(async () => {
    await started?.stop();
  });

  it('takes the new ID token of a refresh, for the same user, when the access token expires', async () => {
    const { stack } = started;
    // A second instance of the app with its own clock, registered like the first.
    const port = await freePort();
    const baseUrl = `http://localhost:${port}`;
    const { client, clientSecret } = await stack.server.registerClient({
      client_name: 'Example App (clock)',
      redirect_uris: [`${baseUrl}/callback`],
      post_logout_redirect_uris: [`${baseUrl}/`],
      scope: EXAMPLE_SCOPE,
    });
    let clock = Date.now();
    const app = await createExampleClient({
      issuer: stack.issuer,
      clientId: client.clientId,
      clientSecret: clientSecret!,
      baseUrl,
      apiUrl: `${stack.issuer}/api/me`,
      sessionDbPath: ':memory:',
      now: () => clock,
    });
    await app.listen({ host: '127.0.0.1', port });
    try {
      const browser = new TestBrowser();
      const { callback } = await signIn(browser, { ...stack, exampleUrl: baseUrl });
      expect(callback.location).toBe('/profile');
      const before = await browser.get(`${baseUrl}/profile`);
      const sub = claimCell(before.text, 'id-token', 'sub');

      clock += 2 * 60 * 60 * 1000;
      const after = await browser.get(`${baseUrl}/profile`);
      expect(after.status).toBe(200);
      expect(claimCell(after.text, 'id-token', 'sub')).toBe(sub);
      // Latchkey sent a new ID token with the refreshed access token (OIDC Core §12.2): its at_hash
      // is the new token's. openid-client checked it, and the app kept it.
      expect(claimCell(after.text, 'id-token', 'at_hash')).toBeTruthy();
      expect(claimCell(after.text, 'id-token', 'at_hash')).not.toBe(
        claimCell(before.text, 'id-token', 'at_hash'),
      );
      expect(claimCell(after.text, 'userinfo', 'sub')).toBe(sub);
      expect(after.text).toContain('&quot;username&quot;: &quot;admin&quot;');
    } finally {
      await app.close();
    }
  });
});

describe('the example client with a registration from before OpenID Connect', () => {
  let started: Started;

  beforeAll(async () => {
    started = await start(async (_dataDir, env, exampleUrl) => {
      // What an older `npm start` left in data/: the example client with scope "profile" only.
      const config = loadConfig({ env });
      const server = await createAuthServer({ config });
      await server.registerClient({
        client_id: EXAMPLE_CLIENT_ID,
        client_name: 'Example App',
        client_uri: exampleUrl,
        redirect_uris: [`${exampleUrl}/callback`],
        scope: 'profile',
      });
      await server.close();
    });
  });

  afterAll(async () => {
    await started?.stop();
  });

  it('says once how to get the OpenID Connect demo', () => {
    const lines = started.logged.filter((line) => line.includes('before OpenID Connect'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('delete');
  });

  it('still signs in and out, as plain OAuth', async () => {
    const { stack } = started;
    const browser = new TestBrowser();
    const { callback, authorize, consented } = await signIn(browser, stack);
    expect(consented).toBe(true);
    expect(authorize.searchParams.get('scope')).toBe('profile');
    expect(authorize.searchParams.has('nonce')).toBe(false);
    expect(callback.location).toBe('/profile');
    const profile = await browser.get(`${stack.exampleUrl}/profile`);
    expect(profile.status).toBe(200);
    expect(profile.text).toContain('&quot;username&quot;: &quot;admin&quot;');
    expect(profile.text).toContain('there is no ID token or UserInfo');
    const csrf = /name="csrf" value="([^"]+)"/.exec(profile.text)?.[1] as string;
    const logout = await browser.post(`${stack.exampleUrl}/logout`, { csrf });
    expect(logout.status).toBe(303);
    expect(logout.location).toBe('/');
    expect(browser.cookie('example_session')).toBeUndefined();
  });
});
