/**
 * The token endpoint refuses what it must (RFC 6749 §5.2 JSON, never cached) and issues nothing
 * when it does: the `tokens` table is unchanged after every refused request.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exchangeCode, pkcePair } from '../helpers/flow.js';
import {
  asTestClient,
  basic,
  callApi,
  countRows,
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
/** Confidential, client_secret_basic, PKCE required (the defaults). */
let clientA: RegisteredTestClient;
/** Another confidential client, same redirect URI. */
let clientB: RegisteredTestClient;
/** Confidential, client_secret_post. */
let postClient: RegisteredTestClient;
/** Confidential, PKCE not required: codes can be issued without a challenge. */
let noPkceClient: RegisteredTestClient;
let publicClient: RegisteredTestClient;

beforeAll(async () => {
  restoreFetch = watchStatuses();
  t = await startTestServer();
  clientA = asTestClient(await createClient(t, { client_name: 'A' }));
  clientB = asTestClient(await createClient(t, { client_name: 'B' }));
  postClient = asTestClient(
    await createClient(t, { client_name: 'Post', token_endpoint_auth_method: 'client_secret_post' }),
  );
  noPkceClient = asTestClient(await createClient(t, { client_name: 'No PKCE', require_pkce: false }));
  publicClient = asTestClient(
    await createClient(t, { client_name: 'SPA', token_endpoint_auth_method: 'none' }),
  );
  for (const name of ['alice', 'bob', 'carol', 'dave']) await createUser(t, name);
});
afterAll(async () => {
  await t.close();
  restoreFetch();
});
// "No request in the suite gets a 5xx."
afterEach(() => expectNoServerErrors());

const authA = () => basic(clientA.clientId, clientA.clientSecret!);

/** Runs a request that must be refused; asserts nothing was issued or revoked by it. */
async function refusedPost(request: TokenPost): Promise<JsonResponse> {
  const before = await issuedCounts(t);
  const response = await postToken(t, request);
  expect(await issuedCounts(t)).toEqual(before);
  return response;
}

/** A code exchange as client A with the given parameters (A authenticates with Basic). */
function exchangeAsA(params: Record<string, string>): Promise<JsonResponse> {
  return refusedPost({ authorization: authA(), body: { grant_type: 'authorization_code', ...params } });
}

function codeParams(code: string, verifier: string | undefined): Record<string, string> {
  const params: Record<string, string> = {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
  };
  if (verifier !== undefined) params.code_verifier = verifier;
  return params;
}

describe('authorization_code grant: PKCE', () => {
  it('refuses a missing code_verifier with invalid_grant', async () => {
    const { code } = await obtainCode(t, clientA, { username: 'alice' });
    expectTokenError(await exchangeAsA({ code, redirect_uri: REDIRECT_URI }), 400, 'invalid_grant');
  });

  it('refuses a wrong code_verifier with invalid_grant', async () => {
    const { code, verifier } = await obtainCode(t, clientA, { username: 'alice' });
    const wrong = [pkcePair().verifier, `${verifier!.slice(0, -1)}${verifier!.endsWith('A') ? 'B' : 'A'}`];
    for (const candidate of wrong) {
      expectTokenError(
        await exchangeAsA({ code, redirect_uri: REDIRECT_URI, code_verifier: candidate }),
        400,
        'invalid_grant',
      );
    }
  });

  it('refuses a malformed code_verifier (too short, too long, bad characters) with invalid_grant', async () => {
    const { code, verifier } = await obtainCode(t, clientA, { username: 'alice' });
    for (const candidate of [verifier!.slice(0, 42), 'a'.repeat(129), `${verifier!.slice(0, 42)}+`]) {
      expectTokenError(
        await exchangeAsA({ code, redirect_uri: REDIRECT_URI, code_verifier: candidate }),
        400,
        'invalid_grant',
      );
    }
  });

  it('refuses a verifier for a code issued without a challenge (PKCE downgrade, RFC 9700 §2.1.1)', async () => {
    const { code } = await obtainCode(t, noPkceClient, { username: 'bob', pkce: null });
    expect(await countRows(t, 'authorization_codes', 'code_challenge IS NULL')).toBeGreaterThan(0);
    const downgrade = await refusedPost({
      authorization: basic(noPkceClient.clientId, noPkceClient.clientSecret!),
      body: codeParams(code, pkcePair().verifier),
    });
    expectTokenError(downgrade, 400, 'invalid_grant');
    // Without the verifier, the code issued without a challenge is good.
    expect((await exchangeCode(t.url, noPkceClient, codeParams(code, undefined))).status).toBe(200);
  });

  it('refuses to drop the verifier for a code issued with a challenge, even for a client not requiring PKCE', async () => {
    const { code } = await obtainCode(t, noPkceClient, { username: 'bob' });
    const response = await refusedPost({
      authorization: basic(noPkceClient.clientId, noPkceClient.clientSecret!),
      body: codeParams(code, undefined),
    });
    expectTokenError(response, 400, 'invalid_grant');
  });
});

describe('authorization_code grant: the code', () => {
  it('refuses a replayed code and revokes what the first exchange issued (RFC 6749 §4.1.2)', async () => {
    const { code, verifier } = await obtainCode(t, clientA, { username: 'carol' });
    const first = await exchangeCode(t.url, clientA, codeParams(code, verifier));
    expect(first.status).toBe(200);
    expect((await callApi(t, `Bearer ${first.body.access_token}`)).status).toBe(200);

    const tokensBefore = await countRows(t, 'tokens');
    const replay = await postToken(t, { authorization: authA(), body: codeParams(code, verifier) });
    expectTokenError(replay, 400, 'invalid_grant');
    expect(await countRows(t, 'tokens')).toBe(tokensBefore);

    const api = await callApi(t, `Bearer ${first.body.access_token}`);
    expect(api.status).toBe(401);
    expect(api.body.error).toBe('invalid_token');
    const refresh = await postToken(t, {
      authorization: authA(),
      body: { grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string },
    });
    expectTokenError(refresh, 400, 'invalid_grant');
  });

  it('lets an unauthenticated replay neither succeed nor revoke anything (client auth comes first)', async () => {
    const { code, verifier } = await obtainCode(t, clientA, { username: 'carol' });
    const first = await exchangeCode(t.url, clientA, codeParams(code, verifier));
    expect(first.status).toBe(200);
    for (const authorization of [basic(clientA.clientId, 'wrong'), basic('no-such-client', 'x')]) {
      expectTokenError(
        await refusedPost({ authorization, body: codeParams(code, verifier) }),
        401,
        'invalid_client',
      );
    }
    expect((await callApi(t, `Bearer ${first.body.access_token}`)).status).toBe(200);
  });

  it('refuses a code presented by another authenticated client, and the code still works for its own', async () => {
    const { code, verifier } = await obtainCode(t, clientA, { username: 'alice' });
    const stolen = await refusedPost({
      authorization: basic(clientB.clientId, clientB.clientSecret!),
      body: codeParams(code, verifier),
    });
    expectTokenError(stolen, 400, 'invalid_grant');
    const own = await exchangeCode(t.url, clientA, codeParams(code, verifier));
    expect(own.status).toBe(200);
  });

  it('refuses a code presented by a public client under the confidential client_id without its secret', async () => {
    const { code, verifier } = await obtainCode(t, clientA, { username: 'alice' });
    const response = await refusedPost({
      body: { ...codeParams(code, verifier), client_id: clientA.clientId },
    });
    expectTokenError(response, 401, 'invalid_client');
  });

  it('refuses an expired code (codes live 60 s)', async () => {
    const { code, verifier } = await obtainCode(t, clientA, { username: 'alice' });
    t.clock.advance(61);
    expectTokenError(await exchangeAsA(codeParams(code, verifier)), 400, 'invalid_grant');
  });

  it('refuses an unknown, empty-looking or over-long code', async () => {
    const { verifier } = pkcePair();
    for (const code of ['nope', 'A'.repeat(43), 'x'.repeat(5000), '%00']) {
      expectTokenError(await exchangeAsA(codeParams(code, verifier)), 400, 'invalid_grant');
    }
  });

  it('answers a missing code with invalid_request (RFC 6749 §4.1.3: code is REQUIRED; §5.2)', async () => {
    const { verifier } = pkcePair();
    // An empty parameter counts as absent (RFC 6749 §3.1).
    for (const code of [undefined, '']) {
      const params = codeParams(code ?? '', verifier);
      if (code === undefined) delete params.code;
      expectTokenError(await exchangeAsA(params), 400, 'invalid_request');
    }
  });

  it('refuses a redirect_uri different from the authorization request', async () => {
    const { code, verifier } = await obtainCode(t, clientA, { username: 'alice' });
    for (const uri of [`${REDIRECT_URI}/`, 'http://127.0.0.1:6000/callback', 'https://attacker.example/cb']) {
      expectTokenError(
        await exchangeAsA({ code, code_verifier: verifier!, redirect_uri: uri }),
        400,
        'invalid_grant',
      );
    }
  });

  it('binds the code to the exact loopback redirect URI used, port included (RFC 8252 §7.3)', async () => {
    const loopback = 'http://127.0.0.1:6123/callback';
    const { code, verifier } = await obtainCode(t, clientA, { username: 'alice', redirectUri: loopback });
    expectTokenError(await exchangeAsA(codeParams(code, verifier)), 400, 'invalid_grant');
    const exact = await exchangeCode(t.url, clientA, {
      ...codeParams(code, verifier),
      redirect_uri: loopback,
    });
    expect(exact.status).toBe(200);
  });

  it('refuses a missing redirect_uri when the authorization request had one (RFC 6749 §4.1.3)', async () => {
    const { code, verifier } = await obtainCode(t, clientA, { username: 'alice' });
    expectTokenError(await exchangeAsA({ code, code_verifier: verifier! }), 400, 'invalid_grant');
    // The code was not spent by the refused attempts.
    expect((await exchangeCode(t.url, clientA, codeParams(code, verifier))).status).toBe(200);
  });

  it('when the authorization request had no redirect_uri, accepts only the one the code went to', async () => {
    // RFC 6749 §4.1.3 requires it only when the request had it; clients such as openid-client
    // always send it, so the right one is accepted and any other refused.
    const other = await obtainCode(t, clientA, { username: 'alice', redirectUri: '' });
    const wrong = { ...codeParams(other.code, other.verifier), redirect_uri: 'http://127.0.0.1:5999/other' };
    expectTokenError(await exchangeAsA(wrong), 400, 'invalid_grant');
    const { code, verifier } = await obtainCode(t, clientA, { username: 'alice', redirectUri: '' });
    const accepted = await postToken(t, { authorization: authA(), body: codeParams(code, verifier) });
    expect(accepted.status).toBe(200);
  });
});

describe('client authentication', () => {
  const validBody = () => ({ grant_type: 'refresh_token', refresh_token: 'x' });

  it('answers a wrong client secret with 401 invalid_client and a Basic challenge', async () => {
    for (const secret of ['wrong', `${clientA.clientSecret}x`, clientB.clientSecret!, '']) {
      const response = await refusedPost({
        authorization: basic(clientA.clientId, secret),
        body: validBody(),
      });
      expectTokenError(response, 401, 'invalid_client');
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
    }
  });

  it('answers an unknown client with 401 invalid_client (with a challenge when Basic was used)', async () => {
    const viaBasic = await refusedPost({
      authorization: basic('no-such-client', 'secret'),
      body: validBody(),
    });
    expectTokenError(viaBasic, 401, 'invalid_client');
    expect(viaBasic.headers.get('www-authenticate')).toMatch(/^Basic /);
    const viaBody = await refusedPost({ body: { ...validBody(), client_id: 'no-such-client' } });
    expectTokenError(viaBody, 401, 'invalid_client');
    const viaPost = await refusedPost({
      body: { ...validBody(), client_id: 'no-such-client', client_secret: 'secret' },
    });
    expectTokenError(viaPost, 401, 'invalid_client');
  });

  it('refuses a client secret that was rotated away', async () => {
    const rotating = asTestClient(await createClient(t, { client_name: 'Rotating' }));
    const fresh = await t.server.rotateClientSecret(rotating.clientId);
    const old = await refusedPost({
      authorization: basic(rotating.clientId, rotating.clientSecret!),
      body: validBody(),
    });
    expectTokenError(old, 401, 'invalid_client');
    const current = await postToken(t, { authorization: basic(rotating.clientId, fresh), body: validBody() });
    // Authenticated now: the refresh token is what is wrong.
    expectTokenError(current, 400, 'invalid_grant');
  });

  it('answers no client authentication at all with 401 invalid_client', async () => {
    expectTokenError(await refusedPost({ body: validBody() }), 401, 'invalid_client');
  });

  it('answers a malformed Basic header with 401 invalid_client and a Basic challenge', async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const headers = [
      'Basic !!!not-base64!!!',
      `Basic ${b64('no-colon-here')}`,
      'Basic',
      'Basic ',
      `Basic ${b64(`:${clientA.clientSecret}`)}`,
      `Basic ${b64(`%zz:${clientA.clientSecret}`)}`,
      `Basic ${b64(`${clientA.clientId}:${clientA.clientSecret}`)} extra`,
      // Two credentials folded into one field, as fetch does with two Authorization headers.
      `${authA()}, ${authA()}`,
      `Bearer ${clientA.clientSecret}`,
      'Digest username="x"',
    ];
    for (const authorization of headers) {
      const response = await refusedPost({ authorization, body: validBody() });
      expect({ authorization, status: response.status, error: response.body.error }).toEqual({
        authorization,
        status: 401,
        error: 'invalid_client',
      });
      expectTokenError(response, 401, 'invalid_client');
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
    }
  });

  it('does not let a second Authorization header line change who is authenticated', async () => {
    // fetch folds repeated headers into one field, so this needs a raw request. Node keeps only
    // the first Authorization line; whichever the server reads, a wrong first line must fail.
    const body = new URLSearchParams(validBody()).toString();
    const host = new URL(t.url).host;
    const response = await rawRequest(
      t,
      [
        'POST /oauth/token HTTP/1.1',
        `Host: ${host}`,
        `Authorization: ${basic(clientA.clientId, 'wrong')}`,
        `Authorization: ${authA()}`,
        'Content-Type: application/x-www-form-urlencoded',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Connection: close',
        '',
        '',
      ].join('\r\n'),
      body,
    );
    expect([400, 401]).toContain(response.status);
    expect(response.body).toMatch(/"error":"(invalid_client|invalid_request)"/);
  });

  it('refuses Basic together with client_secret in the body (one method only, RFC 6749 §2.3)', async () => {
    const response = await refusedPost({
      authorization: authA(),
      body: { ...validBody(), client_secret: clientA.clientSecret! },
    });
    expectTokenError(response, 400, 'invalid_request');
  });

  it('refuses Basic with a different client_id in the body', async () => {
    const response = await refusedPost({
      authorization: authA(),
      body: { ...validBody(), client_id: clientB.clientId },
    });
    expectTokenError(response, 400, 'invalid_request');
  });

  it('refuses client_secret_post from a client registered for client_secret_basic (401)', async () => {
    const response = await refusedPost({
      body: { ...validBody(), client_id: clientA.clientId, client_secret: clientA.clientSecret! },
    });
    expectTokenError(response, 401, 'invalid_client');
  });

  it('refuses client_secret_basic from a client registered for client_secret_post (401)', async () => {
    const response = await refusedPost({
      authorization: basic(postClient.clientId, postClient.clientSecret!),
      body: validBody(),
    });
    expectTokenError(response, 401, 'invalid_client');
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  it('refuses a confidential client that sends only its client_id, and a public client that sends a secret', async () => {
    expectTokenError(
      await refusedPost({ body: { ...validBody(), client_id: clientA.clientId } }),
      401,
      'invalid_client',
    );
    expectTokenError(
      await refusedPost({ body: { ...validBody(), client_id: publicClient.clientId, client_secret: 'x' } }),
      401,
      'invalid_client',
    );
  });
});

describe('request shape', () => {
  it('answers an unsupported grant_type with unsupported_grant_type', async () => {
    // `implicit` is a grant_types value but never a token request (RFC 6749 §4.2).
    for (const grantType of [
      'foo',
      'implicit',
      'AUTHORIZATION_CODE',
      'urn:ietf:params:oauth:grant-type:jwt-bearer',
    ]) {
      const response = await refusedPost({
        authorization: authA(),
        body: { grant_type: grantType, username: 'alice', password: 'x' },
      });
      expect({ grantType, error: response.body.error }).toEqual({
        grantType,
        error: 'unsupported_grant_type',
      });
      expectTokenError(response, 400, 'unsupported_grant_type');
    }
  });

  it('answers a supported grant the client is not registered for with unauthorized_client', async () => {
    const bodies: Record<string, string>[] = [
      { grant_type: 'client_credentials' },
      // Off unless the client's grant_types names it (RFC 9700 §2.4).
      { grant_type: 'password', username: 'alice', password: 'x' },
    ];
    for (const body of bodies) {
      expectTokenError(await refusedPost({ authorization: authA(), body }), 400, 'unauthorized_client');
    }
  });

  it('answers a missing or empty grant_type with invalid_request', async () => {
    expectTokenError(
      await refusedPost({ authorization: authA(), body: { code: 'x' } }),
      400,
      'invalid_request',
    );
    expectTokenError(
      await refusedPost({ authorization: authA(), body: { grant_type: '' } }),
      400,
      'invalid_request',
    );
    expectTokenError(await refusedPost({ authorization: authA(), body: '' }), 400, 'invalid_request');
  });

  it('answers a repeated parameter with invalid_request', async () => {
    const { code, verifier } = await obtainCode(t, clientA, { username: 'dave' });
    const repeats: [string, string][][] = [
      [...Object.entries(codeParams(code, verifier)), ['code', 'b']],
      [...Object.entries(codeParams(code, verifier)), ['code', code]],
      [...Object.entries(codeParams(code, verifier)), ['grant_type', 'authorization_code']],
      [...Object.entries(codeParams(code, verifier)), ['code_verifier', verifier!]],
      [...Object.entries(codeParams(code, verifier)), ['redirect_uri', REDIRECT_URI]],
    ];
    for (const body of repeats) {
      expectTokenError(await refusedPost({ authorization: authA(), body }), 400, 'invalid_request');
    }
    // The code is still good: the repeats were refused before it was looked at.
    expect((await exchangeCode(t.url, clientA, codeParams(code, verifier))).status).toBe(200);
  });

  it('answers a body that is not application/x-www-form-urlencoded with 400 invalid_request JSON', async () => {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x' }).toString();
    const variants: TokenPost[] = [
      {
        contentType: 'application/json',
        body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: 'x' }),
      },
      { contentType: 'application/json', body: '{"grant_type": ' },
      { contentType: 'application/json', body: '[]' },
      { contentType: 'text/plain', body: form },
      { contentType: null, body: form },
      { contentType: 'multipart/form-data; boundary=xyz', body: '--xyz--\r\n' },
      { contentType: 'application/x-www-form-urlencodedx', body: form },
    ];
    for (const variant of variants) {
      const response = await refusedPost({ authorization: authA(), ...variant });
      expect({ contentType: variant.contentType, status: response.status }).toEqual({
        contentType: variant.contentType,
        status: 400,
      });
      expectTokenError(response, 400, 'invalid_request');
    }
  });

  it('answers a malformed Content-Type with 400 invalid_request too (RFC 6749 §5.2: 400 unless specified)', async () => {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x' }).toString();
    for (const contentType of ['garbage', 'application/', '/', '']) {
      const response = await refusedPost({ authorization: authA(), contentType, body: form });
      expect({ contentType, status: response.status }).toEqual({ contentType, status: 400 });
      expectTokenError(response, 400, 'invalid_request');
    }
  });

  it('answers an oversized body (> 16 KiB) with 413 and a JSON error', async () => {
    const body = `grant_type=refresh_token&refresh_token=${'x'.repeat(17 * 1024)}`;
    const response = await refusedPost({ authorization: authA(), body });
    expect(response.status).toBe(413);
    expect(response.json).toBe(true);
    expect(response.body.error).toBe('invalid_request');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('answers GET (and other methods) on /oauth/token with a JSON 404/405, never 5xx', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const answer = await readJson(await fetch(`${t.url}/oauth/token?grant_type=refresh_token`, { method }));
      expect([404, 405]).toContain(answer.status);
      expect(answer.json).toBe(true);
      expect(typeof answer.body.error).toBe('string');
    }
  });
});

describe('refresh_token grant', () => {
  it("refuses another client's refresh token, which still works for its own client", async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    const response = await refusedPost({
      authorization: basic(clientB.clientId, clientB.clientSecret!),
      body: { grant_type: 'refresh_token', refresh_token: tokens.refreshToken },
    });
    expectTokenError(response, 400, 'invalid_grant');
    const own = await exchangeCode(t.url, clientA, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refreshToken,
    });
    expect(own.status).toBe(200);
  });

  it('refuses an access token presented as a refresh token', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    const response = await refusedPost({
      authorization: authA(),
      body: { grant_type: 'refresh_token', refresh_token: tokens.accessToken },
    });
    expectTokenError(response, 400, 'invalid_grant');
    // Nothing was revoked by the attempt.
    expect((await callApi(t, `Bearer ${tokens.accessToken}`)).status).toBe(200);
  });

  it('refuses an authorization code presented as a refresh token', async () => {
    const { code } = await obtainCode(t, clientA, { username: 'alice' });
    expectTokenError(
      await refusedPost({
        authorization: authA(),
        body: { grant_type: 'refresh_token', refresh_token: code },
      }),
      400,
      'invalid_grant',
    );
  });

  it('answers a missing refresh_token with invalid_request (RFC 6749 §6: REQUIRED; §5.2)', async () => {
    const bodies: Record<string, string>[] = [
      { grant_type: 'refresh_token' },
      { grant_type: 'refresh_token', refresh_token: '' },
    ];
    for (const body of bodies) {
      expectTokenError(await refusedPost({ authorization: authA(), body }), 400, 'invalid_request');
    }
  });

  it('refuses an unknown refresh token with invalid_grant', async () => {
    expectTokenError(
      await refusedPost({
        authorization: authA(),
        body: { grant_type: 'refresh_token', refresh_token: 'nope' },
      }),
      400,
      'invalid_grant',
    );
  });

  it('refuses a wider scope with invalid_scope, without spending the refresh token', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice', scope: 'profile' });
    for (const scope of ['profile email', 'email', 'admin', 'profile"']) {
      const response = await refusedPost({
        authorization: authA(),
        body: { grant_type: 'refresh_token', refresh_token: tokens.refreshToken, scope },
      });
      expect({ scope, error: response.body.error }).toEqual({ scope, error: 'invalid_scope' });
      expectTokenError(response, 400, 'invalid_scope');
    }
    const ok = await exchangeCode(t.url, clientA, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refreshToken,
    });
    expect(ok.status).toBe(200);
    expect(ok.body.scope).toBe('profile');
  });

  it('keeps the refresh token scope identical when a refresh narrows the access token (RFC 6749 §6)', async () => {
    // §6: "If a new refresh token is issued, the refresh token scope MUST be identical to that of
    // the refresh token included by the client in the request." Only the access token narrows.
    const tokens = await obtainTokens(t, clientA, { username: 'alice', scope: 'profile email' });
    const narrowed = await exchangeCode(t.url, clientA, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refreshToken,
      scope: 'profile',
    });
    expect(narrowed.status).toBe(200);
    expect(narrowed.body.scope).toBe('profile');
    const again = await exchangeCode(t.url, clientA, {
      grant_type: 'refresh_token',
      refresh_token: narrowed.body.refresh_token as string,
      scope: 'email',
    });
    expect({ status: again.status, error: again.body.error, scope: again.body.scope }).toEqual({
      status: 200,
      error: undefined,
      scope: 'email',
    });
  });

  it('refuses refresh_token from a client not registered for that grant (unauthorized_client)', async () => {
    const codeOnly = asTestClient(
      await createClient(t, { client_name: 'Code only', grant_types: ['authorization_code'] }),
    );
    const { code, verifier } = await obtainCode(t, codeOnly, { username: 'alice' });
    const token = await exchangeCode(t.url, codeOnly, codeParams(code, verifier));
    expect(token.status).toBe(200);
    expect(token.body.refresh_token).toBeUndefined();
    const response = await refusedPost({
      authorization: basic(codeOnly.clientId, codeOnly.clientSecret!),
      body: { grant_type: 'refresh_token', refresh_token: 'x' },
    });
    expectTokenError(response, 400, 'unauthorized_client');
  });

  it('refuses an expired refresh token (after 30 days)', async () => {
    const tokens = await obtainTokens(t, clientA, { username: 'alice' });
    t.clock.advance(30 * 24 * 3600 + 1);
    expectTokenError(
      await refusedPost({
        authorization: authA(),
        body: { grant_type: 'refresh_token', refresh_token: tokens.refreshToken },
      }),
      400,
      'invalid_grant',
    );
  });
});
