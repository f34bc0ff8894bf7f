/**
 * The admin API's clients over real HTTP: every route's success path, every refusal (bad input,
 * unknown ids, duplicates, malformed bodies) answered 4xx with the field at fault and the database
 * untouched, the audit events of each change (never a secret), and the CLI refusing the same bad
 * input with the same message — one service layer behind both.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  Client,
  ClientCreated,
  ClientList,
  ClientSecret,
  RevokedCounts,
} from '../../src/admin/api/schemas.js';
import { type CliIo, runCli } from '../../src/cli/main.js';
import {
  basic,
  callApi,
  expectNoServerErrors,
  insertionOrder,
  postToken,
  REDIRECT_URI,
  sha256,
  watchStatuses,
  withDb,
} from '../helpers/negative.js';
import {
  type AdminFixture,
  api,
  clientCredentialsToken,
  expectApiError,
  snapshot,
  startAdminServer,
} from './admin-api-helpers.js';

let f: AdminFixture;
let restoreFetch: () => void;

beforeAll(async () => {
  restoreFetch = watchStatuses();
  f = await startAdminServer();
});
afterAll(async () => {
  await f?.t.close();
  restoreFetch();
});
afterEach(() => expectNoServerErrors());

const post = (path: string, body: unknown) => api(f.t, 'POST', path, { token: f.token, body });
const auditFor = (targetId: string) =>
  withDb(f.t, (db) =>
    db
      .prepare(`SELECT * FROM audit_events WHERE target_id = ? ORDER BY at, ${insertionOrder(db)}`)
      .all<{ action: string; actor_type: string; actor_id: string; details: string }>(targetId),
  );

const WEB_APP = {
  client_name: 'Web App',
  redirect_uris: ['https://app.example.com/callback'],
  scope: 'openid profile email',
};

describe('POST /clients', () => {
  it('registers a client, shows its secret once and keeps only the digest', async () => {
    const response = await post('/clients', { ...WEB_APP, client_id: 'web-app' });
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe('/admin/api/v1/clients/web-app');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const created = ClientCreated.parse(response.body);
    expect(created).toMatchObject({
      client_id: 'web-app',
      client_name: 'Web App',
      redirect_uris: ['https://app.example.com/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      scope: 'openid profile email',
      token_endpoint_auth_method: 'client_secret_basic',
      require_pkce: true,
    });
    const secret = created.client_secret!;
    expect(secret.length).toBeGreaterThanOrEqual(40);
    const row = await withDb(f.t, (db) =>
      db.prepare("SELECT secret_digest FROM clients WHERE client_id = 'web-app'").get(),
    );
    expect(row).toEqual({ secret_digest: sha256(secret) });
    // Shown once: reading it back never includes the secret.
    const read = await api(f.t, 'GET', '/clients/web-app', { token: f.token });
    expect(read.text).not.toContain(secret);
    expect(read.body).not.toHaveProperty('client_secret');
  });

  it('gives a public client no secret', async () => {
    const response = await post('/clients', {
      client_name: 'SPA',
      redirect_uris: ['http://127.0.0.1:5999/spa'],
      token_endpoint_auth_method: 'none',
    });
    expect(response.status).toBe(201);
    expect(ClientCreated.parse(response.body)).toMatchObject({ client_secret: null, require_pkce: true });
  });

  it('records admin.client.created with the actor and no secret', async () => {
    const response = await post('/clients', { ...WEB_APP, client_id: 'audited' });
    const events = await auditFor('audited');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'admin.client.created',
      actor_type: 'client',
      actor_id: 'ops',
    });
    const details = JSON.parse(events[0]!.details);
    expect(details.after).toMatchObject({ client_id: 'audited', client_name: 'Web App' });
    expect(JSON.stringify(events)).not.toContain(String(response.body.client_secret));
    expect(JSON.stringify(events)).not.toContain(sha256(String(response.body.client_secret)));
    expect(JSON.stringify(events)).not.toMatch(/secret_digest|secretDigest/);
  });
});

describe('refused client input changes nothing', () => {
  const long = 'x'.repeat(5000);
  const cases: Array<[string, unknown, number, string, string | undefined]> = [
    ['missing client_name', { redirect_uris: [REDIRECT_URI] }, 400, 'invalid_request', 'client_name'],
    ['client_name of the wrong type', { client_name: 42 }, 400, 'invalid_request', 'client_name'],
    [
      'redirect_uris not a list',
      { client_name: 'X', redirect_uris: REDIRECT_URI },
      400,
      'invalid_request',
      'redirect_uris',
    ],
    [
      'a redirect URI of the wrong type',
      { client_name: 'X', redirect_uris: [REDIRECT_URI, 7] },
      400,
      'invalid_request',
      'redirect_uris[1]',
    ],
    [
      'a javascript: redirect URI',
      { client_name: 'X', redirect_uris: ['javascript:alert(1)'] },
      400,
      'invalid_redirect_uri',
      'redirect_uris[0]',
    ],
    [
      'a redirect URI with a fragment',
      { client_name: 'X', redirect_uris: [REDIRECT_URI, 'https://a.example/cb#frag'] },
      400,
      'invalid_redirect_uri',
      'redirect_uris[1]',
    ],
    [
      'a plain-http redirect URI',
      { client_name: 'X', redirect_uris: ['http://evil.example/cb'] },
      400,
      'invalid_redirect_uri',
      'redirect_uris[0]',
    ],
    [
      'no redirect URI for the code grant',
      { client_name: 'X' },
      400,
      'invalid_redirect_uri',
      'redirect_uris',
    ],
    [
      'a fragment post-logout URI',
      {
        client_name: 'X',
        redirect_uris: [REDIRECT_URI],
        post_logout_redirect_uris: ['https://a.example/#x'],
      },
      400,
      'invalid_redirect_uri',
      'post_logout_redirect_uris',
    ],
    [
      'an unknown grant type',
      { client_name: 'X', grant_types: ['bearer'] },
      400,
      'invalid_request',
      'grant_types[0]',
    ],
    [
      'refresh_token alone',
      { client_name: 'X', grant_types: ['refresh_token'] },
      400,
      'invalid_client_metadata',
      'grant_types',
    ],
    [
      'a public client with client_credentials',
      { client_name: 'X', grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' },
      400,
      'invalid_client_metadata',
      'grant_types',
    ],
    [
      'a public client skipping consent',
      {
        client_name: 'X',
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'none',
        skip_consent: true,
      },
      400,
      'invalid_client_metadata',
      'skip_consent',
    ],
    [
      'skip_consent as a string',
      { client_name: 'X', redirect_uris: [REDIRECT_URI], skip_consent: 'yes' },
      400,
      'invalid_request',
      'skip_consent',
    ],
    [
      'a bad scope',
      { client_name: 'X', redirect_uris: [REDIRECT_URI], scope: 'a "b"' },
      400,
      'invalid_client_metadata',
      'scope',
    ],
    [
      'an out-of-range lifetime',
      { client_name: 'X', redirect_uris: [REDIRECT_URI], access_token_ttl: 5 },
      400,
      'invalid_client_metadata',
      'access_token_ttl',
    ],
    [
      'a fractional lifetime',
      { client_name: 'X', redirect_uris: [REDIRECT_URI], access_token_ttl: 60.5 },
      400,
      'invalid_request',
      'access_token_ttl',
    ],
    [
      'a bad client_id',
      { client_id: 'has space', client_name: 'X', redirect_uris: [REDIRECT_URI] },
      400,
      'invalid_client_metadata',
      'client_id',
    ],
    [
      'an oversize client_name',
      { client_name: long, redirect_uris: [REDIRECT_URI] },
      400,
      'invalid_request',
      'client_name',
    ],
    [
      'a too-long client_name for the rules',
      { client_name: 'n'.repeat(201), redirect_uris: [REDIRECT_URI] },
      400,
      'invalid_client_metadata',
      'client_name',
    ],
    [
      'an oversize redirect URI',
      { client_name: 'X', redirect_uris: [`https://a.example/${long}`] },
      400,
      'invalid_request',
      'redirect_uris[0]',
    ],
    [
      'an unknown field',
      { client_name: 'X', redirect_uris: [REDIRECT_URI], client_secret: 'mine' },
      400,
      'invalid_request',
      'client_secret',
    ],
    ['a body that is a list', [{ client_name: 'X' }], 400, 'invalid_request', undefined],
    [
      'a duplicate client_id',
      { client_id: 'ops', client_name: 'X', grant_types: ['client_credentials'] },
      409,
      'invalid_client_metadata',
      'client_id',
    ],
  ];

  it.each(cases)('%s', async (_name, body, status, error, field) => {
    const before = await snapshot(f.t);
    expectApiError(await post('/clients', body), status, error, field);
    expect(await snapshot(f.t)).toEqual(before);
  });

  it.each([
    ['malformed JSON', '{"client_name": "X",', 'application/json', 400],
    ['an empty JSON body', '', 'application/json', 400],
    ['a form instead of JSON', 'client_name=X', 'application/x-www-form-urlencoded', 415],
    ['text instead of JSON', '{"client_name":"X"}', 'text/plain', 415],
  ])('%s', async (_name, raw, contentType, status) => {
    const before = await snapshot(f.t);
    const response = await api(f.t, 'POST', '/clients', { token: f.token, body: raw, contentType });
    expect(response.status).toBe(status);
    expect(response.body.error).toEqual(expect.any(String));
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await snapshot(f.t)).toEqual(before);
  });

  it('refuses a body without a Content-Type', async () => {
    const before = await snapshot(f.t);
    const response = await fetch(`${f.t.url}/admin/api/v1/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${f.token}` },
      body: Buffer.from('{"client_name":"X"}'),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(await snapshot(f.t)).toEqual(before);
  });
});

describe('GET /clients', () => {
  it('lists in client_id order, searches, and pages with a cursor', async () => {
    for (const id of ['page-a', 'page-b', 'page-c']) {
      expect(
        (
          await post('/clients', {
            client_id: id,
            client_name: `Paged ${id}`,
            grant_types: ['client_credentials'],
          })
        ).status,
      ).toBe(201);
    }
    const first = ClientList.parse(
      (await api(f.t, 'GET', '/clients?search=PAGE-&limit=2', { token: f.token })).body,
    );
    expect(first.items.map((c) => c.client_id)).toEqual(['page-a', 'page-b']);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = ClientList.parse(
      (await api(f.t, 'GET', `/clients?search=page-&limit=2&cursor=${first.next_cursor}`, { token: f.token }))
        .body,
    );
    expect(second).toEqual({ items: [expect.objectContaining({ client_id: 'page-c' })], next_cursor: null });
    // The name matches too, and % is a plain character.
    const byName = ClientList.parse(
      (await api(f.t, 'GET', '/clients?search=paged%20page-b', { token: f.token })).body,
    );
    expect(byName.items.map((c) => c.client_id)).toEqual(['page-b']);
    const percent = ClientList.parse((await api(f.t, 'GET', '/clients?search=%25', { token: f.token })).body);
    expect(percent.items).toEqual([]);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=1000', 'limit'],
    ['cursor=not-a-cursor!', 'cursor'],
    [`search=${'s'.repeat(101)}`, 'search'],
  ])('refuses %s naming the field', async (query, field) => {
    expectApiError(
      await api(f.t, 'GET', `/clients?${query}`, { token: f.token }),
      400,
      'invalid_request',
      field,
    );
  });
});

describe('GET /clients/{client_id}', () => {
  it('reads a client', async () => {
    const response = await api(f.t, 'GET', '/clients/ops', { token: f.token });
    expect(Client.parse(response.body)).toMatchObject({ client_id: 'ops', scope: 'latchkey:admin' });
  });

  it('answers 404 for an unknown client, and 400 for an oversize id', async () => {
    expectApiError(await api(f.t, 'GET', '/clients/nobody', { token: f.token }), 404, 'not_found');
    expectApiError(
      await api(f.t, 'GET', `/clients/${'x'.repeat(199)}`, { token: f.token }),
      404,
      'not_found',
    );
  });
});

describe('PATCH /clients/{client_id}', () => {
  it('changes the fields given, keeps the rest and the secret, and audits before/after without secrets', async () => {
    const created = await post('/clients', { ...WEB_APP, client_id: 'patch-me' });
    const secret = String(created.body.client_secret);
    const response = await api(f.t, 'PATCH', '/clients/patch-me', {
      token: f.token,
      body: {
        client_name: 'Renamed',
        redirect_uris: ['https://app.example.com/cb2'],
        client_uri: 'https://app.example.com',
      },
    });
    expect(response.status).toBe(200);
    expect(Client.parse(response.body)).toMatchObject({
      client_name: 'Renamed',
      redirect_uris: ['https://app.example.com/cb2'],
      client_uri: 'https://app.example.com',
      scope: 'openid profile email',
    });
    const digest = await withDb(f.t, (db) =>
      db.prepare("SELECT secret_digest FROM clients WHERE client_id = 'patch-me'").get(),
    );
    expect(digest).toEqual({ secret_digest: sha256(secret) });

    const updated = (await auditFor('patch-me')).filter((e) => e.action === 'admin.client.updated');
    expect(updated).toHaveLength(1);
    const details = JSON.parse(updated[0]!.details);
    expect(details.before).toMatchObject({
      client_name: 'Web App',
      redirect_uris: ['https://app.example.com/callback'],
    });
    expect(details.after).toMatchObject({
      client_name: 'Renamed',
      redirect_uris: ['https://app.example.com/cb2'],
    });
    expect(Object.keys(details.after).sort()).toEqual(['client_name', 'client_uri', 'redirect_uris']);
    expect(updated[0]!.details).not.toContain(sha256(secret));
    expect(updated[0]!.details).not.toMatch(/secret/);
  });

  it('accepts a patch that changes nothing, and records nothing', async () => {
    await post('/clients', { ...WEB_APP, client_id: 'same' });
    const before = await snapshot(f.t);
    const response = await api(f.t, 'PATCH', '/clients/same', {
      token: f.token,
      body: { client_name: 'Web App' },
    });
    expect(response.status).toBe(200);
    expect(await snapshot(f.t)).toEqual(before);
    expect((await api(f.t, 'PATCH', '/clients/same', { token: f.token, body: {} })).status).toBe(200);
  });

  it('re-derives response types when the grant types change, and resets optional fields with null', async () => {
    await post('/clients', { ...WEB_APP, client_id: 'to-service', access_token_ttl: 600 });
    const response = await api(f.t, 'PATCH', '/clients/to-service', {
      token: f.token,
      body: { grant_types: ['client_credentials'], redirect_uris: [], access_token_ttl: null },
    });
    expect(Client.parse(response.body)).toMatchObject({
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      access_token_ttl: null,
    });
  });

  it.each([
    [
      'a javascript: redirect URI',
      { redirect_uris: ['javascript:alert(1)'] },
      'invalid_redirect_uri',
      'redirect_uris[0]',
    ],
    [
      'a fragment redirect URI',
      { redirect_uris: ['https://app.example.com/cb#x'] },
      'invalid_redirect_uri',
      'redirect_uris[0]',
    ],
    ['no redirect URI left', { redirect_uris: [] }, 'invalid_redirect_uri', 'redirect_uris'],
    ['an empty client_name', { client_name: '  ' }, 'invalid_client_metadata', 'client_name'],
    ['client_id', { client_id: 'other' }, 'invalid_request', 'client_id'],
    [
      'becoming public',
      { token_endpoint_auth_method: 'none' },
      'invalid_client_metadata',
      'token_endpoint_auth_method',
    ],
    ['a wrong type', { require_pkce: 'no' }, 'invalid_request', 'require_pkce'],
    ['a secret', { client_secret: 'chosen' }, 'invalid_request', 'client_secret'],
  ])('refuses %s and changes nothing', async (_name, body, error, field) => {
    await post('/clients', { ...WEB_APP, client_id: 'guarded' });
    const before = await snapshot(f.t);
    expectApiError(await api(f.t, 'PATCH', '/clients/guarded', { token: f.token, body }), 400, error, field);
    expect(await snapshot(f.t)).toEqual(before);
  });

  it('answers 404 for an unknown client', async () => {
    const before = await snapshot(f.t);
    expectApiError(
      await api(f.t, 'PATCH', '/clients/nobody', { token: f.token, body: { client_name: 'X' } }),
      404,
      'not_found',
    );
    expect(await snapshot(f.t)).toEqual(before);
  });
});

describe('POST /clients/{client_id}/secret', () => {
  it('issues a new secret once; the old one stops working', async () => {
    await post('/clients', {
      client_id: 'rotating',
      client_name: 'Svc',
      grant_types: ['client_credentials'],
    });
    const old = await withDb(f.t, (db) =>
      db.prepare("SELECT secret_digest FROM clients WHERE client_id = 'rotating'").get(),
    );
    const response = await post('/clients/rotating/secret', undefined);
    expect(response.status).toBe(200);
    const { client_secret: secret } = ClientSecret.parse(response.body);
    const now = await withDb(f.t, (db) =>
      db.prepare("SELECT secret_digest FROM clients WHERE client_id = 'rotating'").get(),
    );
    expect(now).toEqual({ secret_digest: sha256(secret) });
    expect(now).not.toEqual(old);
    expect(await clientCredentialsToken(f.t, { clientId: 'rotating', clientSecret: secret })).toEqual(
      expect.any(String),
    );
    const [event] = (await auditFor('rotating')).filter((e) => e.action === 'admin.client.secret_rotated');
    expect(event).toBeDefined();
    expect(event!.details).not.toContain(secret);
  });

  it('refuses a public client and an unknown one', async () => {
    await post('/clients', {
      client_id: 'public-one',
      client_name: 'P',
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'none',
    });
    const before = await snapshot(f.t);
    expectApiError(await post('/clients/public-one/secret', undefined), 400, 'invalid_client_metadata');
    expectApiError(await post('/clients/nobody/secret', undefined), 404, 'not_found');
    expect(await snapshot(f.t)).toEqual(before);
  });
});

describe('DELETE /clients/{client_id} and revoke-all', () => {
  it('revokes everything issued to a client, which stays registered', async () => {
    const { body } = await post('/clients', {
      client_id: 'revoked-svc',
      client_name: 'S',
      grant_types: ['client_credentials'],
    });
    const token = await clientCredentialsToken(f.t, {
      clientId: 'revoked-svc',
      clientSecret: String(body.client_secret),
    });
    expect((await callApi(f.t, `Bearer ${token}`)).status).toBe(200);
    const response = await post('/clients/revoked-svc/grants/revoke-all', undefined);
    expect(RevokedCounts.parse(response.body)).toEqual({ grants_revoked: 0, tokens_revoked: 1 });
    expect((await callApi(f.t, `Bearer ${token}`)).status).toBe(401);
    expect((await api(f.t, 'GET', '/clients/revoked-svc', { token: f.token })).status).toBe(200);
  });

  it('deletes the client with its tokens; it can no longer authenticate', async () => {
    const { body } = await post('/clients', {
      client_id: 'doomed',
      client_name: 'D',
      grant_types: ['client_credentials'],
    });
    const secret = String(body.client_secret);
    const token = await clientCredentialsToken(f.t, { clientId: 'doomed', clientSecret: secret });
    const response = await api(f.t, 'DELETE', '/clients/doomed', { token: f.token });
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(
      await withDb(f.t, (db) =>
        db.prepare("SELECT count(*) AS n FROM tokens WHERE client_id = 'doomed'").get(),
      ),
    ).toEqual({ n: 0 });
    expect((await callApi(f.t, `Bearer ${token}`)).status).toBe(401);
    const refused = await postToken(f.t, {
      authorization: basic('doomed', secret),
      body: { grant_type: 'client_credentials' },
    });
    expect(refused.status).toBe(401);
    expectApiError(await api(f.t, 'GET', '/clients/doomed', { token: f.token }), 404, 'not_found');
    const [deleted] = (await auditFor('doomed')).filter((e) => e.action === 'admin.client.deleted');
    expect(JSON.parse(deleted!.details).before).toMatchObject({ client_id: 'doomed', client_name: 'D' });
    // Deleting again: 404, nothing changed.
    const before = await snapshot(f.t);
    expectApiError(await api(f.t, 'DELETE', '/clients/doomed', { token: f.token }), 404, 'not_found');
    expect(await snapshot(f.t)).toEqual(before);
  });
});

describe('the CLI and the API share one rule set', () => {
  async function cli(argv: string[]): Promise<{ code: number; err: string }> {
    const err: string[] = [];
    const io: CliIo = {
      out: () => {},
      err: (line) => err.push(line),
      env: { LATCHKEY_DATABASE_URL: f.t.databaseUrl, LATCHKEY_LOG_LEVEL: 'silent' },
      readStdin: async () => '',
    };
    return { code: await runCli(argv, io), err: err.join('\n') };
  }

  it.each([
    ['javascript:alert(1)'],
    ['https://app.example.com/cb#fragment'],
    ['http://not-loopback.example/cb'],
  ])('refuses the redirect URI %s with the same message', async (uri) => {
    const before = await snapshot(f.t);
    const fromApi = await post('/clients', { client_name: 'Same', redirect_uris: [uri] });
    const fromCli = await cli(['clients', 'create', '-n', 'Same', '-r', uri]);
    expect(fromApi.status).toBe(400);
    expect(fromCli.code).toBe(1);
    expect(fromCli.err).toBe(`error: ${fromApi.body.error_description}`);
    expect(await snapshot(f.t)).toEqual(before);
  });

  it('refuses the same patch with the same message, and the CLI change is audited too', async () => {
    await post('/clients', { ...WEB_APP, client_id: 'shared-rules' });
    const fromApi = await api(f.t, 'PATCH', '/clients/shared-rules', {
      token: f.token,
      body: { grant_types: ['refresh_token'] },
    });
    const fromCli = await cli(['clients', 'update', 'shared-rules', '-g', 'refresh_token']);
    expect(fromCli.err).toBe(`error: ${fromApi.body.error_description}`);
    expect((await cli(['clients', 'update', 'shared-rules', '-n', 'From CLI'])).code).toBe(0);
    const [event] = (await auditFor('shared-rules')).filter((e) => e.action === 'admin.client.updated');
    expect(event).toMatchObject({ actor_type: 'system', actor_id: 'cli' });
    expect(JSON.parse(event!.details)).toEqual({
      before: { client_name: 'Web App' },
      after: { client_name: 'From CLI' },
    });
  });
});
