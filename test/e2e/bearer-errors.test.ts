/**
 * /api/me, the provider's own protected resource, applies RFC 6750: a request without a bearer
 * token gets a bare challenge (§3.1: no error code), a bad token 401 invalid_token, a malformed
 * request 400 invalid_request — each with `WWW-Authenticate: Bearer realm="latchkey"…`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  asTestClient,
  basic,
  callApi,
  expectNoServerErrors,
  type JsonResponse,
  obtainCode,
  obtainTokens,
  postToken,
  REDIRECT_URI,
  type RegisteredTestClient,
  rawRequest,
  watchStatuses,
} from '../helpers/negative.js';
import { createClient, createUser, startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
let restoreFetch: () => void;
let client: RegisteredTestClient;

beforeAll(async () => {
  restoreFetch = watchStatuses();
  t = await startTestServer();
  client = asTestClient(await createClient(t));
  for (const name of ['alice', 'bob', 'carol']) await createUser(t, name);
});
afterAll(async () => {
  await t.close();
  restoreFetch();
});
// "No request in the suite gets a 5xx."
afterEach(() => expectNoServerErrors());

/** The parsed attributes of a `Bearer k="v", …` challenge. */
function challenge(response: JsonResponse): { scheme: string; params: Record<string, string> } {
  const header = response.headers.get('www-authenticate') ?? '';
  const [scheme = '', ...rest] = header.split(' ');
  const params: Record<string, string> = {};
  for (const match of rest.join(' ').matchAll(/([a-z_]+)="([^"]*)"/g)) params[match[1]!] = match[2]!;
  return { scheme, params };
}

function expectInvalidToken(response: JsonResponse): void {
  expect(response.status).toBe(401);
  expect(response.body.error).toBe('invalid_token');
  expect(response.headers.get('cache-control')).toBe('no-store');
  const { scheme, params } = challenge(response);
  expect(scheme).toBe('Bearer');
  expect(params.realm).toBe('latchkey');
  expect(params.error).toBe('invalid_token');
  expect(response.body.username).toBeUndefined();
}

/** RFC 6750 §3.1: no token (or another scheme) gets a challenge without an error attribute. */
function expectBareChallenge(response: JsonResponse): void {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe('Bearer realm="latchkey"');
  expect(response.body.username).toBeUndefined();
}

function expectMalformed(response: JsonResponse): void {
  expect(response.status).toBe(400);
  expect(response.body.error).toBe('invalid_request');
  const { scheme, params } = challenge(response);
  expect(scheme).toBe('Bearer');
  expect(params.error).toBe('invalid_request');
  expect(response.body.username).toBeUndefined();
}

describe('/api/me bearer checks', () => {
  it('answers a request without Authorization with a bare Bearer challenge (no error attribute)', async () => {
    const response = await callApi(t);
    expectBareChallenge(response);
    expect(response.headers.get('www-authenticate')).not.toContain('error=');
  });

  it('answers an empty Authorization header like a missing one, or as malformed — never a 200', async () => {
    const response = await callApi(t, '');
    expect([400, 401]).toContain(response.status);
  });

  it('answers another scheme (Basic, Digest) with a bare Bearer challenge', async () => {
    for (const authorization of [basic('x', 'y'), 'Basic xxx', 'Digest username="x"', 'Token abc']) {
      const response = await callApi(t, authorization);
      expectBareChallenge(response);
    }
  });

  it('answers a garbage token with 401 invalid_token', async () => {
    for (const token of ['garbage', 'A'.repeat(43), 'x'.repeat(600), 'abc==', 'a.b.c']) {
      expectInvalidToken(await callApi(t, `Bearer ${token}`));
    }
  });

  it('answers a malformed Bearer header with 400 invalid_request', async () => {
    for (const authorization of [
      'Bearer a b',
      'Bearer',
      'Bearer ',
      'Bearer !!!',
      'Bearer a,b',
      'Bearer "abc"',
    ]) {
      const response = await callApi(t, authorization);
      expect({ authorization, status: response.status }).toEqual({ authorization, status: 400 });
      expectMalformed(response);
    }
  });

  it('answers two Bearer credentials folded into one header with 400 invalid_request', async () => {
    const { accessToken } = await obtainTokens(t, client, { username: 'alice' });
    expectMalformed(await callApi(t, `Bearer ${accessToken}, Bearer ${accessToken}`));
  });

  it('does not accept a token only in the query string (RFC 6750 §2.3 is not supported)', async () => {
    const { accessToken } = await obtainTokens(t, client, { username: 'alice' });
    const response = await callApi(t, undefined, `/api/me?access_token=${accessToken}`);
    expectBareChallenge(response);
  });

  it('refuses a refresh token or an authorization code used as a bearer token', async () => {
    const tokens = await obtainTokens(t, client, { username: 'alice' });
    expectInvalidToken(await callApi(t, `Bearer ${tokens.refreshToken}`));
    expectInvalidToken(await callApi(t, `Bearer ${tokens.code}`));
    const { code } = await obtainCode(t, client, { username: 'alice' });
    expectInvalidToken(await callApi(t, `Bearer ${code}`));
  });

  it('refuses a client secret used as a bearer token', async () => {
    expectInvalidToken(await callApi(t, `Bearer ${client.clientSecret}`));
  });

  it('refuses an expired access token (after 3600 s)', async () => {
    const { accessToken } = await obtainTokens(t, client, { username: 'bob' });
    expect((await callApi(t, `Bearer ${accessToken}`)).status).toBe(200);
    t.clock.advance(3601);
    expectInvalidToken(await callApi(t, `Bearer ${accessToken}`));
  });

  it('refuses an access token revoked by a code replay', async () => {
    const { code, verifier } = await obtainCode(t, client, { username: 'carol' });
    const params = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier!,
    };
    const auth = basic(client.clientId, client.clientSecret!);
    const first = await postToken(t, { authorization: auth, body: params });
    expect(first.status).toBe(200);
    const accessToken = first.body.access_token as string;
    expect((await callApi(t, `Bearer ${accessToken}`)).status).toBe(200);
    expect((await postToken(t, { authorization: auth, body: params })).body.error).toBe('invalid_grant');
    expectInvalidToken(await callApi(t, `Bearer ${accessToken}`));
  });

  it('refuses an access token of a grant whose refresh token was reused', async () => {
    const tokens = await obtainTokens(t, client, { username: 'alice' });
    const auth = basic(client.clientId, client.clientSecret!);
    const body = { grant_type: 'refresh_token', refresh_token: tokens.refreshToken };
    const rotated = await postToken(t, { authorization: auth, body });
    expect(rotated.status).toBe(200);
    expect((await postToken(t, { authorization: auth, body })).body.error).toBe('invalid_grant');
    expectInvalidToken(await callApi(t, `Bearer ${rotated.body.access_token}`));
  });

  it('lets a second Authorization header line never turn a refusal into a 200', async () => {
    // fetch folds repeated headers, so this is a raw request. RFC 6750 §3.1 would have two
    // credentials be invalid_request; at the least, a bad first line must not be rescued.
    const { accessToken } = await obtainTokens(t, client, { username: 'alice' });
    const host = new URL(t.url).host;
    const response = await rawRequest(
      t,
      [
        'GET /api/me HTTP/1.1',
        `Host: ${host}`,
        'Authorization: Bearer garbage',
        `Authorization: Bearer ${accessToken}`,
        'Connection: close',
        '',
        '',
      ].join('\r\n'),
    );
    expect([400, 401]).toContain(response.status);
  });
});
