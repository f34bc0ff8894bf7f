/**
 * Token revocation (RFC 7009) over real HTTP: what revoking an access or a refresh token takes
 * away, the §2.2 "200 for an invalid token" rule, refusals (another client's token, bad client
 * authentication, a missing token, the wrong content type or method) that change nothing, and
 * never a 5xx.
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
  sha256,
  type TokenPost,
  watchStatuses,
  withDb,
} from '../helpers/negative.js';
import { createClient, createUser, startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
let restoreFetch: () => void;
/** Confidential, client_secret_basic. */
let clientA: RegisteredTestClient;
/** Another confidential client. */
let clientB: RegisteredTestClient;
/** Confidential, client_secret_post. */
let postClient: RegisteredTestClient;
let publicClient: RegisteredTestClient;
/** client_credentials only. */
let service: RegisteredTestClient;
/** May introspect every token (RFC 7662), which says nothing about revoking them. */
let resourceServer: RegisteredTestClient;

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
  service = asTestClient(
    await t.server.registerClient({
      client_name: 'Service',
      grant_types: ['client_credentials'],
      scope: 'api',
    }),
  );
  resourceServer = asTestClient(
    await t.server.registerClient({
      client_name: 'API',
      grant_types: ['client_credentials'],
      scope: 'introspection',
      introspect: true,
    }),
  );
  for (const name of ['alice', 'bob']) await createUser(t, name);
});
afterAll(async () => {
  await t.close();
  restoreFetch();
});
afterEach(() => expectNoServerErrors());

const authOf = (c: RegisteredTestClient) => basic(c.clientId, c.clientSecret!);

/** POST /oauth/revoke with full control of the request (form-encoded unless told otherwise). */
async function postRevoke(request: TokenPost = {}): Promise<JsonResponse> {
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
  return readJson(await fetch(`${t.url}/oauth/revoke`, { method: request.method ?? 'POST', headers, body }));
}

/** Client A revokes `token` with HTTP Basic. */
function revokeAsA(token: string, hint?: string): Promise<JsonResponse> {
  const body: Record<string, string> = { token };
  if (hint !== undefined) body.token_type_hint = hint;
  return postRevoke({ authorization: authOf(clientA), body });
}

/** RFC 7009 §2.2: "The authorization server responds with HTTP status code 200" and the body is ignored. */
function expectRevoked(response: JsonResponse): void {
  expect(response.status).toBe(200);
  expect(response.text).toBe('');
  expect(response.headers.get('cache-control')).toBe('no-store');
}

/** A refusal: the error, JSON, no-store, and nothing revoked or issued by it. */
async function refusedRevoke(request: TokenPost): Promise<JsonResponse> {
  const before = await issuedCounts(t);
  const response = await postRevoke(request);
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

describe('revoking an access token', () => {
  it('stops that access token and leaves the refresh token working', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    expect(await apiStatus(tokens.accessToken)).toBe(200);
    expectRevoked(await revokeAsA(tokens.accessToken, 'access_token'));
    const api = await callApi(t, `Bearer ${tokens.accessToken}`);
    expect(api.status).toBe(401);
    expect(api.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);

    const refreshed = await refresh(clientA, tokens.refreshToken);
    expect(refreshed.status).toBe(200);
    expect(await apiStatus(refreshed.body.access_token as string)).toBe(200);
  });

  it('revokes without a hint, and with a wrong or unknown hint (the hint is only a hint)', async () => {
    for (const hint of [undefined, 'refresh_token', 'id_token', 'nonsense']) {
      const tokens = await obtainTokens(t, clientA, { username: 'alice' });
      expectRevoked(await revokeAsA(tokens.accessToken, hint));
      expect(await apiStatus(tokens.accessToken)).toBe(401);
      expect((await refresh(clientA, tokens.refreshToken)).status).toBe(200);
    }
  });

  it('revokes a client_credentials token', async () => {
    const issued = await exchangeCode(t.url, service, { grant_type: 'client_credentials' });
    expect(issued.status).toBe(200);
    const accessToken = issued.body.access_token as string;
    expect(await apiStatus(accessToken)).toBe(200);
    expectRevoked(
      await postRevoke({
        authorization: authOf(service),
        body: { token: accessToken, token_type_hint: 'access_token' },
      }),
    );
    expect(await apiStatus(accessToken)).toBe(401);
  });
});

describe('revoking a refresh token', () => {
  it('revokes the whole grant: the refresh token and every access token issued from it', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'bob' });
    const refreshed = await refresh(clientA, tokens.refreshToken);
    expect(refreshed.status).toBe(200);
    const accessTokens = [tokens.accessToken, refreshed.body.access_token as string];
    for (const token of accessTokens) expect(await apiStatus(token)).toBe(200);

    expectRevoked(await revokeAsA(refreshed.body.refresh_token as string, 'refresh_token'));

    const again = await refresh(clientA, refreshed.body.refresh_token as string);
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
    for (const token of accessTokens) expect(await apiStatus(token)).toBe(401);
  });

  it('revokes the grant when the hint says access_token or is missing', async () => {
    for (const hint of ['access_token', undefined]) {
      const tokens = await obtainTokens(t, clientA, { username: 'bob' });
      expectRevoked(await revokeAsA(tokens.refreshToken, hint));
      expect((await refresh(clientA, tokens.refreshToken)).body.error).toBe('invalid_grant');
      expect(await apiStatus(tokens.accessToken)).toBe(401);
    }
  });

  it('leaves other grants of the same user and client alone', async () => {
    const kept = await obtainTokens(t, clientA, { username: 'alice' });
    const revoked = await obtainTokens(t, clientA, { username: 'alice' });
    expectRevoked(await revokeAsA(revoked.refreshToken));
    expect(await apiStatus(revoked.accessToken)).toBe(401);
    expect(await apiStatus(kept.accessToken)).toBe(200);
    expect((await refresh(clientA, kept.refreshToken)).status).toBe(200);
  });
});

describe('client authentication methods', () => {
  it('accepts client_secret_post', async () => {
    const tokens = await obtainTokensByPost(postClient, 'alice');
    const response = await postRevoke({
      body: {
        token: tokens.refreshToken,
        client_id: postClient.clientId,
        client_secret: postClient.clientSecret!,
      },
    });
    expectRevoked(response);
    expect(await apiStatus(tokens.accessToken)).toBe(401);
  });

  it('accepts a public client identified by client_id alone', async () => {
    const tokens = await obtainTokens(t, publicClient, { username: 'alice' });
    expectRevoked(
      await postRevoke({ body: { token: tokens.accessToken, client_id: publicClient.clientId } }),
    );
    expect(await apiStatus(tokens.accessToken)).toBe(401);
    expectRevoked(
      await postRevoke({ body: { token: tokens.refreshToken, client_id: publicClient.clientId } }),
    );
    expect((await refresh(publicClient, tokens.refreshToken)).body.error).toBe('invalid_grant');
  });
});

describe('invalid tokens get 200 (RFC 7009 §2.2)', () => {
  it('answers 200 with an empty body for unknown and garbage tokens, revoking nothing', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    for (const token of [
      'unknown-token',
      'A'.repeat(43),
      `${tokens.accessToken.slice(0, -1)}${tokens.accessToken.endsWith('A') ? 'B' : 'A'}`,
      'x'.repeat(4000),
      '\u00e9\u{1F600} not a token "\\',
      tokens.code,
    ]) {
      const before = await issuedCounts(t);
      expectRevoked(await revokeAsA(token));
      expect(await issuedCounts(t)).toEqual(before);
    }
    expect(await apiStatus(tokens.accessToken)).toBe(200);
    expect((await refresh(clientA, tokens.refreshToken)).status).toBe(200);
  });

  it('answers 200 for an already revoked token', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    expectRevoked(await revokeAsA(tokens.accessToken));
    expectRevoked(await revokeAsA(tokens.accessToken));
    expectRevoked(await revokeAsA(tokens.refreshToken));
    expectRevoked(await revokeAsA(tokens.refreshToken));
    expect(await apiStatus(tokens.accessToken)).toBe(401);
  });

  it('answers 200 for a rotated (used) refresh token', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'bob' });
    expect((await refresh(clientA, tokens.refreshToken)).status).toBe(200);
    expectRevoked(await revokeAsA(tokens.refreshToken));
  });

  it('answers 200 for an expired access token', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    t.clock.advance(3601);
    expect(await apiStatus(tokens.accessToken)).toBe(401);
    expectRevoked(await revokeAsA(tokens.accessToken, 'access_token'));
    // The refresh token outlives the access token and is untouched by that revocation.
    expect((await refresh(clientA, tokens.refreshToken)).status).toBe(200);
  });
});

describe('refusals change nothing', () => {
  it("refuses another client's tokens with 400 unauthorized_client (RFC 7009 §2.1); they keep working", async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    const asB = (token: string, hint?: string) =>
      refusedRevoke({
        authorization: authOf(clientB),
        body: hint ? { token, token_type_hint: hint } : { token },
      });
    for (const [token, hint] of [
      [tokens.accessToken, 'access_token'],
      [tokens.accessToken, undefined],
      [tokens.refreshToken, 'refresh_token'],
      [tokens.refreshToken, undefined],
    ] as const) {
      expectTokenError(await asB(token, hint), 400, 'unauthorized_client');
    }
    const byPublic = await refusedRevoke({
      body: { token: tokens.accessToken, client_id: publicClient.clientId },
    });
    expectTokenError(byPublic, 400, 'unauthorized_client');
    // Permission to introspect every token is not permission to revoke them.
    const byResourceServer = await refusedRevoke({
      authorization: authOf(resourceServer),
      body: { token: tokens.refreshToken },
    });
    expectTokenError(byResourceServer, 400, 'unauthorized_client');

    expect(await apiStatus(tokens.accessToken)).toBe(200);
    const stored = await withDb(t, (db) =>
      db
        .prepare('SELECT revoked_at FROM tokens WHERE token_digest = ?')
        .get<{ revoked_at: number | null }>(sha256(tokens.refreshToken)),
    );
    expect(stored?.revoked_at ?? null).toBeNull();
    expect((await refresh(clientA, tokens.refreshToken)).status).toBe(200);
  });

  it('refuses a wrong secret with 401 invalid_client and a Basic challenge', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    for (const authorization of [
      basic(clientA.clientId, `${clientA.clientSecret}x`),
      basic(clientA.clientId, clientB.clientSecret!),
      basic('no-such-client', 'secret'),
      'Basic !!!',
    ]) {
      const response = await refusedRevoke({ authorization, body: { token: tokens.accessToken } });
      expectTokenError(response, 401, 'invalid_client');
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
    }
    expect(await apiStatus(tokens.accessToken)).toBe(200);
  });

  it('refuses a missing or wrong client authentication in the body with 401 invalid_client', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    const bodies: Record<string, string>[] = [
      { token: tokens.accessToken },
      // A confidential client without its secret is not authenticated.
      { token: tokens.accessToken, client_id: clientA.clientId },
      // A client_secret_basic client must use Basic.
      { token: tokens.accessToken, client_id: clientA.clientId, client_secret: clientA.clientSecret! },
      { token: tokens.accessToken, client_id: 'no-such-client' },
      { token: tokens.accessToken, client_id: postClient.clientId, client_secret: 'wrong' },
    ];
    for (const body of bodies) {
      expectTokenError(await refusedRevoke({ body }), 401, 'invalid_client');
    }
    expect(await apiStatus(tokens.accessToken)).toBe(200);
  });

  it('refuses two client authentication methods, or two Authorization lines (RFC 6749 §2.3)', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    const both = await refusedRevoke({
      authorization: authOf(clientA),
      body: { token: tokens.accessToken, client_secret: clientA.clientSecret! },
    });
    expectTokenError(both, 400, 'invalid_request');
    const otherId = await refusedRevoke({
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
        'POST /oauth/revoke HTTP/1.1',
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
      expectTokenError(await refusedRevoke({ authorization: authOf(clientA), body }), 400, 'invalid_request');
    }
  });

  it('refuses a repeated token parameter with 400 invalid_request', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    const response = await refusedRevoke({
      authorization: authOf(clientA),
      body: [
        ['token', tokens.accessToken],
        ['token', tokens.refreshToken],
      ],
    });
    expectTokenError(response, 400, 'invalid_request');
    expect(await apiStatus(tokens.accessToken)).toBe(200);
  });

  it('refuses a body that is not form-encoded with 400 invalid_request', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    for (const contentType of ['application/json', 'text/plain', 'multipart/form-data; boundary=x', null]) {
      const body =
        contentType === 'application/json'
          ? JSON.stringify({ token: tokens.accessToken })
          : new URLSearchParams({ token: tokens.accessToken }).toString();
      const response = await refusedRevoke({ authorization: authOf(clientA), contentType, body });
      expect({ contentType, status: response.status }).toEqual({ contentType, status: 400 });
      expectTokenError(response, 400, 'invalid_request');
    }
    expect(await apiStatus(tokens.accessToken)).toBe(200);
  });

  it('answers GET with 405 and Allow: POST, revoking nothing', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    const response = await readJson(
      await fetch(`${t.url}/oauth/revoke?token=${encodeURIComponent(tokens.accessToken)}`, {
        headers: { authorization: authOf(clientA) },
      }),
    );
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(response.body.error).toBe('method_not_allowed');
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const other = await fetch(`${t.url}/oauth/revoke`, { method });
      expect([404, 405]).toContain(other.status);
      await other.body?.cancel();
    }
    expect(await apiStatus(tokens.accessToken)).toBe(200);
  });
});

describe('metadata', () => {
  it('lists the revocation endpoint and its client authentication methods (RFC 8414 §2)', async () => {
    const response = await readJson(await fetch(`${t.url}/.well-known/oauth-authorization-server`));
    expect(response.status).toBe(200);
    expect(response.body.revocation_endpoint).toBe(`${t.url}/oauth/revoke`);
    expect(response.body.revocation_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'none']),
    );
  });
});
