/**
 * Token introspection (RFC 7662) over real HTTP: the §2.2 answer for active access, refresh and
 * client-credentials tokens; exactly `{ "active": false }` for every token that is not active or
 * that the caller may not see; client authentication (§2.1, no public clients); the metadata
 * (RFC 8414); no side effects; and never a 5xx.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exchangeCode } from '../helpers/flow.js';
import {
  asTestClient,
  basic,
  callApi,
  expectNoServerErrors,
  expectTokenError,
  issuedCounts,
  type JsonResponse,
  obtainCode,
  obtainTokens,
  postToken,
  REDIRECT_URI,
  type RegisteredTestClient,
  rawRequest,
  readJson,
  type TokenPost,
  watchStatuses,
} from '../helpers/negative.js';
import { createClient, createUser, startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
let restoreFetch: () => void;
let aliceId: string;
/** Confidential, client_secret_basic, may introspect only its own tokens. */
let clientA: RegisteredTestClient;
/** Another confidential client without the introspect permission. */
let clientB: RegisteredTestClient;
/** Confidential, client_secret_post. */
let postClient: RegisteredTestClient;
let publicClient: RegisteredTestClient;
/** A resource server: client_credentials only, introspect: true. */
let resourceServer: RegisteredTestClient;
/** A client_credentials client without the introspect permission. */
let service: RegisteredTestClient;

beforeAll(async () => {
  restoreFetch = watchStatuses();
  t = await startTestServer();
  clientA = asTestClient(await createClient(t, { client_name: 'A' }));
  clientB = asTestClient(await createClient(t, { client_name: 'B' }));
  postClient = asTestClient(
    await createClient(t, { client_name: 'Post', token_endpoint_auth_method: 'client_secret_post' }),
  );
  publicClient = asTestClient(
    await createClient(t, { client_name: 'SPA', token_endpoint_auth_method: 'none' }),
  );
  resourceServer = asTestClient(
    await t.server.registerClient({
      client_name: 'API',
      grant_types: ['client_credentials'],
      scope: 'introspection',
      introspect: true,
    }),
  );
  service = asTestClient(
    await t.server.registerClient({
      client_name: 'Service',
      grant_types: ['client_credentials'],
      scope: 'api',
    }),
  );
  aliceId = (await createUser(t, 'alice')).id;
  await createUser(t, 'bob');
});
afterAll(async () => {
  await t.close();
  restoreFetch();
});
afterEach(() => expectNoServerErrors());

const authOf = (c: RegisteredTestClient) => basic(c.clientId, c.clientSecret!);

/** POST /oauth/introspect with full control of the request (form-encoded unless told otherwise). */
async function postIntrospect(request: TokenPost = {}): Promise<JsonResponse> {
  const headers = new Headers(request.headers);
  if (request.authorization !== undefined) headers.set('authorization', request.authorization);
  const contentType =
    request.contentType === undefined ? 'application/x-www-form-urlencoded' : request.contentType;
  let body: string | Uint8Array | undefined;
  if (typeof request.body === 'string' || request.body instanceof Uint8Array) body = request.body;
  else if (request.body !== undefined) body = new URLSearchParams(request.body).toString();
  // A Uint8Array body gets no default Content-Type from fetch, which is how "none" is sent.
  if (contentType !== null) headers.set('content-type', contentType);
  else if (typeof body === 'string') body = Buffer.from(body);
  return readJson(
    await fetch(`${t.url}/oauth/introspect`, { method: request.method ?? 'POST', headers, body }),
  );
}

/** `caller` introspects `token` with HTTP Basic; asserts the §2.2 envelope and returns the JSON. */
async function introspectAs(
  caller: RegisteredTestClient,
  token: string,
  hint?: string,
): Promise<Record<string, unknown>> {
  const body: Record<string, string> = { token };
  if (hint !== undefined) body.token_type_hint = hint;
  const response = await postIntrospect({ authorization: authOf(caller), body });
  expect(response.status).toBe(200);
  expect(response.json).toBe(true);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.headers.get('cache-control')).toBe('no-store');
  return response.body;
}

/** A refusal: the error, JSON, no-store, and nothing issued or revoked by it. */
async function refusedIntrospect(request: TokenPost): Promise<JsonResponse> {
  const before = await issuedCounts(t);
  const response = await postIntrospect(request);
  expect(await issuedCounts(t)).toEqual(before);
  return response;
}

/** The code flow for a client_secret_post client (exchangeCode only speaks Basic or none). */
async function obtainTokensByPost(
  client: RegisteredTestClient,
  username: string,
): Promise<{ accessToken: string; refreshToken: string }> {
  const { code, verifier } = await obtainCode(t, client, { username });
  const response = await postToken(t, {
    body: {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier!,
      client_id: client.clientId,
      client_secret: client.clientSecret!,
    },
  });
  if (response.status !== 200) throw new Error(`token exchange failed: ${response.text}`);
  return {
    accessToken: response.body.access_token as string,
    refreshToken: response.body.refresh_token as string,
  };
}

async function apiStatus(accessToken: string): Promise<number> {
  return (await callApi(t, `Bearer ${accessToken}`)).status;
}

function refresh(client: RegisteredTestClient, refreshToken: string) {
  return exchangeCode(t.url, client, { grant_type: 'refresh_token', refresh_token: refreshToken });
}

function revoke(client: RegisteredTestClient, token: string) {
  return fetch(`${t.url}/oauth/revoke`, {
    method: 'POST',
    headers: { authorization: authOf(client), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
}

const INACTIVE = { active: false };

describe('active tokens', () => {
  it('describes an access token to the client it was issued to', async () => {
    const issuedAt = t.clock.now();
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    expect(await introspectAs(clientA, tokens.accessToken)).toEqual({
      active: true,
      scope: 'profile email',
      client_id: clientA.clientId,
      username: 'alice',
      sub: aliceId,
      exp: issuedAt + 3600,
      iat: issuedAt,
      token_type: 'Bearer',
      iss: t.url,
    });
  });

  it('describes a refresh token with token_type refresh_token', async () => {
    const issuedAt = t.clock.now();
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    const body = await introspectAs(clientA, tokens.refreshToken, 'refresh_token');
    expect(body).toEqual({
      active: true,
      scope: 'profile email',
      client_id: clientA.clientId,
      username: 'alice',
      sub: aliceId,
      exp: expect.any(Number),
      iat: issuedAt,
      token_type: 'refresh_token',
      iss: t.url,
    });
    expect(Number.isInteger(body.exp)).toBe(true);
    expect(body.exp as number).toBeGreaterThan(issuedAt + 3600);
  });

  it('describes the narrowed scope of a refreshed access token', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    const refreshed = await exchangeCode(t.url, clientA, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refreshToken,
      scope: 'profile',
    });
    expect(refreshed.status).toBe(200);
    expect(await introspectAs(clientA, refreshed.body.access_token as string)).toMatchObject({
      active: true,
      scope: 'profile',
      token_type: 'Bearer',
    });
    // The new refresh token keeps the grant's full scope (RFC 6749 §6).
    expect(await introspectAs(clientA, refreshed.body.refresh_token as string)).toMatchObject({
      active: true,
      scope: 'profile email',
      token_type: 'refresh_token',
    });
  });

  it('describes a client_credentials token without a user', async () => {
    const issuedAt = t.clock.now();
    const issued = await exchangeCode(t.url, service, { grant_type: 'client_credentials' });
    expect(issued.status).toBe(200);
    const body = await introspectAs(service, issued.body.access_token as string);
    expect(body).toMatchObject({
      active: true,
      scope: 'api',
      client_id: service.clientId,
      exp: issuedAt + 3600,
      iat: issuedAt,
      token_type: 'Bearer',
      iss: t.url,
    });
    expect(body.sub ?? null).toBeNull();
    expect(body.username ?? null).toBeNull();
  });

  it('ignores a wrong or unknown token_type_hint', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    for (const hint of ['refresh_token', 'id_token', 'nonsense']) {
      expect(await introspectAs(clientA, tokens.accessToken, hint)).toMatchObject({
        active: true,
        token_type: 'Bearer',
      });
    }
    expect(await introspectAs(clientA, tokens.refreshToken, 'access_token')).toMatchObject({
      active: true,
      token_type: 'refresh_token',
    });
  });

  it('accepts client_secret_post', async () => {
    const tokens = await obtainTokensByPost(postClient, 'bob');
    const response = await postIntrospect({
      body: {
        token: tokens.accessToken,
        client_id: postClient.clientId,
        client_secret: postClient.clientSecret!,
      },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ active: true, username: 'bob', client_id: postClient.clientId });
  });

  it('has no side effects: the token still works, and introspecting a refresh token does not rotate it', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    const before = await issuedCounts(t);
    for (let i = 0; i < 3; i++) {
      expect((await introspectAs(clientA, tokens.accessToken)).active).toBe(true);
      expect((await introspectAs(clientA, tokens.refreshToken)).active).toBe(true);
    }
    expect(await issuedCounts(t)).toEqual(before);
    expect(await apiStatus(tokens.accessToken)).toBe(200);
    expect((await refresh(clientA, tokens.refreshToken)).status).toBe(200);
  });
});

describe('who may introspect what', () => {
  it("answers exactly { active: false } for another client's tokens when the caller lacks introspect", async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    for (const caller of [clientB, service]) {
      expect(await introspectAs(caller, tokens.accessToken)).toEqual(INACTIVE);
      expect(await introspectAs(caller, tokens.refreshToken)).toEqual(INACTIVE);
    }
    const cc = await exchangeCode(t.url, service, { grant_type: 'client_credentials' });
    expect(await introspectAs(clientB, cc.body.access_token as string)).toEqual(INACTIVE);
    // The refusal changed nothing.
    expect(await apiStatus(tokens.accessToken)).toBe(200);
    expect((await introspectAs(clientA, tokens.accessToken)).active).toBe(true);
    expect((await refresh(clientA, tokens.refreshToken)).status).toBe(200);
  });

  it("lets a client registered with introspect: true see every client's tokens", async () => {
    const issuedAt = t.clock.now();
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    expect(await introspectAs(resourceServer, tokens.accessToken)).toEqual({
      active: true,
      scope: 'profile email',
      client_id: clientA.clientId,
      username: 'alice',
      sub: aliceId,
      exp: issuedAt + 3600,
      iat: issuedAt,
      token_type: 'Bearer',
      iss: t.url,
    });
    expect(await introspectAs(resourceServer, tokens.refreshToken)).toMatchObject({
      active: true,
      client_id: clientA.clientId,
      token_type: 'refresh_token',
    });
    const cc = await exchangeCode(t.url, service, { grant_type: 'client_credentials' });
    expect(await introspectAs(resourceServer, cc.body.access_token as string)).toMatchObject({
      active: true,
      client_id: service.clientId,
      scope: 'api',
    });
    // Its own token too.
    const own = await exchangeCode(t.url, resourceServer, { grant_type: 'client_credentials' });
    expect(await introspectAs(resourceServer, own.body.access_token as string)).toMatchObject({
      active: true,
      client_id: resourceServer.clientId,
      scope: 'introspection',
    });
  });

  it('refuses a public client with 401 invalid_client', async () => {
    const tokens = await obtainTokens(t, publicClient, { username: 'alice' });
    const response = await refusedIntrospect({
      body: { token: tokens.accessToken, client_id: publicClient.clientId },
    });
    expectTokenError(response, 401, 'invalid_client');
    expect(response.body.active).toBeUndefined();
    expect(await apiStatus(tokens.accessToken)).toBe(200);
  });

  it('refuses bad client credentials with 401 invalid_client (with a Basic challenge when Basic was tried)', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    for (const authorization of [
      basic(clientA.clientId, `${clientA.clientSecret}x`),
      basic('no-such-client', 'secret'),
      basic(resourceServer.clientId, clientA.clientSecret!),
      'Basic !!!',
    ]) {
      const response = await refusedIntrospect({ authorization, body: { token: tokens.accessToken } });
      expectTokenError(response, 401, 'invalid_client');
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
      expect(response.body.active).toBeUndefined();
    }
    const bodies: Record<string, string>[] = [
      { token: tokens.accessToken },
      { token: tokens.accessToken, client_id: clientA.clientId },
      { token: tokens.accessToken, client_id: postClient.clientId, client_secret: 'wrong' },
    ];
    for (const body of bodies) {
      const response = await refusedIntrospect({ body });
      expectTokenError(response, 401, 'invalid_client');
      expect(response.body.active).toBeUndefined();
    }
    expect(await apiStatus(tokens.accessToken)).toBe(200);
  });
});

describe('inactive tokens are exactly { active: false }', () => {
  it('for unknown and garbage tokens', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    for (const token of [
      'unknown-token',
      'A'.repeat(43),
      `${tokens.accessToken.slice(0, -1)}${tokens.accessToken.endsWith('A') ? 'B' : 'A'}`,
      'x'.repeat(4000),
      '\u00e9\u{1F600} not a token "\\',
      tokens.code,
    ]) {
      expect(await introspectAs(clientA, token)).toEqual(INACTIVE);
      expect(await introspectAs(resourceServer, token)).toEqual(INACTIVE);
    }
  });

  it('for a revoked access token, and for the whole grant after its refresh token is revoked', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    expect((await revoke(clientA, tokens.accessToken)).status).toBe(200);
    expect(await introspectAs(clientA, tokens.accessToken)).toEqual(INACTIVE);
    expect(await introspectAs(resourceServer, tokens.accessToken)).toEqual(INACTIVE);
    expect((await introspectAs(clientA, tokens.refreshToken)).active).toBe(true);

    const other = await obtainTokens(t, clientA, { username: 'bob' });
    expect((await revoke(clientA, other.refreshToken)).status).toBe(200);
    expect(await introspectAs(clientA, other.refreshToken)).toEqual(INACTIVE);
    expect(await introspectAs(clientA, other.accessToken)).toEqual(INACTIVE);
  });

  it('for a rotated (used) refresh token, without revoking the grant', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    const refreshed = await refresh(clientA, tokens.refreshToken);
    expect(refreshed.status).toBe(200);
    expect(await introspectAs(clientA, tokens.refreshToken)).toEqual(INACTIVE);
    expect(await introspectAs(resourceServer, tokens.refreshToken)).toEqual(INACTIVE);
    // Introspecting the spent token is not a reuse: the new tokens keep working.
    expect((await introspectAs(clientA, refreshed.body.refresh_token as string)).active).toBe(true);
    expect(await apiStatus(refreshed.body.access_token as string)).toBe(200);
    expect((await refresh(clientA, refreshed.body.refresh_token as string)).status).toBe(200);
  });

  it('for a revoked client_credentials token', async () => {
    const issued = await exchangeCode(t.url, service, { grant_type: 'client_credentials' });
    const token = issued.body.access_token as string;
    expect((await introspectAs(service, token)).active).toBe(true);
    expect((await revoke(service, token)).status).toBe(200);
    expect(await introspectAs(service, token)).toEqual(INACTIVE);
    expect(await introspectAs(resourceServer, token)).toEqual(INACTIVE);
  });

  it('for an access token past its expiry (the refresh token stays active)', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    const cc = await exchangeCode(t.url, service, { grant_type: 'client_credentials' });
    t.clock.advance(3599);
    expect((await introspectAs(clientA, tokens.accessToken)).active).toBe(true);
    t.clock.advance(2);
    expect(await introspectAs(clientA, tokens.accessToken)).toEqual(INACTIVE);
    expect(await introspectAs(resourceServer, tokens.accessToken)).toEqual(INACTIVE);
    expect(await introspectAs(service, cc.body.access_token as string)).toEqual(INACTIVE);
    expect((await introspectAs(clientA, tokens.refreshToken)).active).toBe(true);
  });

  it('for a refresh token past its exp', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'bob' });
    const { exp } = await introspectAs(clientA, tokens.refreshToken);
    t.clock.set((exp as number) - 1);
    expect((await introspectAs(clientA, tokens.refreshToken)).active).toBe(true);
    t.clock.advance(1);
    expect(await introspectAs(clientA, tokens.refreshToken)).toEqual(INACTIVE);
    expect(await introspectAs(resourceServer, tokens.refreshToken)).toEqual(INACTIVE);
  });
});

describe('malformed requests', () => {
  it('refuses two client authentication methods, or two Authorization lines (RFC 6749 §2.3)', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    const both = await refusedIntrospect({
      authorization: authOf(clientA),
      body: { token: tokens.accessToken, client_secret: clientA.clientSecret! },
    });
    expectTokenError(both, 400, 'invalid_request');
    const otherId = await refusedIntrospect({
      authorization: authOf(clientA),
      body: { token: tokens.accessToken, client_id: clientB.clientId },
    });
    expectTokenError(otherId, 400, 'invalid_request');

    // fetch folds repeated headers into one, so this needs a raw request.
    const body = new URLSearchParams({ token: tokens.accessToken }).toString();
    const before = await issuedCounts(t);
    const raw = await rawRequest(
      t,
      [
        'POST /oauth/introspect HTTP/1.1',
        `Host: ${new URL(t.url).host}`,
        `Authorization: ${authOf(clientB)}`,
        `Authorization: ${authOf(clientA)}`,
        'Content-Type: application/x-www-form-urlencoded',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Connection: close',
        '',
        '',
      ].join('\r\n'),
      body,
    );
    expect(raw.status).toBe(400);
    expect(raw.body).toContain('"error":"invalid_request"');
    expect(raw.body).not.toContain('"active"');
    expect(await issuedCounts(t)).toEqual(before);
    expect(await apiStatus(tokens.accessToken)).toBe(200);
  });

  it('refuses a missing token with 400 invalid_request', async () => {
    for (const body of [{}, { token: '' }, { token_type_hint: 'access_token' }] as Record<string, string>[]) {
      const response = await refusedIntrospect({ authorization: authOf(clientA), body });
      expectTokenError(response, 400, 'invalid_request');
      expect(response.body.active).toBeUndefined();
    }
  });

  it('refuses a repeated token parameter with 400 invalid_request', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    const response = await refusedIntrospect({
      authorization: authOf(clientA),
      body: [
        ['token', tokens.accessToken],
        ['token', tokens.refreshToken],
      ],
    });
    expectTokenError(response, 400, 'invalid_request');
  });

  it('refuses a body that is not form-encoded with 400 invalid_request', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    for (const contentType of ['application/json', 'text/plain', 'multipart/form-data; boundary=x', null]) {
      const body =
        contentType === 'application/json'
          ? JSON.stringify({ token: tokens.accessToken })
          : new URLSearchParams({ token: tokens.accessToken }).toString();
      const response = await refusedIntrospect({ authorization: authOf(clientA), contentType, body });
      expect({ contentType, status: response.status }).toEqual({ contentType, status: 400 });
      expectTokenError(response, 400, 'invalid_request');
      expect(response.body.active).toBeUndefined();
    }
  });

  it('answers GET with 405 and Allow: POST', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    const response = await readJson(
      await fetch(`${t.url}/oauth/introspect?token=${encodeURIComponent(tokens.accessToken)}`, {
        headers: { authorization: authOf(clientA) },
      }),
    );
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(response.body.error).toBe('method_not_allowed');
    expect(response.body.active).toBeUndefined();
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const other = await fetch(`${t.url}/oauth/introspect`, { method });
      expect([404, 405]).toContain(other.status);
      await other.body?.cancel();
    }
  });
});

describe('metadata', () => {
  it('lists the introspection endpoint and its client authentication methods (RFC 8414 §2)', async () => {
    const response = await readJson(await fetch(`${t.url}/.well-known/oauth-authorization-server`));
    expect(response.status).toBe(200);
    expect(response.body.introspection_endpoint).toBe(`${t.url}/oauth/introspect`);
    const methods = response.body.introspection_endpoint_auth_methods_supported;
    expect(methods).toEqual(expect.arrayContaining(['client_secret_basic', 'client_secret_post']));
    // Public clients cannot introspect, so "none" is not a method this endpoint supports.
    expect(methods).not.toContain('none');
  });
});
