/**
 * Support for the browser tests: find Debian's Chromium (or explain why the suite is skipped),
 * launch it, start the same dev stack `npm start` runs, watch a page for CSP violations, failed
 * requests and server errors, and write the docs screenshots when asked to.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { type DevStack, startDevStack } from '../../examples/start.js';
import { freshDatabaseUrl } from '../helpers/database.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const ADMIN_PASSWORD = 'a-test-password-123';
export const DESKTOP = { width: 1100, height: 760 } as const;
export const MOBILE = { width: 375, height: 740 } as const;

const SCREENSHOT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots');

export interface BrowserAvailability {
  run: boolean;
  reason?: string;
}

/**
 * Whether the suite can run. Without Chromium it is skipped with a printed reason, except when
 * LATCHKEY_REQUIRE_BROWSER=1 (CI): then it runs and fails loudly in beforeAll.
 */
export function browserAvailability(): BrowserAvailability {
  if (existsSync(CHROMIUM_PATH)) return { run: true };
  const reason = `${CHROMIUM_PATH} not found (install it with: apt-get install -y chromium)`;
  if (process.env.LATCHKEY_REQUIRE_BROWSER === '1') return { run: true, reason };
  console.warn(`Skipping the browser tests: ${reason}`);
  return { run: false, reason };
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `LATCHKEY_REQUIRE_BROWSER=1 but ${CHROMIUM_PATH} is missing: install Debian's chromium package`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A port that was free a moment ago: listen on `wanted` (0: any), read it, close. */
export function freePort(wanted = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(wanted, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/**
 * For the docs screenshots, the ports `npm start` uses (9000, 5000) when they are free, so the
 * pictures show the URLs the README promises; otherwise, and always in normal runs, any free port.
 */
async function stackPort(npmStartPort: number): Promise<number> {
  if (screenshotsEnabled) {
    const port = await freePort(npmStartPort).catch(() => 0);
    if (port) return port;
  }
  return freePort();
}

export interface Stack extends DevStack {
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * Exactly what `npm start` runs, on two free ports and a fresh data directory; Latchkey's own
 * store is the engine under test (a file in the data directory, or a fresh PostgreSQL schema).
 */
export async function startStack(): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-browser-'));
  const [latchkeyPort, examplePort] = await Promise.all([stackPort(9000), stackPort(5000)]);
  const stack = await startDevStack({
    dataDir,
    examplePort,
    env: {
      ...process.env,
      LATCHKEY_PORT: String(latchkeyPort),
      LATCHKEY_LOG_LEVEL: 'silent',
      LATCHKEY_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LATCHKEY_DATABASE_URL: await freshDatabaseUrl(dataDir),
    },
    log: () => {},
  });
  return Object.assign(stack, {
    dataDir,
    async stop() {
      await stack.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

/**
 * Everything on a page that means something is broken: a CSP violation reported on the console,
 * a request that failed at the network level, or a 5xx answer.
 */
export interface PageMonitor {
  cspViolations: string[];
  failedRequests: string[];
  serverErrors: string[];
  /** Every console message, for the report when an assertion fails. */
  console: string[];
}

export function monitor(page: Page): PageMonitor {
  const seen: PageMonitor = { cspViolations: [], failedRequests: [], serverErrors: [], console: [] };
  page.on('console', (message) => {
    const line = `[${message.type()}] ${message.text()} (${message.location().url})`;
    seen.console.push(line);
    if (message.text().includes('Content Security Policy')) seen.cspViolations.push(line);
  });
  page.on('pageerror', (error) => seen.console.push(`[pageerror] ${error.message}`));
  page.on('requestfailed', (request) => {
    seen.failedRequests.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 500) {
      seen.serverErrors.push(`${response.request().method()} ${response.url()}: ${response.status()}`);
    }
  });
  return seen;
}

export interface MonitoredPage {
  context: BrowserContext;
  page: Page;
  seen: PageMonitor;
}

/** A fresh context (no cookies from other tests) with one monitored page. */
export async function openPage(
  browser: Browser,
  viewport: { width: number; height: number } = DESKTOP,
): Promise<MonitoredPage> {
  const context = await browser.newContext({ viewport, locale: 'en-US', colorScheme: 'light' });
  const page = await context.newPage();
  return { context, page, seen: monitor(page) };
}

export const screenshotsEnabled = process.env.LATCHKEY_SCREENSHOTS === '1';

/** Writes docs/screenshots/<name> when LATCHKEY_SCREENSHOTS=1, so normal runs leave the tree clean. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!screenshotsEnabled) return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, name), fullPage: true, animations: 'disabled' });
}

/** Waits until the page is at `origin` + `pathname` (a prefix match on the path). */
export async function waitForPage(page: Page, origin: string, pathname: string): Promise<void> {
  await page.waitForURL((url) => url.origin === origin && url.pathname.startsWith(pathname));
}

/** No CSP violation, no request failed at the network level, no 5xx. */
export function expectClean(seen: PageMonitor): void {
  const problems = {
    cspViolations: seen.cspViolations,
    failedRequests: seen.failedRequests,
    serverErrors: seen.serverErrors,
  };
  expect(problems, `console:\n${seen.console.join('\n')}`).toEqual({
    cspViolations: [],
    failedRequests: [],
    serverErrors: [],
  });
}
