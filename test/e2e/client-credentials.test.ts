/**
 * The client credentials grant (RFC 6749 §4.4) over real HTTP: registration rules, the token
 * response (no refresh token, §4.4.3), the token at the protected resource (no user), and every
 * refusal leaving the database as it was.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser } from '../helpers/browser.js';
import { authorizeUrl, pkcePair } from '../helpers/flow.js';
import {
  asTestClient,
  basic,
  callApi,
  expectNoServerErrors,
  expectTokenError,
  issuedCounts,
  type JsonResponse,
  postToken,
  REDIRECT_URI,
  type RegisteredTestClient,
  readJson,
  type TokenPost,
  watchStatuses,
} from '../helpers/negative.js';
import { createClient, startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
let restoreFetch: () => void;
/** client_credentials only, client_secret_basic, scope "api:read api:write". */
let service: RegisteredTestClient;
/** client_credentials only, client_secret_post. */
let postService: RegisteredTestClient;
/** The code flow and client_credentials together. */
let hybrid: RegisteredTestClient;
/** The default registration: authorization_code + refresh_token. */
let codeClient: RegisteredTestClient;
let publicClient: RegisteredTestClient;

beforeAll(async () => {
  restoreFetch = watchStatuses();
  t = await startTestServer();
  service = asTestClient(
    await t.server.registerClient({
      client_name: 'Service',
      grant_types: ['client_credentials'],
      scope: 'api:read api:write',
    }),
  );
  postService = asTestClient(
    await t.server.registerClient({
      client_name: 'Post service',
      grant_types: ['client_credentials'],
      scope: 'api:read',
      token_endpoint_auth_method: 'client_secret_post',
    }),
  );
  hybrid = asTestClient(
    await createClient(t, {
      client_name: 'Hybrid',
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    }),
  );
  codeClient = asTestClient(await createClient(t, { client_name: 'Code only' }));
  publicClient = asTestClient(
    await createClient(t, { client_name: 'SPA', token_endpoint_auth_method: 'none' }),
  );
});
afterAll(async () => {
  await t.close();
  restoreFetch();
});
afterEach(() => expectNoServerErrors());

const authOf = (c: RegisteredTestClient) => basic(c.clientId, c.clientSecret!);

function clientCredentials(
  c: RegisteredTestClient,
  extra: Record<string, string> = {},
): Promise<JsonResponse> {
  return postToken(t, { authorization: authOf(c), body: { grant_type: 'client_credentials', ...extra } });
}

/** A request that must be refused: nothing issued, nothing revoked. */
async function refused(request: TokenPost): Promise<JsonResponse> {
  const before = await issuedCounts(t);
  const response = await postToken(t, request);
  expect(await issuedCounts(t)).toEqual(before);
  return response;
}

function expectClientCredentialsToken(response: JsonResponse, scope: string): string {
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.headers.get('cache-control')).toBe('no-store');
  // RFC 6749 §4.4.3: "A refresh token SHOULD NOT be included" — Latchkey never includes one.
  expect(Object.keys(response.body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
  expect(response.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope });
  expect(response.body.access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return response.body.access_token as string;
}

describe('registration', () => {
  it('registers a client_credentials-only client without redirect URIs and with no response types', async () => {
    const registered = await t.server.registerClient({
      client_name: 'Daemon',
      grant_types: ['client_credentials'],
    });
    expect(registered.clientSecret).toEqual(expect.any(String));
    expect(registered.client.grantTypes).toEqual(['client_credentials']);
    expect(registered.client.responseTypes).toEqual([]);
    expect(registered.client.redirectUris).toEqual([]);
    // The stored registration says the same.
    const found = await t.server.findClient(registered.client.clientId);
    expect(found).toMatchObject({ grantTypes: ['client_credentials'], responseTypes: [], redirectUris: [] });
  });

  it('refuses client_credentials for a public client with invalid_client_metadata', async () => {
    for (const grantTypes of [
      ['client_credentials'],
      ['authorization_code', 'refresh_token', 'client_credentials'],
    ] as const) {
      await expect(
        t.server.registerClient({
          client_name: 'Public daemon',
          redirect_uris: [REDIRECT_URI],
          grant_types: [...grantTypes],
          token_endpoint_auth_method: 'none',
        }),
      ).rejects.toMatchObject({ code: 'invalid_client_metadata' });
    }
  });

  it('still requires redirect URIs when the client also uses the authorization code grant', async () => {
    await expect(
      t.server.registerClient({
        client_name: 'Hybrid without redirect',
        grant_types: ['authorization_code', 'client_credentials'],
      }),
    ).rejects.toMatchObject({ code: 'invalid_redirect_uri' });
  });

  it('shows an error page, never a redirect, when a client_credentials-only client is sent to /oauth/authorize', async () => {
    const browser = new TestBrowser();
    const page = await browser.get(
      authorizeUrl({
        issuer: t.url,
        clientId: service.clientId,
        redirectUri: REDIRECT_URI,
        challenge: pkcePair().challenge,
      }),
    );
    expect(page.status).toBe(400);
    expect(page.location).toBeNull();
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  });
});

describe('client_credentials grant', () => {
  it('issues an access token with the registered scope and no refresh token (client_secret_basic)', async () => {
    const before = await issuedCounts(t);
    const accessToken = expectClientCredentialsToken(await clientCredentials(service), 'api:read api:write');
    // One access token, no grant-bound refresh token.
    expect((await issuedCounts(t)).tokens).toBe(before.tokens! + 1);

    const me = await callApi(t, `Bearer ${accessToken}`);
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      sub: null,
      username: null,
      client_id: service.clientId,
      scope: 'api:read api:write',
    });
  });

  it('issues a token to a client_secret_post client', async () => {
    const response = await postToken(t, {
      body: {
        grant_type: 'client_credentials',
        client_id: postService.clientId,
        client_secret: postService.clientSecret!,
      },
    });
    const accessToken = expectClientCredentialsToken(response, 'api:read');
    expect((await callApi(t, `Bearer ${accessToken}`)).body).toMatchObject({
      sub: null,
      client_id: postService.clientId,
      scope: 'api:read',
    });
  });

  it('narrows the scope to what was asked for', async () => {
    const accessToken = expectClientCredentialsToken(
      await clientCredentials(service, { scope: 'api:write' }),
      'api:write',
    );
    expect((await callApi(t, `Bearer ${accessToken}`)).body.scope).toBe('api:write');
  });

  it('issues a distinct token on every request', async () => {
    const first = expectClientCredentialsToken(await clientCredentials(service), 'api:read api:write');
    const second = expectClientCredentialsToken(await clientCredentials(service), 'api:read api:write');
    expect(first).not.toBe(second);
    expect((await callApi(t, `Bearer ${first}`)).status).toBe(200);
    expect((await callApi(t, `Bearer ${second}`)).status).toBe(200);
  });

  it('works for a client that also uses the code flow', async () => {
    const accessToken = expectClientCredentialsToken(await clientCredentials(hybrid), 'profile email');
    expect((await callApi(t, `Bearer ${accessToken}`)).body).toMatchObject({
      sub: null,
      username: null,
      client_id: hybrid.clientId,
    });
  });

  it('refuses a scope outside the registered one with invalid_scope (RFC 6749 §5.2)', async () => {
    for (const scope of ['admin', 'api:read admin', 'profile']) {
      const response = await refused({
        authorization: authOf(service),
        body: { grant_type: 'client_credentials', scope },
      });
      expectTokenError(response, 400, 'invalid_scope');
    }
  });

  it('refuses a client not registered for client_credentials with unauthorized_client', async () => {
    const response = await refused({
      authorization: authOf(codeClient),
      body: { grant_type: 'client_credentials' },
    });
    expectTokenError(response, 400, 'unauthorized_client');
  });

  it('refuses a public client with unauthorized_client', async () => {
    const response = await refused({
      body: { grant_type: 'client_credentials', client_id: publicClient.clientId },
    });
    expectTokenError(response, 400, 'unauthorized_client');
  });

  it('refuses a wrong secret with 401 invalid_client and a Basic challenge', async () => {
    const response = await refused({
      authorization: basic(service.clientId, `${service.clientSecret}x`),
      body: { grant_type: 'client_credentials' },
    });
    expectTokenError(response, 401, 'invalid_client');
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  it('refuses an unknown client and a missing client authentication with 401 invalid_client', async () => {
    const unknown = await refused({
      authorization: basic('no-such-client', 'secret'),
      body: { grant_type: 'client_credentials' },
    });
    expectTokenError(unknown, 401, 'invalid_client');
    expect(unknown.headers.get('www-authenticate')).toMatch(/^Basic /);
    expectTokenError(await refused({ body: { grant_type: 'client_credentials' } }), 401, 'invalid_client');
    // client_id alone, for a confidential client: no secret is no authentication.
    expectTokenError(
      await refused({ body: { grant_type: 'client_credentials', client_id: service.clientId } }),
      401,
      'invalid_client',
    );
  });

  it('refuses a client_secret_post client that sends Basic (it must use its registered method)', async () => {
    const response = await refused({
      authorization: authOf(postService),
      body: { grant_type: 'client_credentials' },
    });
    expectTokenError(response, 401, 'invalid_client');
  });

  it('refuses a repeated scope parameter and a JSON body with invalid_request', async () => {
    const repeated = await refused({
      authorization: authOf(service),
      body: [
        ['grant_type', 'client_credentials'],
        ['scope', 'api:read'],
        ['scope', 'api:write'],
      ],
    });
    expectTokenError(repeated, 400, 'invalid_request');
    const json = await refused({
      authorization: authOf(service),
      contentType: 'application/json',
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    expectTokenError(json, 400, 'invalid_request');
  });

  it('issues no refresh token, so the refresh_token grant has nothing to refresh', async () => {
    const issued = await clientCredentials(service);
    expect(issued.body.refresh_token).toBeUndefined();
    // A client_credentials-only client is not registered for refresh_token either.
    const refresh = await refused({
      authorization: authOf(service),
      body: { grant_type: 'refresh_token', refresh_token: issued.body.access_token as string },
    });
    expect(refresh.status).toBe(400);
    expect(['unauthorized_client', 'invalid_grant']).toContain(refresh.body.error);
  });

  it('lets the token expire after expires_in seconds', async () => {
    const accessToken = expectClientCredentialsToken(await clientCredentials(service), 'api:read api:write');
    t.clock.advance(3599);
    expect((await callApi(t, `Bearer ${accessToken}`)).status).toBe(200);
    t.clock.advance(2);
    const expired = await callApi(t, `Bearer ${accessToken}`);
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
  });
});

describe('metadata', () => {
  it('lists client_credentials in grant_types_supported', async () => {
    const response = await readJson(await fetch(`${t.url}/.well-known/oauth-authorization-server`));
    expect(response.status).toBe(200);
    expect(response.body.grant_types_supported).toEqual(
      expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']),
    );
  });
});
