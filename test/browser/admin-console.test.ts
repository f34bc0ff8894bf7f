/**
 * The admin console in Debian's Chromium, as the issue tells it: an admin registers a client in
 * the console (its redirect URI a second copy of the example client app), the example client's
 * flow works with that client, the user removes its access on /account and the client's token
 * stops working at /api/me; an admin disables a user, who then can neither sign in nor refresh.
 * Every console page is visited under its strict CSP: no violation, no failed request, no 5xx.
 *
 * LATCHKEY_SCREENSHOTS=1 also writes docs/screenshots/12-admin-clients.png … 21-admin-audit.png.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExampleClient } from '../../examples/client/app.js';
import {
  ADMIN_PASSWORD,
  browserAvailability,
  expectClean,
  freePort,
  launchChromium,
  type MonitoredPage,
  openPage,
  type Stack,
  screenshot,
  startStack,
  waitForPage,
} from './helpers.js';

const TIMEOUT = 90_000;
const PASSWORD = 'henry-test-password-321';
const availability = browserAvailability();

describe.skipIf(!availability.run)('admin console (Chromium)', () => {
  let stack: Stack;
  let browser: Browser;
  let consoleApp: FastifyInstance | undefined;
  const opened: MonitoredPage[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    stack = await startStack();
    for (const username of ['henry', 'ivy']) await stack.server.createUser({ username, password: PASSWORD });
  }, TIMEOUT);

  afterAll(async () => {
    await Promise.allSettled(opened.map(({ context }) => context.close()));
    await consoleApp?.close();
    await browser?.close();
    await stack?.stop();
  });

  async function open(): Promise<MonitoredPage> {
    const monitored = await openPage(browser);
    opened.push(monitored);
    return monitored;
  }

  async function signInAt(page: Page, username: string, password: string): Promise<void> {
    await page.getByLabel('User name').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  async function adminPage(): Promise<MonitoredPage> {
    const monitored = await open();
    await monitored.page.goto(`${stack.issuer}/login`);
    await signInAt(monitored.page, 'admin', ADMIN_PASSWORD);
    await monitored.page.waitForURL((url) => url.pathname === '/');
    await monitored.page.goto(`${stack.issuer}/admin`);
    await monitored.page.getByRole('heading', { name: 'Administration' }).waitFor();
    return monitored;
  }

  /** An example client app's session store → the tokens of its one signed-in session. */
  function heldTokens(dbFile: string): { accessToken: string; refreshToken: string } {
    const db = new Database(join(stack.dataDir, dbFile), { readonly: true });
    try {
      const rows = db.prepare('SELECT data FROM sessions').all() as { data: string }[];
      const held = rows
        .map((r) => (JSON.parse(r.data) as { tokens?: { accessToken: string; refreshToken: string } }).tokens)
        .filter((t) => t !== undefined);
      expect(held).toHaveLength(1);
      return held[0]!;
    } finally {
      db.close();
    }
  }

  const nav = (page: Page, name: string) =>
    page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name, exact: true });

  const apiMe = (token: string) =>
    fetch(`${stack.issuer}/api/me`, { headers: { authorization: `Bearer ${token}` } });

  /** Example client app at `appUrl` → Latchkey sign-in → consent (Allow) → its profile page. */
  async function signInToApp(page: Page, appUrl: string, username: string, appName: string): Promise<void> {
    await page.goto(appUrl);
    await page.getByRole('link', { name: 'Login with Latchkey' }).click();
    await waitForPage(page, stack.issuer, '/interaction/');
    await signInAt(page, username, PASSWORD);
    await page.getByRole('heading', { name: `${appName} wants to access your account` }).waitFor();
    await page.getByRole('button', { name: 'Allow' }).click();
    await waitForPage(page, appUrl, '/profile');
    await page.getByRole('heading', { name: 'Your profile' }).waitFor();
  }

  it(
    'registers a client in the console; the example app works with it until the user removes its access',
    async () => {
      const admin = await adminPage();
      const { page } = admin;
      const appUrl = `http://localhost:${await freePort()}`;

      await nav(page, 'Clients').click();
      await page.getByRole('link', { name: 'New client' }).click();
      await page.getByRole('heading', { name: 'New client' }).waitFor();
      // A bad redirect URI first: the form comes back with the service's message and the input kept.
      await page.getByLabel('Name', { exact: true }).fill('Console App');
      await page.getByLabel('Redirect URIs').fill('javascript:alert(1)');
      await page.getByLabel('Scopes').fill('openid profile email');
      await page.getByRole('button', { name: 'Create client' }).click();
      await page.getByRole('alert').filter({ hasText: 'redirect_uris[0]' }).waitFor();
      expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Console App');
      await screenshot(page, '14-admin-client-new.png');

      await page.getByLabel('Redirect URIs').fill(`${appUrl}/callback`);
      await page.getByRole('button', { name: 'Create client' }).click();
      await page.getByRole('heading', { name: 'Client Console App created' }).waitFor();
      const clientId = await page.getByLabel('client_id').inputValue();
      const clientSecret = await page.getByLabel('client_secret').inputValue();
      expect(clientSecret.length).toBeGreaterThan(30);
      // The copy buttons appear only because /assets/copy.js ran under the page's CSP.
      const copy = page.getByRole('button', { name: 'Copy' }).last();
      await copy.click();
      await page.getByRole('button', { name: 'Copied' }).waitFor();
      await screenshot(page, '13-admin-client-secret.png');

      consoleApp = await createExampleClient({
        issuer: stack.issuer,
        clientId,
        clientSecret,
        baseUrl: appUrl,
        apiUrl: `${stack.issuer}/api/me`,
        sessionDbPath: join(stack.dataDir, 'console-app-sessions.db'),
      });
      await consoleApp.listen({ host: '127.0.0.1', port: Number(new URL(appUrl).port) });

      const user = await open();
      await signInToApp(user.page, appUrl, 'henry', 'Console App');
      const { accessToken } = heldTokens('console-app-sessions.db');
      expect((await apiMe(accessToken)).status).toBe(200);

      await user.page.goto(`${stack.issuer}/account`);
      await user.page.getByRole('link', { name: 'Remove access for Console App' }).click();
      await user.page.getByRole('button', { name: 'Remove access' }).click();
      await user.page.getByRole('status').filter({ hasText: 'Access removed.' }).waitFor();
      expect((await apiMe(accessToken)).status).toBe(401);

      // The client's pages: the list, its detail with edit form, the delete confirmation (cancelled).
      await page.getByRole('link', { name: 'Done' }).click();
      await page.getByRole('heading', { name: 'Client Console App' }).waitFor();
      await screenshot(page, '15-admin-client-detail.png');
      await page.getByRole('link', { name: 'Delete client' }).click();
      await page.getByRole('heading', { name: 'Delete Console App?' }).waitFor();
      await screenshot(page, '16-admin-client-delete.png');
      await page.getByRole('link', { name: 'Cancel' }).click();
      await page.getByRole('link', { name: 'Back to clients' }).click();
      await page.getByRole('link', { name: 'Console App' }).waitFor();
      await screenshot(page, '12-admin-clients.png');
      expect(await stack.server.findClient(clientId)).not.toBeNull();
      expectClean(admin.seen);
      expectClean(user.seen);
    },
    TIMEOUT,
  );

  it(
    'disables a user in the console; they can no longer sign in or refresh',
    async () => {
      const user = await open();
      await signInToApp(user.page, stack.exampleUrl, 'ivy', 'Example App');
      const tokens = heldTokens('example-client-sessions.db');
      expect((await apiMe(tokens.accessToken)).status).toBe(200);

      const admin = await adminPage();
      const { page } = admin;
      await nav(page, 'Users').click();
      await page.getByLabel('Search users').fill('iv');
      await page.getByRole('button', { name: 'Search' }).click();
      await screenshot(page, '17-admin-users.png');
      await page.getByRole('link', { name: 'ivy' }).click();
      await page.getByRole('heading', { name: 'User ivy' }).waitFor();
      expect(await page.locator('main').textContent()).toContain('Example App');
      await screenshot(page, '18-admin-user.png');
      await page.getByRole('link', { name: 'Disable user' }).click();
      await page.getByRole('heading', { name: 'Disable ivy?' }).waitFor();
      await screenshot(page, '19-admin-user-disable.png');
      await page.getByRole('button', { name: 'Disable user' }).click();
      await page.getByRole('status').filter({ hasText: 'User disabled' }).waitFor();

      expect((await apiMe(tokens.accessToken)).status).toBe(401);
      const example = JSON.parse(readFileSync(join(stack.dataDir, 'example-client.json'), 'utf8')) as {
        client_id: string;
        client_secret: string;
      };
      const refreshed = await fetch(`${stack.issuer}/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${example.client_id}:${example.client_secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: tokens.refreshToken,
        }).toString(),
      });
      expect(refreshed.status).toBe(400);

      // Back at the app: it cannot refresh, starts over, and Latchkey refuses the sign-in.
      await user.page.goto(`${stack.exampleUrl}/profile`);
      await waitForPage(user.page, stack.issuer, '/');
      await user.page.goto(`${stack.issuer}/login`);
      await signInAt(user.page, 'ivy', PASSWORD);
      await user.page.getByRole('alert').filter({ hasText: 'Incorrect user name or password.' }).waitFor();

      await nav(page, 'Keys').click();
      await page.getByRole('heading', { name: 'Signing keys' }).waitFor();
      await screenshot(page, '20-admin-keys.png');
      await nav(page, 'Audit').click();
      await page.getByLabel('Action').fill('admin.*');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByRole('cell', { name: 'admin.user.disabled' }).waitFor();
      await screenshot(page, '21-admin-audit.png');
      expectClean(admin.seen);
    },
    TIMEOUT,
  );
});
