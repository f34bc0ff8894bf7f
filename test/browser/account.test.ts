/**
 * The account page in Debian's Chromium: a user signs in to the example client and allows it,
 * opens Latchkey's /account, removes the app's access through the real "Remove access" link and
 * confirmation form, and the app's access token then fails at /api/me; the app, asked to show the
 * profile again, cannot refresh either and sends the user back through consent. No script runs:
 * every step is a link or a form post under the pages' strict CSP.
 *
 * LATCHKEY_SCREENSHOTS=1 also writes docs/screenshots/10-account.png and 11-remove-access.png.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserAvailability,
  expectClean,
  launchChromium,
  MOBILE,
  type MonitoredPage,
  openPage,
  type Stack,
  screenshot,
  startStack,
  waitForPage,
} from './helpers.js';

const TIMEOUT = 60_000;
const PASSWORD = 'frank-test-password-789';
const availability = browserAvailability();

describe.skipIf(!availability.run)('account page (Chromium)', () => {
  let stack: Stack;
  let browser: Browser;
  const opened: MonitoredPage[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    stack = await startStack();
    for (const username of ['frank', 'grace'])
      await stack.server.createUser({ username, password: PASSWORD });
  }, TIMEOUT);

  afterAll(async () => {
    await Promise.allSettled(opened.map(({ context }) => context.close()));
    await browser?.close();
    await stack?.stop();
  });

  async function open(viewport?: { width: number; height: number }): Promise<MonitoredPage> {
    const monitored = await openPage(browser, viewport);
    opened.push(monitored);
    return monitored;
  }

  /** Example client → Latchkey sign-in → consent (Allow) → the client's profile page. */
  async function signInToExampleApp(page: Page, username: string): Promise<void> {
    await page.goto(stack.exampleUrl);
    await page.getByRole('link', { name: 'Login with Latchkey' }).click();
    await waitForPage(page, stack.issuer, '/interaction/');
    await page.getByLabel('User name').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: /wants to access your account/ }).waitFor();
    await page.getByRole('button', { name: 'Allow' }).click();
    await waitForPage(page, stack.exampleUrl, '/profile');
    await page.getByRole('heading', { name: 'Your profile' }).waitFor();
  }

  /** The access token the example client holds (its only session), read from its session store. */
  function exampleAppAccessToken(): string {
    const db = new Database(join(stack.dataDir, 'example-client-sessions.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT data FROM sessions').all() as { data: string }[];
      const tokens = rows.map((r) => (JSON.parse(r.data) as { tokens?: { accessToken: string } }).tokens);
      const held = tokens.filter((t) => t !== undefined);
      expect(held).toHaveLength(1);
      return held[0]!.accessToken;
    } finally {
      db.close();
    }
  }

  const apiMe = (token: string) =>
    fetch(`${stack.issuer}/api/me`, { headers: { authorization: `Bearer ${token}` } });

  it(
    'removes an app’s access through the page and its confirmation; the token then fails at /api/me',
    async () => {
      // A second app the user once allowed, so the list shows more than one.
      const photos = await stack.server.registerClient({
        client_name: 'Photo Album',
        client_uri: 'https://photos.example.com',
        redirect_uris: ['https://photos.example.com/callback'],
        scope: 'openid profile email',
      });
      const frank = await stack.server.store.users.findByUsername('frank');
      await stack.server.store.consents.grant(
        frank!.id,
        photos.client.clientId,
        ['openid', 'profile'],
        Math.floor(Date.now() / 1000) - 86_400 * 12,
      );

      const { page, seen } = await open();
      await signInToExampleApp(page, 'frank');
      const token = exampleAppAccessToken();
      expect((await apiMe(token)).status).toBe(200);

      // Latchkey's signed-in page names the apps and links to the account page.
      await page.goto(stack.issuer);
      await page.getByRole('heading', { name: 'Your apps' }).waitFor();
      await page.getByRole('link', { name: 'Manage your account' }).click();
      await waitForPage(page, stack.issuer, '/account');
      await page.getByRole('heading', { name: 'Your account', level: 1 }).waitFor();
      const apps = page.getByRole('heading', { level: 3 });
      expect(await apps.allTextContents()).toEqual(['Example App', 'Photo Album']);
      const main = (await page.locator('main').textContent()) ?? '';
      expect(main).toContain('See your email address');
      expect(main).toContain('Signed in as frank');
      await screenshot(page, '10-account.png');

      // "Remove access" is a link to a confirmation page; only its form post removes anything.
      await page.getByRole('link', { name: 'Remove access for Example App' }).click();
      await waitForPage(page, stack.issuer, '/account/remove-access');
      await page.getByRole('heading', { name: 'Remove access for Example App?' }).waitFor();
      expect((await apiMe(token)).status).toBe(200);
      await screenshot(page, '11-remove-access.png');
      await page.getByRole('button', { name: 'Remove access' }).click();

      await waitForPage(page, stack.issuer, '/account');
      await page.getByRole('status').filter({ hasText: 'Access removed.' }).waitFor();
      expect(await page.getByRole('heading', { level: 3 }).allTextContents()).toEqual(['Photo Album']);
      expect((await apiMe(token)).status).toBe(401);

      // The app cannot refresh its way back: it drops its tokens and starts over, and Latchkey,
      // having forgotten the consent, asks again.
      await page.goto(`${stack.exampleUrl}/profile`);
      await page.getByRole('heading', { name: /wants to access your account/ }).waitFor();
      expect(new URL(page.url()).origin).toBe(stack.issuer);
      expectClean(seen);

      const recorded = await stack.server.store.audit.list({ limit: 10, action: 'consent.removed' });
      expect(recorded).toEqual([
        expect.objectContaining({
          actorId: frank!.id,
          targetId: 'example-client',
          userAgent: expect.stringContaining('Chrome'),
        }),
      ]);
    },
    TIMEOUT,
  );

  it(
    'fits a phone screen and works by keyboard: Cancel on the confirmation changes nothing',
    async () => {
      const { page, seen } = await open(MOBILE);
      await signInToExampleApp(page, 'grace');
      const token = exampleAppAccessToken();
      await page.goto(`${stack.issuer}/account`);
      const overflow = await page.evaluate<{ scrollWidth: number; clientWidth: number }>(
        '({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth })',
      );
      expect(overflow.scrollWidth).toBeLessThanOrEqual(overflow.clientWidth);
      await page.getByRole('link', { name: 'Remove access for Example App' }).focus();
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Remove access for Example App?' }).waitFor();
      await page.getByRole('link', { name: 'Cancel' }).focus();
      await page.keyboard.press('Enter');
      await waitForPage(page, stack.issuer, '/account');
      await page.getByRole('heading', { name: 'Example App', level: 3 }).waitFor();
      expect((await apiMe(token)).status).toBe(200);
      expectClean(seen);
    },
    TIMEOUT,
  );
});
