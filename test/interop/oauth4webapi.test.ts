/**
 * Interop: oauth4webapi, the strictest OAuth 2 client library for JavaScript, against a real
 * Latchkey over HTTP. It checks response shapes, content types, RFC 9207 `iss` and state; any
 * failure here is an interop bug in the server.
 */
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfToken, formAction, TestBrowser } from '../helpers/browser.js';
import { createClient, createUser, PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

const redirectUri = 'http://127.0.0.1:5999/callback';
const insecure = { [oauth.allowInsecureRequests]: true } as const;
let t: TestServer;
let as: oauth.AuthorizationServer;

beforeAll(async () => {
  t = await startTestServer();
  await createUser(t);
  const issuer = new URL(t.url);
  as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
  );
});
afterAll(() => t.close());

/** Drives a given authorization URL through the login and consent pages to the client's callback. */
async function followAuthorization(url: URL): Promise<URL> {
  const browser = new TestBrowser();
  let page = await browser.follow(await browser.get(url.href), t.url);
  if (page.status === 200 && page.text.includes('name="password"')) {
    page = await browser.post(new URL(formAction(page.text, '/login'), t.url).href, {
      csrf_token: csrfToken(page.text),
      username: 'alice',
      password: PASSWORD,
    });
    page = await browser.follow(page, t.url);
  }
  if (page.status === 200 && page.text.includes('name="decision"')) {
    page = await browser.post(new URL(formAction(page.text, '/consent'), t.url).href, {
      csrf_token: csrfToken(page.text),
      decision: 'allow',
    });
  }
  if (!page.location) throw new Error(`no redirect to the client: ${page.status} ${page.text.slice(0, 300)}`);
  return new URL(page.location, page.url);
}

/** Authorization request → validated callback parameters, with the PKCE verifier for the token request. */
async function authorizationResponse(client: oauth.Client) {
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint!);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', client.client_id);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('scope', 'profile email');
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', state);
  const callback = await followAuthorization(url);
  // Checks RFC 9207 `iss` (the metadata says it is supported, so it is required) and state.
  const params = oauth.validateAuthResponse(as, client, callback, state);
  return { params, codeVerifier, callback, state };
}

async function callApi(accessToken: string) {
  const response = await oauth.protectedResourceRequest(
    accessToken,
    'GET',
    new URL(`${t.url}/api/me`),
    undefined,
    undefined,
    insecure,
  );
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function codeAndRefresh(client: oauth.Client, auth: oauth.ClientAuth) {
  const { params, codeVerifier } = await authorizationResponse(client);
  const tokens = await oauth.processAuthorizationCodeResponse(
    as,
    client,
    await oauth.authorizationCodeGrantRequest(as, client, auth, params, redirectUri, codeVerifier, insecure),
  );
  expect(tokens.token_type).toBe('bearer');
  expect(tokens.expires_in).toBe(3600);
  expect(tokens.scope).toBe('profile email');
  expect(tokens.refresh_token).toEqual(expect.any(String));
  expect(await callApi(tokens.access_token)).toMatchObject({
    status: 200,
    body: { username: 'alice', client_id: client.client_id, scope: 'profile email' },
  });

  const refreshed = await oauth.processRefreshTokenResponse(
    as,
    client,
    await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, {
      ...insecure,
      additionalParameters: { scope: 'profile' },
    }),
  );
  expect(refreshed.scope).toBe('profile');
  expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
  expect(await callApi(refreshed.access_token)).toMatchObject({ status: 200, body: { scope: 'profile' } });
  return { tokens, refreshed };
}

describe('oauth4webapi interop', () => {
  it('accepts the discovery document', () => {
    expect(as.issuer).toBe(t.url);
    expect(as.token_endpoint).toBe(`${t.url}/oauth/token`);
    expect(as.authorization_response_iss_parameter_supported).toBe(true);
    expect(as.code_challenge_methods_supported).toContain('S256');
  });

  it('runs the code flow and refresh with client_secret_basic', async () => {
    const registered = await createClient(t);
    await codeAndRefresh(
      { client_id: registered.client.clientId },
      oauth.ClientSecretBasic(registered.clientSecret!),
    );
  });

  it('runs the code flow and refresh with client_secret_post', async () => {
    const registered = await createClient(t, { token_endpoint_auth_method: 'client_secret_post' });
    await codeAndRefresh(
      { client_id: registered.client.clientId },
      oauth.ClientSecretPost(registered.clientSecret!),
    );
  });

  it('runs the code flow and refresh as a public client', async () => {
    const registered = await createClient(t, { token_endpoint_auth_method: 'none' });
    await codeAndRefresh({ client_id: registered.client.clientId }, oauth.None());
  });

  it('parses the token endpoint error for a replayed code as invalid_grant', async () => {
    const registered = await createClient(t);
    const client = { client_id: registered.client.clientId };
    const auth = oauth.ClientSecretBasic(registered.clientSecret!);
    const { params, codeVerifier } = await authorizationResponse(client);
    const request = () =>
      oauth.authorizationCodeGrantRequest(as, client, auth, params, redirectUri, codeVerifier, insecure);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, await request());
    const replay = await oauth.processAuthorizationCodeResponse(as, client, await request()).catch((e) => e);
    expect(replay).toBeInstanceOf(oauth.ResponseBodyError);
    expect(replay).toMatchObject({ error: 'invalid_grant', status: 400 });
    // The replay revoked the grant: the resource answers with an RFC 6750 challenge.
    const revoked = await oauth
      .protectedResourceRequest(
        tokens.access_token,
        'GET',
        new URL(`${t.url}/api/me`),
        undefined,
        undefined,
        insecure,
      )
      .catch((e: unknown) => e);
    expect(revoked).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    expect((revoked as oauth.WWWAuthenticateChallengeError).cause[0]).toMatchObject({
      scheme: 'bearer',
      parameters: { error: 'invalid_token' },
    });
  });

  it('detects a callback whose iss is not the issuer (RFC 9207)', async () => {
    const registered = await createClient(t);
    const client = { client_id: registered.client.clientId };
    const { callback, state } = await authorizationResponse(client);
    callback.searchParams.set('iss', 'https://attacker.example.com');
    expect(() => oauth.validateAuthResponse(as, client, callback, state)).toThrow(/iss/);
  });
});
