/**
 * The Notes app, with Latchkey registered in it, runs the authorization code + PKCE flow for
 * openid-client: the user signs in on the app's own login page, as the app's own user.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConsentView } from '../../src/index.js';
import { freshDatabaseUrl } from '../../test/helpers/database.js';
import { createNotesApp, type NotesApp } from './app.js';
import { Browser, formAction, hidden } from './test-browser.js';

const REDIRECT_URI = 'http://127.0.0.1:5999/callback';
const PASSWORD = 'correct horse battery';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let notes: NotesApp | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await notes?.close();
  notes = null;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Latchkey's database on the engine under test. */
async function databaseUrl(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'notes-'));
  dirs.push(dir);
  return freshDatabaseUrl(dir);
}

async function start(options: Partial<Parameters<typeof createNotesApp>[0]> = {}) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  notes = await createNotesApp({ issuer, databaseUrl: await databaseUrl(), ...options });
  await notes.app.listen({ host: '127.0.0.1', port });
  const ada = notes.users.add('ada@example.com', 'Ada Lovelace', PASSWORD);
  const { client, clientSecret } = await notes.latchkey.registerClient({
    client_name: 'Notes mobile',
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
  return { issuer, ada, config, clientId: client.clientId };
}

/** From the authorization URL to the redirect back to the client, through the app's own login. */
async function signInAndAllow(issuer: string, authorizationUrl: URL, browser = new Browser()) {
  let page = await browser.get(authorizationUrl.href);
  expect(page.location).toMatch(`${issuer}/interaction/`);
  const interaction = page.location!;
  page = await browser.get(interaction);
  // Nobody is signed in to the app: Latchkey sends the browser to the app's login page.
  expect(page.status).toBe(302);
  expect(page.location).toBe(`${issuer}/login?next=${encodeURIComponent(new URL(interaction).pathname)}`);
  page = await browser.get(page.location!);
  expect(page.text).toContain('Sign in to Notes');
  page = await browser.post(`${issuer}/login`, {
    email: 'ada@example.com',
    password: PASSWORD,
    next: hidden(page.text, 'next'),
    csrf_token: hidden(page.text, 'csrf_token'),
  });
  expect(page.location).toBe(interaction);
  page = await browser.get(interaction);
  return { page, browser };
}

async function consent(issuer: string, page: { text: string }, browser: Browser) {
  const answer = await browser.post(new URL(formAction(page.text, '/consent'), issuer).href, {
    csrf_token: hidden(page.text, 'csrf_token'),
    decision: 'allow',
  });
  expect(answer.status).toBe(303);
  return new URL(answer.location!);
}

describe('Notes on Fastify, with Latchkey inside', () => {
  it('signs in a Notes user on the app’s login page and gives openid-client their tokens', async () => {
    const { issuer, ada, config } = await start();
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
    const { page, browser } = await signInAndAllow(issuer, url);
    expect(page.text).toContain('Notes mobile');
    expect(page.text).toContain('ada@example.com');
    const callback = await consent(issuer, page, browser);

    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(ada.id);
    expect(claims.iss).toBe(issuer);
    const info = await oidc.fetchUserInfo(config, tokens.access_token, ada.id);
    expect(info).toMatchObject({
      sub: ada.id,
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      email_verified: true,
    });
    expect(notes!.events).toContain(`consentGranted ${config.clientMetadata().client_id}`);
    expect(notes!.events.some((e) => e.startsWith('tokenIssued'))).toBe(true);

    // The app's own pages are untouched by Latchkey: its form parsing and routes still work.
    const home = await browser.get(`${issuer}/`);
    expect(home.text).toContain('Hello Ada Lovelace');
  });

  it('skips consent for a first-party client (the consent hook)', async () => {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    notes = await createNotesApp({
      issuer,
      databaseUrl: await databaseUrl(),
      firstPartyClients: ['notes-web'],
    });
    await notes.app.listen({ host: '127.0.0.1', port });
    notes.users.add('ada@example.com', 'Ada Lovelace', PASSWORD);
    const { clientSecret } = await notes.latchkey.registerClient({
      client_id: 'notes-web',
      client_name: 'Notes web',
      redirect_uris: [REDIRECT_URI],
      scope: 'openid',
    });
    const config = await oidc.discovery(
      new URL(issuer),
      'notes-web',
      undefined,
      oidc.ClientSecretBasic(clientSecret!),
      {
        execute: [oidc.allowInsecureRequests],
      },
    );
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'xyz',
    });
    const { page } = await signInAndAllow(issuer, url);
    expect(page.status).toBe(302);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.location!), {
      pkceCodeVerifier: verifier,
      expectedState: 'xyz',
    });
    expect(tokens.access_token).toBeTruthy();
  });

  it('renders the app’s own consent page, with Latchkey’s security headers', async () => {
    const seen: ConsentView[] = [];
    const { issuer, config } = await start({
      pages: {
        consent(view) {
          seen.push(view);
          // The app's template: its own markup, the form fields Latchkey reads.
          return `<!doctype html><title>Allow ${view.clientName}?</title>
<h1 class="notes-consent">Let ${view.clientName} see ${view.scopes.map((s) => s.name).join(', ')}?</h1>
<form method="post" action="${view.action}">
<input type="hidden" name="csrf_token" value="${view.csrfToken}">
<button name="decision" value="allow">Yes</button><button name="decision" value="deny">No</button></form>`;
        },
      },
    });
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 's1',
    });
    const { page, browser } = await signInAndAllow(issuer, url);
    expect(page.text).toContain('class="notes-consent"');
    expect(page.text).toContain('Let Notes mobile see openid, email?');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('content-security-policy')).toContain('form-action');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(seen[0]).toMatchObject({ clientName: 'Notes mobile', username: 'ada@example.com' });
    expect(seen[0]!.interactionId).toBe(new URL(seen[0]!.action, issuer).pathname.split('/')[2]);

    const callback = await consent(issuer, page, browser);
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: 's1',
    });
    expect(tokens.access_token).toBeTruthy();
  });

  it('ends the app’s session on RP-initiated logout', async () => {
    const { issuer, config } = await start();
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 's2',
    });
    const { page, browser } = await signInAndAllow(issuer, url);
    const callback = await consent(issuer, page, browser);
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: 's2',
    });
    const logout = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token! });
    const confirm = await browser.get(logout.href);
    expect(confirm.text).toContain('ada@example.com');
    const done = await browser.post(`${issuer}/oauth/end-session/confirm`, {
      ...Object.fromEntries(
        [...confirm.text.matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [
          m[1]!,
          m[2]!,
        ]),
      ),
      decision: 'logout',
    });
    expect(done.status).toBe(200);
    expect((await browser.get(`${issuer}/`)).text).toContain('Sign in');
  });

  it('refuses to be registered under a prefix', async () => {
    const { issuer } = await start();
    const { default: Fastify } = await import('fastify');
    const other = Fastify();
    await expect(other.register(notes!.latchkey.fastifyPlugin, { prefix: '/auth' }).ready()).rejects.toThrow(
      /without a prefix/,
    );
    await other.close();
    expect(issuer).toBeTruthy();
  });

  it('sends the browser back only to a sign-in in progress, and refuses a login post without its CSRF token', async () => {
    const { issuer } = await start();
    const browser = new Browser();
    for (const next of [
      '/\\evil.com',
      '/\t/evil.com',
      '//evil.com',
      'https://evil.com',
      '/interaction/x/../../x',
    ]) {
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

  it('leaves the app’s own /oauth/… routes to the app, and refuses to shadow one at Latchkey’s paths', async () => {
    await start();
    const { default: Fastify } = await import('fastify');
    const host = Fastify();
    host.get('/oauth/github/callback', async () => 'the app’s GitHub callback');
    await host.register(notes!.latchkey.fastifyPlugin);
    const address = await host.listen({ host: '127.0.0.1', port: 0 });
    expect(await (await fetch(`${address}/oauth/github/callback`)).text()).toBe('the app’s GitHub callback');
    expect((await fetch(`${address}/.well-known/openid-configuration`)).status).toBe(200);
    await host.close();

    const clash = Fastify();
    clash.post('/oauth/token', async () => ({ access_token: 'the app’s own' }));
    await expect(clash.register(notes!.latchkey.fastifyPlugin).ready()).rejects.toThrow(
      /already has routes at Latchkey's paths: \/oauth\/token/,
    );
    await clash.close();
  });
});
