/**
 * The click path a developer follows after `npm start`, in Debian's Chromium: the example client,
 * Latchkey's sign-in and consent pages, back to the client's profile page (the ID token's claims,
 * the UserInfo answer and what the protected API answered), then Log out: Latchkey's sign-out
 * confirmation and back to the client, signed out at both. Accessible locators (roles and labels)
 * throughout, so the pages' labelling is tested along the way.
 *
 * LATCHKEY_SCREENSHOTS=1 also writes the docs screenshots to docs/screenshots/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
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
// The consent page lists what the example client asks for: 'openid profile email'.
const SCOPES = [
  ['openid', 'Confirm your identity'],
  ['profile', 'See your name, user name and profile details'],
  ['email', 'See your email address'],
] as const;
const LOGIN_FAILED = 'Incorrect user name or password.';
const USER_PASSWORD = 'another-test-password-456';

const availability = browserAvailability();

// Code run inside the page is written as strings: the project's tsconfig has no DOM lib.
const FOCUSED_ID = `(() => {
  const active = document.activeElement;
  if (!active || active === document.body) return '';
  return active.id || active.tagName.toLowerCase() + ':' + (active.textContent || '').trim();
})()`;
const STYLE_RULES = '[...document.styleSheets].reduce((n, sheet) => n + sheet.cssRules.length, 0)';

describe.skipIf(!availability.run)('browser click path (Chromium)', () => {
  let stack: Stack;
  let browser: Browser;
  const opened: MonitoredPage[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    stack = await startStack();
    // Consent is remembered per user and client, so each test that must see the consent page
    // signs in as its own user. The first test uses the admin account `npm start` creates.
    for (const username of ['bob', 'carol', 'dave', 'erin']) {
      await stack.server.createUser({ username, password: USER_PASSWORD });
    }
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

  /** From the example client's home page to Latchkey's sign-in page. */
  async function startLogin(page: Page, name?: string): Promise<void> {
    await page.goto(stack.exampleUrl);
    await page.getByRole('heading', { name: 'Welcome' }).waitFor();
    if (name) await screenshot(page, name);
    await page.getByRole('link', { name: 'Login with Latchkey' }).click();
    await waitForPage(page, stack.issuer, '/interaction/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  }

  async function signIn(page: Page, username: string, password: string): Promise<void> {
    await page.getByLabel('User name').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** Waits for the consent page for the example client and checks what it shows. */
  async function expectConsentPage(page: Page, username: string): Promise<void> {
    const heading = page.getByRole('heading', { level: 1 });
    await heading.filter({ hasText: 'wants to access your account' }).waitFor();
    expect(await heading.textContent()).toContain('Example App');
    const clientHome = await page.getByRole('link', { name: 'Example App' }).getAttribute('href');
    expect(new URL(clientHome ?? '', page.url()).origin).toBe(stack.exampleUrl);
    const scopes = page.getByRole('listitem');
    expect(await scopes.count()).toBe(SCOPES.length);
    for (const [index, [name, description]] of SCOPES.entries()) {
      const text = await scopes.nth(index).textContent();
      expect(text).toContain(description);
      expect(text).toContain(name);
    }
    expect(await page.locator('main').textContent()).toContain(`Signed in as ${username}`);
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    await page.getByRole('button', { name: 'Deny' }).waitFor();
    // Latchkey's own stylesheet loaded under its CSP.
    expect(await page.evaluate<number>(STYLE_RULES)).toBeGreaterThan(0);
  }

  /** The profile page, and the JSON the protected API answered. */
  async function profileJson(page: Page): Promise<Record<string, unknown>> {
    await waitForPage(page, stack.exampleUrl, '/profile');
    await page.getByRole('heading', { name: 'Your profile' }).waitFor();
    const text = (await page.locator('pre').textContent()) ?? '';
    return JSON.parse(text) as Record<string, unknown>;
  }

  /** A claims table of the profile page ("ID token" or "UserInfo") as claim → shown value. */
  async function claimsTable(page: Page, name: string): Promise<Record<string, string>> {
    const rows = page.getByRole('table', { name }).locator('tbody tr');
    const claims: Record<string, string> = {};
    for (const row of await rows.all()) {
      const claim = (await row.getByRole('rowheader').textContent())?.trim() ?? '';
      claims[claim] = (await row.getByRole('cell').textContent())?.trim() ?? '';
    }
    return claims;
  }

  it(
    'signs in, consents, shows the ID token, UserInfo and /api/me, and logs out at both ends',
    async () => {
      const { page, seen } = await open();
      await startLogin(page, '01-example-home.png');

      expect(await page.locator('main').textContent()).toContain('Example App');
      await screenshot(page, '02-login.png');
      await signIn(page, 'admin', ADMIN_PASSWORD);

      await expectConsentPage(page, 'admin');
      await screenshot(page, '03-consent.png');
      await page.getByRole('button', { name: 'Allow' }).click();

      const json = await profileJson(page);
      expect(json).toMatchObject({ username: 'admin' });
      expect(await page.locator('pre').textContent()).toContain('"username": "admin"');
      expect(await page.locator('main').textContent()).toContain(`${stack.issuer}/api/me`);
      const idToken = await claimsTable(page, 'ID token');
      expect(idToken).toMatchObject({ iss: stack.issuer, sub: json.sub, aud: 'example-client' });
      expect(idToken.nonce).toMatch(/^[\w-]{43}$/);
      for (const claim of ['iat', 'exp', 'auth_time']) {
        expect(idToken[claim]).toMatch(/^\d+ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
      }
      const userInfo = await claimsTable(page, 'UserInfo');
      expect(userInfo).toMatchObject({ sub: json.sub, preferred_username: 'admin' });
      await screenshot(page, '04-profile.png');

      // Log out: the app ends its session and sends the browser to Latchkey, which asks first.
      await page.getByRole('button', { name: 'Log out' }).click();
      await waitForPage(page, stack.issuer, '/oauth/end-session');
      await page.getByRole('heading', { name: 'Sign out of Latchkey?' }).waitFor();
      const confirmation = (await page.locator('main').textContent()) ?? '';
      expect(confirmation).toContain('Example App');
      expect(confirmation).toContain('admin');
      expect(confirmation).toContain(stack.exampleUrl);
      await screenshot(page, '08-logout-confirm.png');
      await page.getByRole('button', { name: 'Sign out' }).click();

      // Back on the example app, signed out there …
      await waitForPage(page, stack.exampleUrl, '/');
      await page.getByRole('status').filter({ hasText: 'You are signed out.' }).waitFor();
      await page.getByRole('heading', { name: 'Welcome' }).waitFor();
      await screenshot(page, '09-signed-out.png');
      // … and at Latchkey: signing in again asks for the password.
      await page.getByRole('link', { name: 'Login with Latchkey' }).click();
      await waitForPage(page, stack.issuer, '/interaction/');
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      expectClean(seen);
    },
    TIMEOUT,
  );

  it(
    'Deny brings the user back to the client with access_denied',
    async () => {
      const { page, seen } = await open();
      await startLogin(page);
      await signIn(page, 'bob', USER_PASSWORD);
      await expectConsentPage(page, 'bob');
      await page.getByRole('button', { name: 'Deny' }).click();

      await waitForPage(page, stack.exampleUrl, '/callback');
      await page.getByRole('heading', { name: 'Access was denied' }).waitFor();
      const main = (await page.locator('main').textContent()) ?? '';
      expect(main).toContain('Latchkey did not authorize this app.');
      expect(main).toContain('access_denied');
      const callback = new URL(page.url());
      expect(callback.searchParams.get('error')).toBe('access_denied');
      expect(callback.searchParams.get('iss')).toBe(stack.issuer);
      await page.getByRole('link', { name: 'Try again' }).waitFor();
      await screenshot(page, '05-denied.png');
      expectClean(seen);
    },
    TIMEOUT,
  );

  it(
    'a wrong password shows the generic error and the form again; the form works by keyboard alone',
    async () => {
      const { page, seen } = await open();
      await startLogin(page);
      await signIn(page, 'carol', 'not-the-password');

      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect((await alert.textContent())?.trim()).toBe(LOGIN_FAILED);
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      // Still the same interaction, the user name kept, the password not.
      expect(new URL(page.url()).pathname).toMatch(/^\/interaction\//);
      expect(await page.getByLabel('User name').inputValue()).toBe('carol');
      expect(await page.getByLabel('Password').inputValue()).toBe('');
      expect(await page.getByLabel('Password').getAttribute('aria-describedby')).toBe('login-error');
      await screenshot(page, '06-login-error.png');

      // An unknown account gets exactly the same message.
      await signIn(page, 'nobody-by-this-name', 'not-the-password');
      await page.getByLabel('User name').and(page.locator('[value="nobody-by-this-name"]')).waitFor();
      expect((await page.getByRole('alert').textContent())?.trim()).toBe(LOGIN_FAILED);

      // Keyboard only from here: Tab to the user name, type, Tab to the password, type, Enter.
      await tabTo(page, 'username');
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.type('carol');
      await page.keyboard.press('Tab');
      expect(await focusedId(page)).toBe('password');
      await page.keyboard.type(USER_PASSWORD);
      await page.keyboard.press('Enter');

      // The consent page, also by keyboard: Tab to Allow (after Deny), Enter.
      await expectConsentPage(page, 'carol');
      await tabTo(page, 'button:Allow');
      await page.keyboard.press('Enter');
      expect(await profileJson(page)).toMatchObject({ username: 'carol' });
      expectClean(seen);
    },
    TIMEOUT,
  );

  it(
    'the whole flow runs without a CSP violation, a failed request or a server error',
    async () => {
      const { page, seen } = await open();
      await startLogin(page);
      await signIn(page, 'dave', 'wrong-password-first');
      await page.getByRole('alert').waitFor();
      await signIn(page, 'dave', USER_PASSWORD);
      await expectConsentPage(page, 'dave');
      // The consent form posts to Latchkey, which redirects to the client: Chromium checks that
      // redirect against form-action, so the CSP must name the client's origin.
      await page.getByRole('button', { name: 'Allow' }).click();
      expect(await profileJson(page)).toMatchObject({ username: 'dave' });
      // The stylesheets loaded (a CSP block of style-src would leave the pages unstyled).
      await page.getByRole('button', { name: 'Log out' }).waitFor();
      const buttonRadius = await page.evaluate<string>(
        `getComputedStyle(document.querySelector('form[action="/logout"] button')).borderRadius`,
      );
      expect(buttonRadius).toBe('6px');

      // A new browser (no Latchkey session) for a user whose consent is remembered: the login
      // form's own post now redirects straight to the client, which form-action must allow too.
      const again = await open();
      await startLogin(again.page);
      await signIn(again.page, 'dave', USER_PASSWORD);
      expect(await profileJson(again.page)).toMatchObject({ username: 'dave' });
      expectClean(again.seen);

      expect(seen.console.filter((line) => line.startsWith('[pageerror]'))).toEqual([]);
      expectClean(seen);

      // The watch itself works: an inline style on a Latchkey page is refused and reported.
      const control = await open();
      await startLogin(control.page);
      const reported = control.page.waitForEvent('console', {
        predicate: (message) => message.text().includes('Content Security Policy'),
      });
      const refused = await control.page.addStyleTag({ content: 'body { outline: 1px solid red; }' }).then(
        () => 'applied',
        (error: Error) => error.message,
      );
      await reported;
      expect(refused).not.toBe('applied');
      expect(control.seen.cspViolations.length).toBeGreaterThan(0);
    },
    TIMEOUT,
  );

  it(
    'the consent page and the profile page fit a 375 px wide phone screen',
    async () => {
      const { page, seen } = await open(MOBILE);
      const expectNoHorizontalScroll = async () => {
        const overflow = await page.evaluate<{ scrollWidth: number; clientWidth: number }>(
          '({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth })',
        );
        expect(overflow.scrollWidth, page.url()).toBeLessThanOrEqual(overflow.clientWidth);
      };
      await startLogin(page);
      await signIn(page, 'erin', USER_PASSWORD);
      await expectConsentPage(page, 'erin');
      await expectNoHorizontalScroll();
      for (const name of ['Allow', 'Deny']) {
        const box = await page.getByRole('button', { name }).boundingBox();
        expect(box, `${name} button is laid out`).not.toBeNull();
        expect(box!.x).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width).toBeLessThanOrEqual(MOBILE.width);
      }
      await screenshot(page, '07-mobile-consent.png');
      // The claims tables wrap long values (the nonce, at_hash) instead of widening the page.
      await page.getByRole('button', { name: 'Allow' }).click();
      expect(await profileJson(page)).toMatchObject({ username: 'erin' });
      expect(await claimsTable(page, 'ID token')).toHaveProperty('nonce');
      await expectNoHorizontalScroll();
      expectClean(seen);
    },
    TIMEOUT,
  );
});

/** The focused element's id, or `tag:text` when it has none ('' for none). */
async function focusedId(page: Page): Promise<string> {
  return page.evaluate<string>(FOCUSED_ID);
}

/** Presses Tab until `target` (an element id, or `tag:text`) has the focus. */
async function tabTo(page: Page, target: string): Promise<void> {
  const visited: string[] = [];
  for (let i = 0; i < 15; i++) {
    await page.keyboard.press('Tab');
    const id = await focusedId(page);
    if (id === target) return;
    visited.push(id);
  }
  throw new Error(`Tab never reached ${target}; focus went through: ${visited.join(', ')}`);
}
