/**
 * Helpers for the negative end-to-end suites: a record of every HTTP status the tests observe (so
 * each file can assert that nothing answered 5xx), raw HTTP for requests fetch cannot send, direct
 * direct access to the database (either engine), and short-cuts to a code or a token pair.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { createAuthServer } from '../../src/index.js';
import { fakeClock } from '../../src/protocol/clock.js';
import { csrfToken, formAction, type Page, TestBrowser } from './browser.js';
import { freshDatabaseUrl, type RawDb, withRawDb } from './database.js';
import { authorize, authorizeUrl, exchangeCode, pkcePair } from './flow.js';
import { PASSWORD, type TestServer } from './server.js';

export const REDIRECT_URI = 'http://127.0.0.1:5999/callback';
/** Every request in these suites gives up after this long: a hang is a failure, not a wait. */
export const REQUEST_TIMEOUT_MS = 5000;

// ---------------------------------------------------------------------------------------------
// Status log: every response the suite sees, so a file can assert none was a 5xx.

export interface Observed {
  method: string;
  url: string;
  status: number;
}

const observed: Observed[] = [];
let checkedUpTo = 0;

/** Records a status seen by a helper that does not go through fetch (raw sockets). */
export function observe(method: string, url: string, status: number): void {
  observed.push({ method, url: url.slice(0, 200), status });
}

/**
 * Wraps the global fetch so that every response status is recorded, and so that every request
 * has a timeout (AbortSignal.timeout) unless the caller set its own signal. Returns a restore
 * function for afterAll.
 */
export function watchStatuses(): () => void {
  const original = globalThis.fetch;
  const watched: typeof fetch = async (input, init) => {
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    const url = input instanceof Request ? input.url : input.toString();
    const response = await original(input, {
      ...init,
      signal: init?.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    observe(method, url, response.status);
    return response;
  };
  globalThis.fetch = watched;
  return () => {
    globalThis.fetch = original;
  };
}

/** Asserts that no response observed since the previous call was a 5xx (for afterEach). */
export function expectNoServerErrors(): void {
  const recent = observed.slice(checkedUpTo);
  checkedUpTo = observed.length;
  expect(recent.filter((o) => o.status >= 500)).toEqual([]);
}

export function observedCount(): number {
  return observed.length;
}

// ---------------------------------------------------------------------------------------------
// A server whose log is kept, at trace level.

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Like startTestServer, but every log line (level trace) is kept in `logLines`. */
export async function startLoggedServer(): Promise<TestServer & { logLines: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-log-test-'));
  const dbPath = join(dir, 'latchkey.db');
  const databaseUrl = await freshDatabaseUrl(dir);
  const clock = fakeClock(Math.floor(Date.now() / 1000));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logLines: string[] = [];
  const server = await createAuthServer({
    config: { databaseUrl, logLevel: 'trace', issuer: url, host: '127.0.0.1', port },
    clock,
    logger: { level: 'trace', stream: { write: (line: string) => logLines.push(line) } },
  });
  await server.listen();
  return {
    server,
    url,
    clock,
    databaseUrl,
    dbPath,
    logLines,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The database.

export type Table =
  | 'tokens'
  | 'authorization_codes'
  | 'grants'
  | 'interactions'
  | 'sessions'
  | 'consents'
  | 'clients'
  | 'users';

/** Opens the server's database (SQLite or PostgreSQL) for direct reads; every query is async. */
export function withDb<T>(
  t: Pick<TestServer, 'databaseUrl'>,
  read: (db: RawDb) => Promise<T> | T,
): Promise<T> {
  return withRawDb(t.databaseUrl, read);
}

/**
 * An ORDER BY term for "the order the rows were inserted in", for tables whose ids are random:
 * SQLite's rowid; on PostgreSQL the inserting transaction's id, then the row's place in the heap
 * (good enough for the insert-only rows a test reads back).
 */
export function insertionOrder(db: RawDb): string {
  return db.engine === 'postgres' ? 'xmin::text::bigint, ctid' : 'rowid';
}

async function count(db: RawDb, sql: string, ...args: unknown[]): Promise<number> {
  // count(*) is a bigint on PostgreSQL; the pg driver may hand it back as a string.
  return Number((await db.prepare(sql).get<{ n: number | string }>(...args))?.n ?? 0);
}

export function countRows(t: TestServer, table: Table, where = '1 = 1', ...args: unknown[]): Promise<number> {
  return withDb(t, (db) => count(db, `SELECT count(*) AS n FROM ${table} WHERE ${where}`, ...args));
}

/** Row counts of the tables a request could write to; compare before and after a refused request. */
export function issuedCounts(t: TestServer): Promise<Record<string, number>> {
  return withDb(t, async (db) => {
    const out: Record<string, number> = {};
    for (const table of ['tokens', 'authorization_codes', 'grants', 'interactions', 'sessions']) {
      out[table] = await count(db, `SELECT count(*) AS n FROM ${table}`);
    }
    out.unrevoked_tokens = await count(db, 'SELECT count(*) AS n FROM tokens WHERE revoked_at IS NULL');
    return out;
  });
}

/** SHA-256, base64url: how Latchkey stores tokens, codes, secrets and session ids. */
export function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

// ---------------------------------------------------------------------------------------------
// HTTP.

export interface JsonResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body, or {} when the body was not JSON. */
  body: Record<string, unknown>;
  json: boolean;
}

export async function readJson(response: Response): Promise<JsonResponse> {
  const text = await response.text();
  let body: Record<string, unknown> = {};
  let json = false;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') {
      body = parsed as Record<string, unknown>;
      json = true;
    }
  } catch {
    // not JSON
  }
  return { status: response.status, headers: response.headers, text, body, json };
}

export function basic(clientId: string, secret: string): string {
  const encode = (v: string) => encodeURIComponent(v);
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

export interface TokenPost {
  /** A form (encoded here), pairs (so names may repeat) or a raw body. */
  body?: Record<string, string> | [string, string][] | string | Uint8Array;
  authorization?: string;
  /** null: no Content-Type header at all. Default: application/x-www-form-urlencoded. */
  contentType?: string | null;
  headers?: Record<string, string>;
  method?: string;
  /** Default /oauth/token; /oauth/revoke and /oauth/introspect take the same kind of request. */
  path?: string;
}

/** POST /oauth/token (or another client-authenticated endpoint) with full control of the request. */
export async function postToken(t: TestServer, request: TokenPost = {}): Promise<JsonResponse> {
  const headers = new Headers(request.headers);
  const contentType =
    request.contentType === undefined ? 'application/x-www-form-urlencoded' : request.contentType;
  if (request.authorization !== undefined) headers.set('authorization', request.authorization);
  let body: string | Uint8Array | undefined;
  if (typeof request.body === 'string') body = request.body;
  else if (request.body instanceof Uint8Array) body = request.body;
  else if (request.body !== undefined) body = new URLSearchParams(request.body).toString();
  // A Uint8Array body gets no default Content-Type from fetch, which is how "none" is sent.
  if (contentType !== null) headers.set('content-type', contentType);
  else if (typeof body === 'string') body = Buffer.from(body);
  const response = await fetch(`${t.url}${request.path ?? '/oauth/token'}`, {
    method: request.method ?? 'POST',
    headers,
    body,
  });
  return readJson(response);
}

/** GET /api/me with the given Authorization header value (none when undefined). */
export async function callApi(
  t: TestServer,
  authorization?: string,
  path = '/api/me',
): Promise<JsonResponse> {
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  return readJson(await fetch(`${t.url}${path}`, { headers }));
}

/** An RFC 6749 §5.2 error: the status, the code, JSON, and never cached. */
export function expectTokenError(response: JsonResponse, status: number, error: string): void {
  expect({ status: response.status, error: response.body.error }).toEqual({ status, error });
  expect(response.json).toBe(true);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.body.access_token).toBeUndefined();
  expect(response.body.refresh_token).toBeUndefined();
  // §5.2: error and error_description are printable ASCII without '"' and '\'.
  expect(String(response.body.error)).toMatch(/^[\x20\x21\x23-\x5B\x5D-\x7E]+$/);
  if (response.body.error_description !== undefined) {
    expect(String(response.body.error_description)).toMatch(/^[\x20\x21\x23-\x5B\x5D-\x7E]*$/);
  }
}

/**
 * Sends exact bytes over a socket (for what fetch normalises away: `..` in paths, two header
 * lines with the same name, malformed requests). Reads until the server closes the connection.
 */
export function rawRequest(
  t: TestServer,
  head: string,
  body: Buffer | string = '',
): Promise<{ status: number; head: string; body: string }> {
  const { hostname, port } = new URL(t.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms to ${head.split('\r\n')[0]}`));
    }, REQUEST_TIMEOUT_MS);
    socket.on('connect', () => {
      // Written, not ended: Node's HTTP server drops a request whose client half-closes before the
      // answer is ready (httpAllowHalfOpen is off), which an answer that waits on PostgreSQL is not.
      socket.write(head);
      socket.write(body);
    });
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (error) => {
      // A reset after a complete answer (the server closed first) is fine.
      if (chunks.length === 0) {
        clearTimeout(timer);
        reject(error);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      const split = text.indexOf('\r\n\r\n');
      const line = head.split('\r\n')[0] ?? '';
      observe(line.split(' ')[0] ?? 'RAW', line, status);
      resolve({ status, head: text.slice(0, split), body: split < 0 ? '' : text.slice(split + 4) });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Flows.

export interface RegisteredTestClient {
  clientId: string;
  clientSecret: string | null;
}

export function asTestClient(registered: {
  client: { clientId: string };
  clientSecret: string | null;
}): RegisteredTestClient {
  return { clientId: registered.client.clientId, clientSecret: registered.clientSecret };
}

export interface CodeOptions {
  username: string;
  scope?: string;
  state?: string;
  /** Default: a fresh S256 pair. null: no PKCE at all. */
  pkce?: { verifier: string; challenge: string } | null;
  /** Default REDIRECT_URI; '' sends an empty redirect_uri (treated as omitted). */
  redirectUri?: string;
  browser?: TestBrowser;
}

/** Runs the real authorize → login → consent flow and returns the code from the redirect. */
export async function obtainCode(
  t: TestServer,
  client: RegisteredTestClient,
  o: CodeOptions,
): Promise<{ code: string; verifier: string | undefined; redirect: URL; browser: TestBrowser }> {
  const pkce = o.pkce === undefined ? pkcePair() : o.pkce;
  const { redirect, browser } = await authorize({
    issuer: t.url,
    clientId: client.clientId,
    redirectUri: o.redirectUri ?? REDIRECT_URI,
    username: o.username,
    scope: o.scope,
    state: o.state,
    challenge: pkce?.challenge,
    browser: o.browser,
  });
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`no code in ${redirect.toString()}`);
  return { code, verifier: pkce?.verifier, redirect, browser };
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  scope: string;
  code: string;
}

/** A code, exchanged: a fresh access and refresh token for `username`. */
export async function obtainTokens(
  t: TestServer,
  client: RegisteredTestClient,
  o: CodeOptions,
): Promise<TokenPair> {
  const { code, verifier } = await obtainCode(t, client, o);
  const params: Record<string, string> = {
    grant_type: 'authorization_code',
    code,
    redirect_uri: o.redirectUri ?? REDIRECT_URI,
  };
  if (verifier) params.code_verifier = verifier;
  const response = await exchangeCode(t.url, client, params);
  if (response.status !== 200) throw new Error(`token exchange failed: ${JSON.stringify(response.body)}`);
  return {
    accessToken: response.body.access_token as string,
    refreshToken: response.body.refresh_token as string,
    scope: response.body.scope as string,
    code,
  };
}

/**
 * Starts an authorization in a new browser and signs in, stopping at the consent page.
 * Returns the browser, the consent page and the interaction's base URL (…/interaction/<id>).
 */
export async function reachConsent(
  t: TestServer,
  client: RegisteredTestClient,
  username: string,
  extra: { state?: string; scope?: string } = {},
): Promise<{ browser: TestBrowser; page: Page; interaction: string }> {
  const browser = new TestBrowser();
  const { challenge } = pkcePair();
  const login = await browser.follow(
    await browser.get(
      authorizeUrl({
        issuer: t.url,
        clientId: client.clientId,
        redirectUri: REDIRECT_URI,
        challenge,
        ...extra,
      }),
    ),
    t.url,
  );
  const loginAction = new URL(formAction(login.text, '/login'), t.url).toString();
  const consent = await browser.follow(
    await browser.post(loginAction, { csrf_token: csrfToken(login.text), username, password: PASSWORD }),
    t.url,
  );
  if (!consent.text.includes('name="decision"'))
    throw new Error(`no consent page: ${consent.text.slice(0, 300)}`);
  return { browser, page: consent, interaction: loginAction.replace(/\/login$/, '') };
}

/** Starts an authorization in a new browser and stops at the login page. */
export async function reachLogin(
  t: TestServer,
  client: RegisteredTestClient,
): Promise<{ browser: TestBrowser; page: Page; interaction: string }> {
  const browser = new TestBrowser();
  const { challenge } = pkcePair();
  const login = await browser.follow(
    await browser.get(
      authorizeUrl({ issuer: t.url, clientId: client.clientId, redirectUri: REDIRECT_URI, challenge }),
    ),
    t.url,
  );
  if (!login.text.includes('name="password"')) throw new Error(`no login page: ${login.text.slice(0, 300)}`);
  const action = new URL(formAction(login.text, '/login'), t.url).toString();
  return { browser, page: login, interaction: action.replace(/\/login$/, '') };
}

/** Asserts an error page shown to the user: the status, HTML, and no redirect anywhere. */
export function expectErrorPage(page: Page, status = 400): void {
  expect({ status: page.status, location: page.location }).toEqual({ status, location: null });
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(page.headers.get('cache-control')).toBe('no-store');
  expect(page.text).not.toContain('code=');
}
