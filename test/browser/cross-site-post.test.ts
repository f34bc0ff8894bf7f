/**
 * Cross-site form posts in Debian's Chromium. Latchkey runs on 127.0.0.1 and the app on
 * `localhost`, another site, so an app page's auto-submitting form is a cross-site top-level POST,
 * on which the browser withholds Latchkey's SameSite=Lax cookies:
 * - RP-Initiated Logout by POST still reaches the confirmation and really signs the user out;
 * - POST /oauth/authorize with prompt=none still sees the signed-in user and returns a code,
 *   without replacing the browser's lk_browser secret.
 */
import { createServer, type Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchangeCode, pkcePair } from '../helpers/flow.js';
import { createClient, createUser, PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';
import {
  browserAvailability,
  expectClean,
  freePort,
  launchChromium,
  type MonitoredPage,
  openPage,
  waitForPage,
} from './helpers.js';

const TIMEOUT = 60_000;
const availability = browserAvailability();

const escapeHtml = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The app: pages that auto-post a form to Latchkey, and a plain page for every other path. */
class RelyingParty {
  private readonly forms = new Map<string, { action: string; fields: Record<string, string> }>();
  private server: Server | undefined;
  origin = '';

  async start(): Promise<void> {
    const port = await freePort();
    // Reached as localhost, while Latchkey is 127.0.0.1: a different site.
    this.origin = `http://localhost:${port}`;
    this.server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', this.origin).pathname;
      const form = this.forms.get(path);
      response.setHeader('content-type', 'text/html; charset=utf-8');
      if (!form) {
        response.end(`<!doctype html><title>App</title><p>App page ${escapeHtml(path)}</p>`);
        return;
      }
      const inputs = Object.entries(form.fields)
        .map(
          ([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`,
        )
        .join('');
      response.end(
        `<!doctype html><title>App</title><form method="post" action="${escapeHtml(form.action)}">${inputs}</form>` +
          '<script>document.forms[0].submit()</script>',
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
  }

  /** A page at `path` that posts `fields` to `action` as soon as it loads. */
  autoPost(path: string, action: string, fields: Record<string, string>): string {
    this.forms.set(path, { action, fields });
    return `${this.origin}${path}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe.skipIf(!availability.run)('cross-site form posts (Chromium)', () => {
  let t: TestServer;
  let rp: RelyingParty;
  let browser: Browser;
  let client: { clientId: string; clientSecret: string };
  const opened: MonitoredPage[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    t = await startTestServer();
    rp = new RelyingParty();
    await rp.start();
    await createUser(t, 'alice');
    const registered = await createClient(t, {
      client_name: 'Cross-site App',
      scope: 'openid profile',
      redirect_uris: [`${rp.origin}/cb`],
      post_logout_redirect_uris: [`${rp.origin}/after`],
      skip_consent: true,
    });
    client = { clientId: registered.client.clientId, clientSecret: registered.clientSecret! };
  }, TIMEOUT);

  afterAll(async () => {
    await Promise.allSettled(opened.map(({ context }) => context.close()));
    await browser?.close();
    await rp?.stop();
    await t?.close();
  });

  async function open(): Promise<MonitoredPage> {
    const monitored = await openPage(browser);
    opened.push(monitored);
    return monitored;
  }

  async function signIn(page: Page): Promise<void> {
    await page.goto(`${t.url}/login`);
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: /signed in/i }).waitFor();
  }

  /** Whether Latchkey's home page shows a signed-in user (else it sends the browser to /login). */
  async function signedInAtLatchkey(page: Page): Promise<boolean> {
    await page.goto(`${t.url}/`);
    return new URL(page.url()).pathname !== '/login';
  }

  async function cookie(monitored: MonitoredPage, name: string): Promise<string | undefined> {
    return (await monitored.context.cookies(t.url)).find((c) => c.name === name)?.value;
  }

  it(
    'a logout posted by the app reaches the confirmation, and Sign out ends the session',
    async () => {
      const monitored = await open();
      const { page, seen } = monitored;
      await signIn(page);
      expect(await cookie(monitored, 'lk_session')).toBeTruthy();

      await page.goto(
        rp.autoPost('/logout', `${t.url}/oauth/end-session`, {
          client_id: client.clientId,
          post_logout_redirect_uri: `${rp.origin}/after`,
          state: 'bye-1',
        }),
      );
      await waitForPage(page, t.url, '/oauth/end-session');
      await page.getByRole('heading', { name: 'Sign out of Latchkey?' }).waitFor();
      const confirmation = (await page.locator('main').textContent()) ?? '';
      expect(confirmation).toContain('Cross-site App');
      expect(confirmation).toContain('alice');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await waitForPage(page, rp.origin, '/after');
      expect(new URL(page.url()).searchParams.get('state')).toBe('bye-1');
      expect(await cookie(monitored, 'lk_session')).toBeUndefined();
      expect(await signedInAtLatchkey(page)).toBe(false);
      expectClean(seen);
    },
    TIMEOUT,
  );

  it(
    'a logout posted by the app for a browser signed in nowhere goes straight back to the app',
    async () => {
      const { page, seen } = await open();
      await page.goto(
        rp.autoPost('/logout-anonymous', `${t.url}/oauth/end-session`, {
          client_id: client.clientId,
          post_logout_redirect_uri: `${rp.origin}/after`,
          state: 'bye-2',
        }),
      );
      // Through Latchkey's re-post, whose form-action must allow the redirect to the app.
      await waitForPage(page, rp.origin, '/after');
      expect(new URL(page.url()).searchParams.get('state')).toBe('bye-2');
      expectClean(seen);
    },
    TIMEOUT,
  );

  it(
    'an authorization request posted by the app with prompt=none returns a code, keeping lk_browser',
    async () => {
      const monitored = await open();
      const { page, seen } = monitored;
      await signIn(page);
      const secret = await cookie(monitored, 'lk_browser');
      expect(secret).toBeTruthy();

      const posts: { status: number; setCookie: string | null }[] = [];
      page.on('response', async (response) => {
        const request = response.request();
        if (request.method() === 'POST' && response.url() === `${t.url}/oauth/authorize`) {
          posts.push({ status: response.status(), setCookie: await response.headerValue('set-cookie') });
        }
      });

      const pkce = pkcePair();
      await page.goto(
        rp.autoPost('/login-silently', `${t.url}/oauth/authorize`, {
          client_id: client.clientId,
          response_type: 'code',
          scope: 'openid profile',
          redirect_uri: `${rp.origin}/cb`,
          state: 'silent',
          nonce: 'n-silent',
          prompt: 'none',
          code_challenge: pkce.challenge,
          code_challenge_method: 'S256',
        }),
      );
      await waitForPage(page, rp.origin, '/cb');
      const back = new URL(page.url()).searchParams;
      expect(back.get('error')).toBeNull();
      expect(back.get('state')).toBe('silent');
      expect(posts).toEqual([{ status: 303, setCookie: null }]);
      expect(await cookie(monitored, 'lk_browser')).toBe(secret);

      const tokens = await exchangeCode(t.url, client, {
        grant_type: 'authorization_code',
        code: back.get('code')!,
        redirect_uri: `${rp.origin}/cb`,
        code_verifier: pkce.verifier,
      });
      expect(tokens.status).toBe(200);
      expect(tokens.body.id_token).toEqual(expect.any(String));
      expectClean(seen);
    },
    TIMEOUT,
  );
});
