/**
 * Rules added after the security review: throttling that holds under a burst, public clients
 * always asked, bounded state, 405s, no-store on code redirects, repeated Authorization lines,
 * a CSRF token that is not the browser cookie, and request logs without query strings.
 */
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthServer } from '../../src/index.js';
import { csrfToken, formAction, TestBrowser } from '../helpers/browser.js';
import { freshPostgresUrl, TEST_ENGINE } from '../helpers/database.js';
import { authorize, authorizeUrl, pkcePair } from '../helpers/flow.js';
import { createClient, createUser, PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
const redirectUri = 'http://127.0.0.1:5999/callback';

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

async function loginPage(browser: TestBrowser) {
  const page = await browser.get(`${t.url}/login`);
  return { action: new URL(formAction(page.text, '/login'), t.url).toString(), csrf: csrfToken(page.text) };
}

describe('login throttling under a burst', () => {
  it('gives a parallel burst of guesses no more tries than the limit', async () => {
    await createUser(t, 'burst');
    const browser = new TestBrowser();
    const { action, csrf } = await loginPage(browser);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        browser.post(action, { csrf_token: csrf, username: 'burst', password: 'wrong-guess' }),
      ),
    );
    const checked = results.filter((r) => r.status === 401).length;
    expect(checked).toBeLessThanOrEqual(5);
    expect(results.filter((r) => r.status === 429).length).toBe(20 - checked);
    // Locked now, even with the right password.
    const right = await browser.post(action, { csrf_token: csrf, username: 'burst', password: PASSWORD });
    expect(right.status).toBe(429);
    expect(right.headers.get('retry-after')).toBe('900');
  });
});

describe('public clients', () => {
  it('are asked for consent every time (RFC 8252 §8.6)', async () => {
    await createUser(t, 'pubuser');
    const pub = await createClient(t, { client_name: 'Native', token_endpoint_auth_method: 'none' });
    const browser = new TestBrowser();
    const base = { issuer: t.url, clientId: pub.client.clientId, redirectUri, username: 'pubuser', browser };
    await authorize({ ...base, challenge: pkcePair().challenge });
    const again = await authorize({ ...base, challenge: pkcePair().challenge });
    expect(again.pages.some((p) => p.text.includes('name="decision"'))).toBe(true);
  });

  it('cannot be registered to skip consent', async () => {
    await expect(
      createClient(t, { client_name: 'Bad', token_endpoint_auth_method: 'none', skip_consent: true }),
    ).rejects.toThrow(/cannot skip consent/);
  });
});

describe('HTTP details', () => {
  it('refuses an overlong state with an error page, never a redirect', async () => {
    const c = await createClient(t);
    const page = await fetch(
      authorizeUrl({
        issuer: t.url,
        clientId: c.client.clientId,
        redirectUri,
        state: 'x'.repeat(1025),
        challenge: pkcePair().challenge,
      }),
      { redirect: 'manual' },
    );
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(await page.text()).toContain('state');
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const response = await fetch(`${t.url}/oauth/token`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(await response.json()).toMatchObject({ error: 'method_not_allowed' });
  });

  it('marks the redirect that carries a code no-store', async () => {
    await createUser(t, 'nostore');
    const c = await createClient(t);
    const { pages } = await authorize({
      issuer: t.url,
      clientId: c.client.clientId,
      redirectUri,
      challenge: pkcePair().challenge,
      username: 'nostore',
    });
    const last = pages.at(-1)!;
    expect(last.location).toContain('code=');
    expect(last.headers.get('cache-control')).toBe('no-store');
  });

  it('does not put the browser secret itself into forms', async () => {
    const browser = new TestBrowser();
    const { csrf } = await loginPage(browser);
    expect(browser.cookie('lk_browser')).toBeTruthy();
    expect(csrf).not.toBe(browser.cookie('lk_browser'));
  });

  it('refuses two Authorization lines at the token endpoint', async () => {
    const body = 'grant_type=refresh_token&refresh_token=x';
    const port = new URL(t.url).port;
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.end(
          `POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
            `Authorization: Basic YTpi\r\nAuthorization: Basic YzpK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
        );
      });
      let data = '';
      socket.on('data', (chunk) => {
        data += chunk;
      });
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toContain('"error":"invalid_request"');
  });
});

describe('request logs', () => {
  it('log the path without the query string', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const server = await createAuthServer({
      config: {
        databaseUrl: TEST_ENGINE === 'postgres' ? await freshPostgresUrl() : 'sqlite::memory:',
        logLevel: 'info',
      },
      logger: { level: 'info', stream },
    });
    try {
      await server.app.inject({ url: '/api/me?access_token=SECRET-TOKEN-VALUE' });
      await server.app.inject({ url: '/oauth/authorize?state=SECRET-STATE' });
      const log = lines.join('');
      expect(log).toContain('/api/me');
      expect(log).not.toContain('SECRET');
    } finally {
      await server.close();
    }
  });
});
