/**
 * Shared by the admin API suites: a server with an admin client (client credentials, scope
 * latchkey:admin), JSON requests with a bearer token or an admin's session cookies, and the
 * database snapshots that show a refused request changed nothing.
 */
import { expect } from 'vitest';
import { csrfToken, TestBrowser } from '../helpers/browser.js';
import { basic, type JsonResponse, readJson, withDb } from '../helpers/negative.js';
import { PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

export const API = '/admin/api/v1';
export const ADMIN_SCOPE = 'latchkey:admin';

export interface AdminFixture {
  t: TestServer;
  /** An access token with latchkey:admin (client credentials of the Ops client). */
  token: string;
  ops: { clientId: string; clientSecret: string };
}

export async function clientCredentialsToken(
  t: TestServer,
  client: { clientId: string; clientSecret: string },
  scope?: string,
): Promise<string> {
  const form: Record<string, string> = { grant_type: 'client_credentials' };
  if (scope) form.scope = scope;
  const response = await fetch(`${t.url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: basic(client.clientId, client.clientSecret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form).toString(),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
  return body.access_token;
}

export async function startAdminServer(
  config: Parameters<typeof startTestServer>[0] = {},
): Promise<AdminFixture> {
  const t = await startTestServer(config);
  const { client, clientSecret } = await t.server.registerClient({
    client_id: 'ops',
    client_name: 'Ops',
    grant_types: ['client_credentials'],
    scope: ADMIN_SCOPE,
  });
  const ops = { clientId: client.clientId, clientSecret: clientSecret! };
  return { t, token: await clientCredentialsToken(t, ops), ops };
}

export interface ApiRequest {
  token?: string;
  /** JSON-encoded unless a string (sent as is). */
  body?: unknown;
  contentType?: string | null;
  headers?: Record<string, string>;
}

export async function api(
  t: TestServer,
  method: string,
  path: string,
  request: ApiRequest = {},
): Promise<JsonResponse> {
  const headers = new Headers(request.headers);
  if (request.token !== undefined) headers.set('authorization', `Bearer ${request.token}`);
  let body: string | undefined;
  if (request.body !== undefined) {
    body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    if (request.contentType !== null) headers.set('content-type', request.contentType ?? 'application/json');
  } else if (request.contentType) headers.set('content-type', request.contentType);
  const url = path.startsWith('/admin/') ? `${t.url}${path}` : `${t.url}${API}${path}`;
  return readJson(await fetch(url, { method, headers, body }));
}

/** A signed-in browser session: its cookies, to send with API requests. */
export interface Session {
  cookie: string;
  browser: TestBrowser;
}

export async function signIn(t: TestServer, username: string, password = PASSWORD): Promise<Session> {
  const browser = new TestBrowser();
  const login = await browser.get(`${t.url}/login`);
  const done = await browser.post(`${t.url}/login`, {
    csrf_token: csrfToken(login.text),
    username,
    password,
  });
  expect(done.status).toBe(303);
  const cookie = ['lk_session', 'lk_browser'].map((name) => `${name}=${browser.cookie(name)}`).join('; ');
  return { cookie, browser };
}

/** A request carrying the session's cookies (and, when given, the X-CSRF-Token header). */
export function withSession(session: Session, csrf?: string): Record<string, string> {
  return { cookie: session.cookie, ...(csrf !== undefined && { 'x-csrf-token': csrf }) };
}

/** Every row of the tables an admin request could change, to compare before and after a refusal. */
export function snapshot(t: TestServer): Promise<Record<string, unknown[]>> {
  return withDb(t, async (db) => {
    const out: Record<string, unknown[]> = {};
    for (const table of [
      'users',
      'clients',
      'grants',
      'tokens',
      'sessions',
      'consents',
      'audit_events',
      'signing_keys',
    ]) {
      // Sorted here rather than by rowid, which PostgreSQL has not: only the set of rows matters.
      const rows = await db.prepare(`SELECT * FROM ${table}`).all();
      out[table] = rows.map((row) => JSON.stringify(row)).sort();
    }
    return out;
  });
}

/** A 4xx admin API error: JSON, never cached, with the code (and the field, when given). */
export function expectApiError(response: JsonResponse, status: number, error: string, field?: string): void {
  expect({ status: response.status, error: response.body.error, field: response.body.field }).toEqual({
    status,
    error,
    field,
  });
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(typeof response.body.error_description).toBe('string');
}
