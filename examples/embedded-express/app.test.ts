/**
 * The Shop app on Express, with Latchkey's handler mounted in it, runs the authorization code +
 * PKCE flow for openid-client: the user signs in on the shop's own login page (express-session).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../../test/helpers/database.js';
import { createShopApp, type ShopApp } from './app.js';
import { Browser, formAction, hidden } from './test-browser.js';

const REDIRECT_URI = 'http://127.0.0.1:5998/callback';
const PASSWORD = 'correct horse battery';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let shop: ShopApp | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await shop?.close();
  shop = null;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Latchkey's database on the engine under test. */
async function databaseUrl(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'shop-'));
  dirs.push(dir);
  return freshDatabaseUrl(dir);
}

async function start(options: Partial<Parameters<typeof createShopApp>[0]> = {}) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  shop = await createShopApp({ issuer, databaseUrl: await databaseUrl(), ...options });
  await shop.listen(port);
  const ada = shop.addUser('ada@example.com', 'Ada Lovelace', PASSWORD);
  const { client, clientSecret } = await shop.latchkey.registerClient({
    client_name: 'Shop app',
    redirect_uris: [REDIRECT_URI],
    scope: 'openid profile email',
  });
  const config = await oidc.discovery(
    new URL(issuer),
    client.clientId,
    undefined,
    oidc.ClientSecretBasic(clientSecret!),
    {
      execute: [oidc.allowInsecureRequests],
    },
  );
  return { issuer, ada, config };
}

async function authorizationRequest(config: oidc.Configuration) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return { url, checks: { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce } };
}

/** Authorization request → the shop's login → back to Latchkey → the consent page. */
async function toConsent(issuer: string, url: URL, browser: Browser) {
  let page = await browser.get(url.href);
  const interaction = page.location!;
  expect(interaction).toMatch(`${issuer}/interaction/`);
  page = await browser.get(interaction);
  expect(page.location).toBe(`${issuer}/login?next=${encodeURIComponent(new URL(interaction).pathname)}`);
  page = await browser.get(page.location!);
  expect(page.text).toContain('Sign in to Shop');
  page = await browser.post(`${issuer}/login`, {
    email: 'ada@example.com',
    password: PASSWORD,
    next: hidden(page.text, 'next'),
    csrf_token: hidden(page.text, 'csrf_token'),
  });
  expect(page.location).toBe(interaction);
  return browser.get(interaction);
}

describe('Shop on Express, with Latchkey mounted', () => {
  it('signs in a shop user on the shop’s login page and gives openid-client their tokens', async () => {
    const { issuer, ada, config } = await start();
    const { url, checks } = await authorizationRequest(config);
    const browser = new Browser();
    const page = await toConsent(issuer, url, browser);
    expect(page.text).toContain('Shop app');
    const answer = await browser.post(new URL(formAction(page.text, '/consent'), issuer).href, {
      csrf_token: hidden(page.text, 'csrf_token'),
      decision: 'allow',
    });
    const tokens = await oidc.authorizationCodeGrant(config, new URL(answer.location!), checks);
    expect(tokens.claims()!.sub).toBe(ada.id);
    const info = await oidc.fetchUserInfo(config, tokens.access_token, ada.id);
    expect(info).toMatchObject({
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      preferred_username: 'ada@example.com',
    });
    // A refresh goes through the same handler, body unread by Express.
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    // The shop's own routes and body parsing still work.
    expect((await browser.get(`${issuer}/`)).text).toContain('Hello Ada Lovelace');
    expect((await browser.get(`${issuer}/no-such-page`)).status).toBe(404);
  });

  it('renders the shop’s consent page from Latchkey’s view data', async () => {
    const { issuer, config } = await start({
      pages: {
        consent: (view) => `<!doctype html><title>Shop consent</title><main id="shop-consent">
<p>${view.clientName} wants: ${view.scopes.map((s) => s.description).join('; ')}</p>
<form method="post" action="${view.action}"><input type="hidden" name="csrf_token" value="${view.csrfToken}">
<button name="decision" value="deny">No thanks</button></form></main>`,
      },
    });
    const { url } = await authorizationRequest(config);
    const browser = new Browser();
    const page = await toConsent(issuer, url, browser);
    expect(page.text).toContain('id="shop-consent"');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const answer = await browser.post(new URL(formAction(page.text, '/consent'), issuer).href, {
      csrf_token: hidden(page.text, 'csrf_token'),
      decision: 'deny',
    });
    expect(new URL(answer.location!).searchParams.get('error')).toBe('access_denied');
  });

  it('refuses a request a body parser has already read, with a clear error', async () => {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const { default: express } = await import('express');
    const { createAuthServer } = await import('../../src/index.js');
    const latchkey = await createAuthServer({
      config: { issuer, logLevel: 'silent' },
      database: await databaseUrl(),
    });
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    app.use(latchkey.handler);
    let seen: unknown = null;
    app.use((error: unknown, _req: unknown, res: { status(n: number): { end(): void } }, _next: unknown) => {
      seen = error;
      res.status(500).end();
    });
    const server = app.listen(port, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const response = await fetch(`${issuer}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(response.status).toBe(500);
    expect(String(seen)).toMatch(/body parser read the request before Latchkey/);
    await new Promise((resolve) => server.close(resolve));
    await latchkey.close();
  });

  it('sends the browser back only to a sign-in in progress, and refuses a login post without its CSRF token', async () => {
    const { issuer } = await start();
    const browser = new Browser();
    for (const next of ['/\\evil.com', '/\t/evil.com', '//evil.com', 'https://evil.com']) {
      const form = await browser.get(`${issuer}/login?next=${encodeURIComponent(next)}`);
      expect(hidden(form.text, 'next')).toBe('/');
    }
    const form = await browser.get(`${issuer}/login`);
    const forged = await browser.post(`${issuer}/login`, {
      email: 'ada@example.com',
      password: PASSWORD,
      next: '/',
    });
    expect(forged.status).toBe(403);
    const signedIn = await browser.post(`${issuer}/login`, {
      email: 'ada@example.com',
      password: PASSWORD,
      next: '/\\evil.com',
      csrf_token: hidden(form.text, 'csrf_token'),
    });
    expect(signedIn.status).toBe(303);
    expect(signedIn.location).toBe(`${issuer}/`);
  });

  it('hands the shop’s own /oauth/… routes to the shop, and only Latchkey’s paths to Latchkey', async () => {
    const { issuer } = await start();
    shop!.app.get('/oauth/github/callback', (_req, res) => {
      res.send('the shop’s GitHub callback');
    });
    expect(await (await fetch(`${issuer}/oauth/github/callback`)).text()).toBe('the shop’s GitHub callback');
    expect((await fetch(`${issuer}/oauth/token`, { method: 'POST' })).status).toBe(400);
    expect(shop!.latchkey.paths.prefixes).toEqual(['/interaction/']);
  });
});
