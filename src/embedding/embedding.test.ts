/**
 * The extension points end to end, over real HTTP through the public Node handler: a host's
 * verifyCredentials behind Latchkey's login page (throttled), adapters and hooks that misbehave,
 * the claims and consent hooks, and replaced or restyled pages.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../../test/helpers/browser.js';
import { freshDatabaseUrl } from '../../test/helpers/database.js';
import { authorize, exchangeCode, pkcePair } from '../../test/helpers/flow.js';
import { type AccountAdapter, type AuthServer, type AuthServerOptions, createAuthServer } from '../index.js';

const REDIRECT_URI = 'http://127.0.0.1:5997/callback';
const PASSWORD = 'correct horse battery staple';

const alice = { id: 'u-1', username: 'alice', claims: { name: 'Alice', email: 'alice@example.com' } };

/** A host whose users are a map and whose passwords are checked by the host. */
const hostAccounts = (overrides: Partial<AccountAdapter> = {}): AccountAdapter => ({
  findAccount: (id) => (id === alice.id ? alice : null),
  verifyCredentials: (username, password) =>
    username === 'alice' ? (password === PASSWORD ? alice.id : { failure: 'wrong_password' }) : null,
  ...overrides,
});

let running: { server: AuthServer; http: Server; dir: string } | null = null;
afterEach(async () => {
  if (!running) return;
  await new Promise((resolve) => running!.http.close(resolve));
  await running.server.close();
  rmSync(running.dir, { recursive: true, force: true });
  running = null;
});

async function start(options: Omit<AuthServerOptions, 'config'> & { config?: Record<string, unknown> } = {}) {
  const http = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  const logs: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-embedding-'));
  const server = await createAuthServer({
    accounts: hostAccounts(),
    database: await freshDatabaseUrl(dir),
    ...options,
    config: { issuer, ...options.config },
    logger: {
      level: 'error',
      stream: { write: (line: string) => logs.push(line) },
    } as unknown as Record<string, unknown>,
  });
  http.on('request', server.handler);
  running = { server, http, dir };
  const { client, clientSecret } = await server.registerClient({
    client_name: 'Host app',
    redirect_uris: [REDIRECT_URI],
    scope: 'openid profile email',
  });
  return { issuer, server, logs, client: { clientId: client.clientId, clientSecret } };
}

async function codeFlow(issuer: string, client: { clientId: string; clientSecret: string | null }) {
  const pkce = pkcePair();
  const { redirect } = await authorize({
    issuer,
    clientId: client.clientId,
    redirectUri: REDIRECT_URI,
    scope: 'openid profile email',
    challenge: pkce.challenge,
    state: 's',
  });
  return exchangeCode(issuer, client, {
    grant_type: 'authorization_code',
    code: redirect.searchParams.get('code') ?? '',
    redirect_uri: REDIRECT_URI,
    code_verifier: pkce.verifier,
  });
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('a host’s verifyCredentials behind Latchkey’s login page', () => {
  it('signs in, issues tokens with the host’s claims, and emits events even when a listener throws', async () => {
    const events: string[] = [];
    const { issuer, client, logs } = await start({
      hooks: {
        events: {
          loginSucceeded: (e) => void events.push(`login ${e.accountId} ${e.method}`),
          tokenIssued: () => {
            throw new Error('listener bug');
          },
          consentGranted: async (e) => {
            events.push(`consent ${e.clientId}`);
            throw new Error('async listener bug');
          },
        },
      },
    });
    const tokens = await codeFlow(issuer, client);
    expect(tokens.status).toBe(200);
    expect(decodeJwt(tokens.body.id_token as string)).toMatchObject({ sub: 'u-1' });
    const info = await fetch(`${issuer}/oauth/userinfo`, {
      headers: { authorization: `Bearer ${tokens.body.access_token}` },
    });
    expect(await info.json()).toMatchObject({ sub: 'u-1', name: 'Alice', preferred_username: 'alice' });
    await tick();
    expect(events).toEqual(['login u-1 login_page', `consent ${client.clientId}`]);
    expect(logs.join('')).toContain('a hook failed');
    expect(logs.join('')).not.toContain('access_token');
  });

  it('answers wrong passwords with one generic 401 and throttles the account', async () => {
    const failures: string[] = [];
    const { issuer } = await start({
      config: { throttle: { maxFailuresPerAccount: 2 } },
      hooks: { events: { loginFailed: (e) => void failures.push(e.reason) } },
    });
    const browser = new TestBrowser();
    const form = await browser.get(`${issuer}/oauth/authorize?response_type=code&client_id=x`);
    expect(form.status).toBe(400);
    const login = async (username: string) => {
      const page = await browser.follow(
        await browser.get(
          `${issuer}/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: (await running!.server.store.clients.list())[0]!.clientId, redirect_uri: REDIRECT_URI, code_challenge: pkcePair().challenge, code_challenge_method: 'S256' })}`,
        ),
        issuer,
      );
      const csrf = /name="csrf_token" value="([^"]+)"/.exec(page.text)![1]!;
      const action = /action="([^"]*\/login)"/.exec(page.text)![1]!;
      return browser.post(`${issuer}${action}`, { csrf_token: csrf, username, password: 'wrong password' });
    };
    const first = await login('alice');
    const unknown = await login('nobody');
    expect(first.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(first.text).toContain('Incorrect user name or password.');
    await login('alice');
    const throttled = await login('alice');
    expect(throttled.status).toBe(429);
    await tick();
    expect(failures).toEqual(['wrong_password', 'rejected', 'wrong_password', 'throttled']);
  });
});

describe('an adapter that answers garbage', () => {
  it('drops ill-typed and oversized claims, and never takes another account for the one asked', async () => {
    const { issuer, client } = await start({
      accounts: hostAccounts({
        findAccount: (id) =>
          id === 'u-1'
            ? ({
                id,
                username: 'alice\u0000',
                claims: { name: 42, email: 'x'.repeat(600), locale: 'en-GB', bogus: 'yes', address: 'nope' },
                updatedAt: 'yesterday',
              } as never)
            : null,
      }),
    });
    const tokens = await codeFlow(issuer, client);
    expect(tokens.status).toBe(200);
    const info = (await (
      await fetch(`${issuer}/oauth/userinfo`, {
        headers: { authorization: `Bearer ${tokens.body.access_token}` },
      })
    ).json()) as Record<string, unknown>;
    expect(info).toEqual({ sub: 'u-1', locale: 'en-GB', preferred_username: 'u-1' });
  });

  it('refuses the sign-in when findAccount returns another account', async () => {
    const { issuer, client } = await start({
      accounts: hostAccounts({ findAccount: () => ({ id: 'someone-else' }) }),
    });
    await expect(codeFlow(issuer, client)).rejects.toThrow(/without a redirect/);
  });

  it('checks the adapter’s shape at start', async () => {
    await expect(createAuthServer({ accounts: { verifyCredentials: () => null } as never })).rejects.toThrow(
      /findAccount is required/,
    );
    await expect(
      createAuthServer({ accounts: { findAccount: () => null, getCurrentUser: () => null } }),
    ).rejects.toThrow(/getCurrentUser needs loginUrl/);
    await expect(createAuthServer({ hooks: { events: { tokenIssud: () => {} } as never } })).rejects.toThrow(
      /tokenIssud is not an event/,
    );
  });
});

describe('the claims and consent hooks', () => {
  it('adds claims to ID tokens and JWT access tokens', async () => {
    const { issuer, client } = await start({
      config: { tokens: { accessTokenFormat: 'jwt' } },
      hooks: { claims: ({ token, accountId }) => ({ roles: ['editor'], token_kind: token, who: accountId }) },
    });
    const tokens = await codeFlow(issuer, client);
    expect(decodeJwt(tokens.body.id_token as string)).toMatchObject({
      sub: 'u-1',
      roles: ['editor'],
      token_kind: 'id_token',
    });
    expect(decodeJwt(tokens.body.access_token as string)).toMatchObject({
      sub: 'u-1',
      roles: ['editor'],
      token_kind: 'access_token',
      client_id: client.clientId,
    });
  });

  it('fails the token request, telling the client nothing, when the hook sets a reserved claim or throws', async () => {
    let mode: 'reserved' | 'throw' = 'reserved';
    const { issuer, client, logs } = await start({
      hooks: {
        claims: () => {
          if (mode === 'throw') throw new Error('host database down: secret detail');
          return { sub: 'admin' } as never;
        },
      },
    });
    const reserved = await codeFlow(issuer, client);
    expect(reserved.status).toBe(500);
    expect(reserved.body).toEqual({ error: 'server_error' });
    mode = 'throw';
    const thrown = await codeFlow(issuer, client);
    expect(thrown.status).toBe(500);
    expect(JSON.stringify(thrown.body)).not.toContain('secret detail');
    expect(logs.join('')).toContain('reserved claims: sub');
  });

  it('asks for consent when the consent hook throws, and skips it when the hook says so', async () => {
    let decision: () => 'skip' = () => {
      throw new Error('consent hook bug');
    };
    const { issuer, client } = await start({ hooks: { consent: () => decision() } });
    const pkce = pkcePair();
    const asked = await authorize({
      issuer,
      clientId: client.clientId,
      redirectUri: REDIRECT_URI,
      scope: 'openid',
      challenge: pkce.challenge,
    });
    expect(asked.pages.some((p) => p.text.includes('name="decision"'))).toBe(true);
    decision = () => 'skip';
    const skipped = await authorize({
      issuer,
      clientId: client.clientId,
      redirectUri: REDIRECT_URI,
      scope: 'openid email',
      challenge: pkce.challenge,
    });
    expect(skipped.pages.some((p) => p.text.includes('name="decision"'))).toBe(false);
    expect(skipped.redirect.searchParams.get('code')).toBeTruthy();
  });
});

describe('replaced and restyled pages', () => {
  it('draws errors with the host’s page, under Latchkey’s CSP, and admits the host’s stylesheet', async () => {
    const { issuer } = await start({
      pages: {
        error: (view) => `<!doctype html><title>${view.title}</title><p class="host-error">${view.code}</p>`,
        style: { stylesheetUrl: 'https://cdn.example.com/brand.css', colors: { primary: '#0a7f5a' } },
      },
    });
    const page = await fetch(`${issuer}/oauth/authorize?response_type=code&client_id=nobody`);
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('<p class="host-error">invalid_client</p>');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("style-src 'self' https://cdn.example.com");
    expect(csp).toContain("frame-ancestors 'none'");
    const theme = await fetch(`${issuer}/assets/latchkey-theme.css`);
    expect(await theme.text()).toContain('--primary: #0a7f5a;');
  });

  it('links the host’s stylesheets from Latchkey’s own pages, and refuses a colour that is not one', async () => {
    const { issuer, client } = await start({ pages: { style: { stylesheetUrl: '/static/brand.css' } } });
    const pkce = pkcePair();
    const browser = new TestBrowser();
    const url = `${issuer}/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: client.clientId, redirect_uri: REDIRECT_URI, code_challenge: pkce.challenge, code_challenge_method: 'S256' })}`;
    const login = await browser.follow(await browser.get(url), issuer);
    expect(login.text).toContain('<link rel="stylesheet" href="/static/brand.css">');
    // Refused before the database is opened.
    await expect(
      createAuthServer({ pages: { style: { colors: { primary: 'red; } body { x' } } } }),
    ).rejects.toThrow(/must be a CSS colour/);
  });

  it('refuses a stylesheet host that would add to the CSP', async () => {
    for (const stylesheetUrl of ['https://a;sandbox/x.css', 'https://a,b/x.css', "https://a'/x.css"]) {
      await expect(createAuthServer({ pages: { style: { stylesheetUrl } } })).rejects.toThrow(
        /stylesheetUrl/,
      );
    }
    // The source admitted is the scheme and the lower-cased host, never more of the URL.
    const { issuer } = await start({
      pages: { style: { stylesheetUrl: 'https://CDN.Example.com:8443/brand.css?v=1' } },
    });
    const page = await fetch(`${issuer}/oauth/authorize?response_type=code&client_id=nobody`);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("style-src 'self' https://cdn.example.com:8443;");
  });
});

describe('the package', () => {
  it('exports only its two public entries', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    expect(Object.keys(pkg.exports)).toEqual(['.', './resource']);
  });
});
