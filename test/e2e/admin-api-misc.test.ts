/**
 * The admin API's authorization (bearer tokens with latchkey:admin, admin sessions with CSRF),
 * grants, signing keys, the audit log and the generated OpenAPI document. Every unauthorized
 * request is 401 or 403 and changes nothing; no secret ever reaches the audit log.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROUTES } from '../../src/admin/api/index.js';
import {
  AuditList,
  GrantList,
  KeyList,
  KeyRetirement,
  KeyRotation,
  Me,
} from '../../src/admin/api/schemas.js';
import {
  asTestClient,
  basic,
  callApi,
  expectNoServerErrors,
  insertionOrder,
  obtainTokens,
  postToken,
  type RegisteredTestClient,
  sha256,
  watchStatuses,
  withDb,
} from '../helpers/negative.js';
import { createClient, PASSWORD } from '../helpers/server.js';
import {
  ADMIN_SCOPE,
  type AdminFixture,
  API,
  api,
  clientCredentialsToken,
  expectApiError,
  type Session,
  signIn,
  snapshot,
  startAdminServer,
  withSession,
} from './admin-api-helpers.js';

let f: AdminFixture;
let restoreFetch: () => void;
/** A client that may ask for latchkey:admin on behalf of users (authorization code). */
let consoleApp: RegisteredTestClient;
/** client credentials, without the admin scope. */
let plain: { clientId: string; clientSecret: string };
let adminSession: Session;
let userSession: Session;
const secrets: string[] = [];

beforeAll(async () => {
  restoreFetch = watchStatuses();
  f = await startAdminServer();
  consoleApp = asTestClient(
    await createClient(f.t, { client_name: 'Console', scope: `profile ${ADMIN_SCOPE}` }),
  );
  const registered = await f.t.server.registerClient({
    client_name: 'Plain',
    grant_types: ['client_credentials'],
    scope: 'api:read',
  });
  plain = { clientId: registered.client.clientId, clientSecret: registered.clientSecret! };
  await f.t.server.createUser({ username: 'root', password: PASSWORD, isAdmin: true });
  await f.t.server.createUser({ username: 'mallory', password: PASSWORD });
  adminSession = await signIn(f.t, 'root');
  userSession = await signIn(f.t, 'mallory');
  secrets.push(f.token, f.ops.clientSecret, consoleApp.clientSecret!, plain.clientSecret, PASSWORD);
});
afterAll(async () => {
  await f?.t.close();
  restoreFetch();
});
afterEach(() => expectNoServerErrors());

const NEW_CLIENT = { client_name: 'Sneaky', grant_types: ['client_credentials'], scope: ADMIN_SCOPE };

async function csrfOf(session: Session): Promise<string> {
  const me = Me.parse((await api(f.t, 'GET', '/me', { headers: withSession(session) })).body);
  return me.csrf_token!;
}

describe('who may call', () => {
  it('accepts a client-credentials token with latchkey:admin', async () => {
    const me = Me.parse((await api(f.t, 'GET', '/me', { token: f.token })).body);
    expect(me).toEqual({
      via: 'bearer',
      user_id: null,
      username: null,
      client_id: 'ops',
      scope: ADMIN_SCOPE,
      csrf_token: null,
    });
  });

  it('accepts a JWT access token with latchkey:admin as well', async () => {
    const { client, clientSecret } = await f.t.server.registerClient({
      client_name: 'Ops (JWT)',
      grant_types: ['client_credentials'],
      scope: ADMIN_SCOPE,
      access_token_format: 'jwt',
    });
    const jwt = await clientCredentialsToken(f.t, { clientId: client.clientId, clientSecret: clientSecret! });
    secrets.push(jwt, clientSecret!);
    expect(jwt.split('.')).toHaveLength(3);
    const me = Me.parse((await api(f.t, 'GET', '/me', { token: jwt })).body);
    expect(me).toMatchObject({ via: 'bearer', client_id: client.clientId });
  });

  it('accepts an admin’s session, and its CSRF token on writes', async () => {
    const me = Me.parse((await api(f.t, 'GET', '/me', { headers: withSession(adminSession) })).body);
    expect(me).toMatchObject({ via: 'session', username: 'root', csrf_token: expect.any(String) });
    const created = await api(f.t, 'POST', '/clients', {
      body: { ...NEW_CLIENT, client_name: 'From the console' },
      headers: withSession(adminSession, me.csrf_token!),
    });
    expect(created.status).toBe(201);
    secrets.push(String(created.body.client_secret));
    const [event] = await withDb(f.t, (db) =>
      db
        .prepare('SELECT actor_type, actor_id FROM audit_events WHERE target_id = ?')
        .all(created.body.client_id),
    );
    const root = await f.t.server.store.users.findByUsername('root');
    expect(event).toEqual({ actor_type: 'user', actor_id: root!.id });
  });

  it('accepts a user’s token with latchkey:admin when the user is an admin', async () => {
    const tokens = await obtainTokens(f.t, consoleApp, { username: 'root', scope: `profile ${ADMIN_SCOPE}` });
    secrets.push(tokens.accessToken, tokens.refreshToken);
    const me = Me.parse((await api(f.t, 'GET', '/me', { token: tokens.accessToken })).body);
    expect(me).toMatchObject({ via: 'bearer', username: 'root', client_id: consoleApp.clientId });
  });

  it('takes admin access away at once when a client may no longer use latchkey:admin', async () => {
    const app = asTestClient(
      await createClient(f.t, { client_name: 'Demoted app', scope: `profile ${ADMIN_SCOPE}` }),
    );
    const service = await f.t.server.registerClient({
      client_name: 'Demoted service',
      grant_types: ['client_credentials'],
      scope: ADMIN_SCOPE,
    });
    const serviceCreds = { clientId: service.client.clientId, clientSecret: service.clientSecret! };
    const serviceToken = await clientCredentialsToken(f.t, serviceCreds);
    const tokens = await obtainTokens(f.t, app, { username: 'root', scope: `profile ${ADMIN_SCOPE}` });
    secrets.push(
      serviceToken,
      serviceCreds.clientSecret,
      app.clientSecret!,
      tokens.accessToken,
      tokens.refreshToken,
    );
    for (const [clientId, scope] of [
      [app.clientId, 'profile'],
      [serviceCreds.clientId, 'api:read'],
    ]) {
      expect(
        (await api(f.t, 'PATCH', `/clients/${clientId}`, { token: f.token, body: { scope } })).status,
      ).toBe(200);
    }
    expectApiError(await api(f.t, 'GET', '/me', { token: serviceToken }), 403, 'access_denied');
    expectApiError(await api(f.t, 'GET', '/me', { token: tokens.accessToken }), 403, 'access_denied');
    // A refresh no longer hands out the scope the registration dropped.
    const refreshed = await fetch(`${f.t.url}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: basic(app.clientId, app.clientSecret!),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: tokens.refreshToken,
      }).toString(),
    });
    const body = (await refreshed.json()) as { access_token: string; scope: string };
    secrets.push(body.access_token);
    expect(body.scope).toBe('profile');
    expectApiError(await api(f.t, 'GET', '/me', { token: body.access_token }), 403, 'insufficient_scope');
  });

  const refusals: Array<[string, () => Promise<Record<string, string>>, number, string]> = [
    ['no credentials', async () => ({}), 401, 'invalid_token'],
    ['a garbage token', async () => ({ authorization: 'Bearer not-a-token' }), 401, 'invalid_token'],
    [
      'a malformed Authorization header',
      async () => ({ authorization: 'Bearer a b' }),
      400,
      'invalid_request',
    ],
    [
      'Basic credentials',
      async () => ({ authorization: basic('ops', f.ops.clientSecret) }),
      401,
      'invalid_token',
    ],
    [
      'a token without latchkey:admin',
      async () => ({ authorization: `Bearer ${await clientCredentialsToken(f.t, plain)}` }),
      403,
      'insufficient_scope',
    ],
    [
      'a non-admin user’s token with latchkey:admin',
      async () => {
        const tokens = await obtainTokens(f.t, consoleApp, {
          username: 'mallory',
          scope: `profile ${ADMIN_SCOPE}`,
        });
        return { authorization: `Bearer ${tokens.accessToken}` };
      },
      403,
      'access_denied',
    ],
    ['a non-admin’s session', async () => withSession(userSession, 'any'), 403, 'access_denied'],
    ['an admin session without X-CSRF-Token', async () => withSession(adminSession), 403, 'access_denied'],
    [
      'an admin session with a wrong X-CSRF-Token',
      async () => withSession(adminSession, 'forged'),
      403,
      'access_denied',
    ],
    ['a session cookie that is not one', async () => ({ cookie: 'lk_session=forged' }), 401, 'invalid_token'],
  ];

  it.each(refusals)('refuses %s: nothing changes', async (_name, headersOf, status, error) => {
    const headers = await headersOf();
    const before = await snapshot(f.t);
    const response = await api(f.t, 'POST', '/clients', { body: NEW_CLIENT, headers });
    expectApiError(response, status, error);
    if (status === 401) expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="latchkey"/);
    if (error === 'insufficient_scope') {
      expect(response.headers.get('www-authenticate')).toContain(`scope="${ADMIN_SCOPE}"`);
    }
    expect(await snapshot(f.t)).toEqual(before);
    // Reads are refused the same way (CSRF aside).
    if (!String(_name).includes('CSRF'))
      expect((await api(f.t, 'GET', '/clients', { headers })).status).toBe(status);
  });

  it('refuses an expired token and a revoked one', async () => {
    const expiring = await clientCredentialsToken(f.t, f.ops);
    const revoked = await clientCredentialsToken(f.t, f.ops);
    const revocation = await postToken(f.t, {
      path: '/oauth/revoke',
      authorization: basic('ops', f.ops.clientSecret),
      body: { token: revoked },
    });
    expect(revocation.status).toBe(200);
    const before = await snapshot(f.t);
    expectApiError(
      await api(f.t, 'POST', '/clients', { token: revoked, body: NEW_CLIENT }),
      401,
      'invalid_token',
    );
    f.t.clock.advance(24 * 3600);
    try {
      expectApiError(
        await api(f.t, 'POST', '/clients', { token: expiring, body: NEW_CLIENT }),
        401,
        'invalid_token',
      );
    } finally {
      f.t.clock.advance(-24 * 3600);
    }
    expect(await snapshot(f.t)).toEqual(before);
  });

  it('authenticates before reading the body', async () => {
    const response = await api(f.t, 'POST', '/clients', {
      body: '{"broken":',
      contentType: 'application/json',
    });
    expectApiError(response, 401, 'invalid_token');
  });

  it('answers a session request CSRF-free on reads only', async () => {
    const csrf = await csrfOf(adminSession);
    expect((await api(f.t, 'GET', '/users', { headers: withSession(adminSession) })).status).toBe(200);
    const before = await snapshot(f.t);
    expectApiError(
      await api(f.t, 'DELETE', '/clients/ops', { headers: withSession(adminSession) }),
      403,
      'access_denied',
    );
    expect(await snapshot(f.t)).toEqual(before);
    // The CSRF token is tied to the browser cookie: another browser's token does not do.
    expectApiError(
      await api(f.t, 'DELETE', '/clients/ops', { headers: withSession(userSession, csrf) }),
      403,
      'access_denied',
    );
    expect(await snapshot(f.t)).toEqual(before);
  });
});

describe('grants', () => {
  it('lists by user and by client, revokes one, and refuses bad queries', async () => {
    const alice = await f.t.server.createUser({ username: 'alice', password: PASSWORD });
    const tokens = await obtainTokens(f.t, consoleApp, { username: 'alice' });
    secrets.push(tokens.accessToken, tokens.refreshToken);
    const byUser = GrantList.parse(
      (await api(f.t, 'GET', `/grants?user_id=${alice.id}`, { token: f.token })).body,
    );
    expect(byUser.items).toEqual([
      expect.objectContaining({
        user_id: alice.id,
        username: 'alice',
        client_id: consoleApp.clientId,
        active: true,
      }),
    ]);
    const byClient = GrantList.parse(
      (
        await api(f.t, 'GET', `/grants?client_id=${consoleApp.clientId}&active=true&limit=50`, {
          token: f.token,
        })
      ).body,
    );
    expect(byClient.items.map((g) => g.id)).toContain(byUser.items[0]!.id);

    const grantId = byUser.items[0]!.id;
    expect((await api(f.t, 'DELETE', `/grants/${grantId}`, { token: f.token })).status).toBe(204);
    expect((await callApi(f.t, `Bearer ${tokens.accessToken}`)).status).toBe(401);
    const after = GrantList.parse(
      (await api(f.t, 'GET', `/grants?user_id=${alice.id}`, { token: f.token })).body,
    );
    expect(after.items[0]).toMatchObject({ active: false, revoked_at: expect.any(Number) });
    // Revoking again is not an error.
    expect((await api(f.t, 'DELETE', `/grants/${grantId}`, { token: f.token })).status).toBe(204);
  });

  it.each([
    ['', 'user_id'],
    ['?user_id=a&client_id=b', 'user_id'],
    ['?user_id=a&limit=0', 'limit'],
    ['?user_id=a&active=maybe', 'active'],
    ['?user_id=a&cursor=bad', 'cursor'],
  ])('refuses the query %j naming %s', async (query, field) => {
    expectApiError(
      await api(f.t, 'GET', `/grants${query}`, { token: f.token }),
      400,
      'invalid_request',
      field,
    );
  });

  it('answers 404 for an unknown grant and changes nothing', async () => {
    const before = await snapshot(f.t);
    expectApiError(await api(f.t, 'DELETE', '/grants/nope', { token: f.token }), 404, 'not_found');
    expect(await snapshot(f.t)).toEqual(before);
  });
});

describe('signing keys', () => {
  it('lists, rotates (one alg or all) and retires, auditing each', async () => {
    const listed = KeyList.parse((await api(f.t, 'GET', '/keys', { token: f.token })).body);
    expect(
      listed.items
        .filter((k) => k.status === 'signing')
        .map((k) => k.alg)
        .sort(),
    ).toEqual(['ES256', 'RS256']);

    const one = KeyRotation.parse(
      (await api(f.t, 'POST', '/keys/rotate', { token: f.token, body: { alg: 'ES256' } })).body,
    );
    expect(one.rotated).toEqual([expect.objectContaining({ alg: 'ES256', retiring: [expect.any(String)] })]);
    const all = KeyRotation.parse((await api(f.t, 'POST', '/keys/rotate', { token: f.token })).body);
    expect(all.rotated.map((r) => r.alg).sort()).toEqual(['ES256', 'RS256']);

    const old = all.rotated[0]!.retiring[0]!;
    const retired = KeyRetirement.parse(
      (await api(f.t, 'POST', `/keys/${old}/retire`, { token: f.token })).body,
    );
    expect(retired).toMatchObject({ kid: old, was_signing: false });
    const actions = await withDb(f.t, (db) =>
      db
        .prepare(
          `SELECT action, details FROM audit_events WHERE action LIKE 'admin.keys.%' ORDER BY at, ${insertionOrder(db)}`,
        )
        .all<{ action: string; details: string }>(),
    );
    expect(actions.map((a) => a.action)).toEqual([
      'admin.keys.rotated',
      'admin.keys.rotated',
      'admin.keys.retired',
    ]);
    expect(JSON.stringify(actions)).not.toMatch(/"d"|private|"k":/);
  });

  it('refuses a bad algorithm, an unknown kid and a second retirement', async () => {
    const before = await snapshot(f.t);
    expectApiError(
      await api(f.t, 'POST', '/keys/rotate', { token: f.token, body: { alg: 'HS256' } }),
      400,
      'invalid_request',
      'alg',
    );
    expectApiError(await api(f.t, 'POST', '/keys/nope/retire', { token: f.token }), 400, 'invalid_request');
    expect(await snapshot(f.t)).toEqual(before);
  });
});

describe('the audit log', () => {
  it('filters by action, actor, target and time, pages with a cursor, and holds no secret', async () => {
    const all = AuditList.parse(
      (await api(f.t, 'GET', '/audit?action=admin.*&limit=200', { token: f.token })).body,
    );
    expect(all.items.length).toBeGreaterThan(3);
    expect(all.items.every((e) => e.action.startsWith('admin.'))).toBe(true);
    const times = all.items.map((e) => e.at);
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const page1 = AuditList.parse((await api(f.t, 'GET', '/audit?limit=2', { token: f.token })).body);
    const page2 = AuditList.parse(
      (await api(f.t, 'GET', `/audit?limit=2&cursor=${page1.next_cursor}`, { token: f.token })).body,
    );
    expect(page2.items[0]!.id).not.toBe(page1.items[1]!.id);

    const byOps = AuditList.parse(
      (await api(f.t, 'GET', '/audit?actor_id=ops&action=admin.keys.rotated', { token: f.token })).body,
    );
    expect(byOps.items).toHaveLength(2);
    const byTarget = AuditList.parse(
      (
        await api(f.t, 'GET', `/audit?target_id=${encodeURIComponent(byOps.items[0]!.target_id!)}`, {
          token: f.token,
        })
      ).body,
    );
    expect(byTarget.items.map((e) => e.id)).toContain(byOps.items[0]!.id);
    const now = f.t.clock.now();
    const future = AuditList.parse(
      (await api(f.t, 'GET', `/audit?since=${now + 10}`, { token: f.token })).body,
    );
    expect(future.items).toEqual([]);
    const past = AuditList.parse(
      (await api(f.t, 'GET', `/audit?until=${now}&limit=1`, { token: f.token })).body,
    );
    expect(past.items).toHaveLength(1);

    // No secret, token, password or digest anywhere in the log.
    const everything = JSON.stringify(
      await withDb(f.t, (db) => db.prepare('SELECT * FROM audit_events').all()),
    );
    for (const secret of secrets) {
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(sha256(secret));
    }
    expect(everything).not.toMatch(/argon2|secret_digest|secretDigest|password_hash/);
  });

  it.each([
    ['limit=0', 'limit'],
    ['since=yesterday', 'since'],
    ['since=10&until=5', 'since'],
    ['cursor=zzz', 'cursor'],
    ['action=Not%20An%20Action', 'action'],
    [`actor_id=${'a'.repeat(300)}`, 'actor_id'],
  ])('refuses %s naming the field', async (query, field) => {
    expectApiError(
      await api(f.t, 'GET', `/audit?${query}`, { token: f.token }),
      400,
      'invalid_request',
      field,
    );
  });
});

describe('responses', () => {
  it('are never cached, whatever the outcome', async () => {
    for (const [method, path] of [
      ['GET', `${API}/clients`],
      ['GET', `${API}/clients/nobody`],
      ['DELETE', `${API}/grants/nope`],
      ['GET', '/admin/api/openapi.json'],
    ] as const) {
      const response = await api(f.t, method, path, { token: f.token });
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
    expect((await api(f.t, 'GET', '/clients')).headers.get('cache-control')).toBe('no-store');
  });

  it('answers an unknown address under the API with JSON 404', async () => {
    const response = await api(f.t, 'GET', '/nothing-here', { token: f.token });
    expect(response.status).toBe(404);
    expect(response.body.error).toBe('not_found');
  });
});

describe('GET /admin/api/openapi.json', () => {
  type Json = Record<string, unknown>;
  let doc: Json & { paths: Record<string, Record<string, Json>>; components: Json & { schemas: Json } };

  beforeAll(async () => {
    const response = await api(f.t, 'GET', '/admin/api/openapi.json');
    expect(response.status).toBe(200);
    doc = response.body as typeof doc;
  });

  it('is an OpenAPI 3.1 document for this server', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(doc.servers).toEqual([{ url: f.t.url }]);
    expect(Object.keys(doc.components.securitySchemes as Json).sort()).toEqual([
      'adminSession',
      'bearerToken',
    ]);
  });

  it('describes every route with its parameters, request and response schemas', () => {
    expect(ADMIN_ROUTES.length).toBeGreaterThanOrEqual(20);
    for (const route of ADMIN_ROUTES) {
      const operation = doc.paths[`${API}${route.path}`]?.[route.method.toLowerCase()] as Json | undefined;
      expect(operation, `${route.method} ${route.path}`).toMatchObject({ operationId: route.operationId });
      const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = (operation!.parameters as Array<{ name: string; in: string }>).filter(
        (p) => p.in === 'path',
      );
      expect(declared.map((p) => p.name)).toEqual(pathParams);
      if (route.body) {
        expect(operation!.requestBody).toMatchObject({
          content: { 'application/json': { schema: expect.any(Object) } },
        });
      }
      for (const [status, spec] of Object.entries(route.responses)) {
        const response = (operation!.responses as Record<string, Json>)[status]!;
        if (spec.schema)
          expect(response.content).toMatchObject({ 'application/json': { schema: expect.any(Object) } });
      }
      for (const status of ['400', '401', '403', '404']) expect(operation!.responses).toHaveProperty(status);
    }
  });

  it('generates its schemas from the same zod definitions that validate requests', () => {
    const schemas = doc.components.schemas as Record<
      string,
      Json & { properties?: Json; required?: string[] }
    >;
    expect(schemas.ClientCreate!.required).toEqual(['client_name']);
    expect(schemas.ClientCreate!.additionalProperties).toBe(false);
    expect(Object.keys(schemas.ClientCreate!.properties!)).toContain('redirect_uris');
    expect((schemas.ClientCreate!.properties!.grant_types as Json).items).toMatchObject({
      enum: ['authorization_code', 'refresh_token', 'client_credentials', 'password', 'implicit'],
    });
    expect(schemas.UserCreate!.required?.sort()).toEqual(['password', 'username']);
    expect(schemas.Error!.properties).toHaveProperty('field');
    // Every reference resolves.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/(\w+)\/(\w+)"/g)];
    expect(refs.length).toBeGreaterThan(20);
    for (const [, kind, name] of refs)
      expect((doc.components[kind!] as Json)[name!], `${kind}/${name}`).toBeDefined();
  });
});
