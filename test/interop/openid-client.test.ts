/**
 * Interop: openid-client v6 (a certified relying party library) against a real Latchkey over
 * HTTP. Discovery, the authorization code flow with PKCE S256 and state, RFC 9207 `iss`
 * validation, a protected resource call, and refresh — for each client authentication method.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followAuthorization } from '../helpers/interop.js';
import { createClient, createUser, startTestServer, type TestServer } from '../helpers/server.js';

const redirectUri = 'http://127.0.0.1:5999/callback';
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
  await createUser(t);
  await createUser(t, 'dana');
});
afterAll(() => t.close());

async function discover(clientId: string, auth: client.ClientAuth): Promise<client.Configuration> {
  return client.discovery(new URL(t.url), clientId, undefined, auth, {
    algorithm: 'oauth2',
    execute: [client.allowInsecureRequests],
  });
}

async function startFlow(config: client.Configuration, scope = 'profile email') {
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  const expectedState = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: expectedState,
  });
  return { url, pkceCodeVerifier, expectedState };
}

async function me(config: client.Configuration, accessToken: string) {
  const response = await client.fetchProtectedResource(
    config,
    accessToken,
    new URL(`${t.url}/api/me`),
    'GET',
  );
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

/** The whole flow through openid-client: authorize, code grant, API call, refresh, API call. */
async function completeFlow(config: client.Configuration, clientId: string) {
  const { url, pkceCodeVerifier, expectedState } = await startFlow(config);
  expect(url.origin + url.pathname).toBe(`${t.url}/oauth/authorize`);
  const callback = await followAuthorization(t, url);
  expect(callback.searchParams.get('iss')).toBe(t.url);

  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier, expectedState });
  expect(tokens.token_type).toBe('bearer');
  expect(tokens.scope).toBe('profile email');
  expect(tokens.expires_in).toBe(3600);
  expect(typeof tokens.refresh_token).toBe('string');
  expect(await me(config, tokens.access_token)).toMatchObject({
    username: 'alice',
    client_id: clientId,
    scope: 'profile email',
  });

  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
  expect(refreshed.access_token).not.toBe(tokens.access_token);
  expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
  expect(await me(config, refreshed.access_token)).toMatchObject({ username: 'alice', client_id: clientId });

  // The rotated refresh token is spent: openid-client reports the server's invalid_grant.
  await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
    error: 'invalid_grant',
  });
}

describe('openid-client interop', () => {
  it('discovers the RFC 8414 metadata', async () => {
    const registered = await createClient(t);
    const config = await discover(
      registered.client.clientId,
      client.ClientSecretBasic(registered.clientSecret!),
    );
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(t.url);
    expect(metadata.authorization_endpoint).toBe(`${t.url}/oauth/authorize`);
    expect(metadata.token_endpoint).toBe(`${t.url}/oauth/token`);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
    expect(metadata.supportsPKCE()).toBe(true);
  });

  it('completes the flow with client_secret_basic', async () => {
    const registered = await createClient(t, { token_endpoint_auth_method: 'client_secret_basic' });
    const config = await discover(
      registered.client.clientId,
      client.ClientSecretBasic(registered.clientSecret!),
    );
    await completeFlow(config, registered.client.clientId);
  });

  it('completes the flow with client_secret_post', async () => {
    const registered = await createClient(t, { token_endpoint_auth_method: 'client_secret_post' });
    const config = await discover(
      registered.client.clientId,
      client.ClientSecretPost(registered.clientSecret!),
    );
    await completeFlow(config, registered.client.clientId);
  });

  it('completes the flow as a public client (none)', async () => {
    const registered = await createClient(t, { client_name: 'SPA', token_endpoint_auth_method: 'none' });
    expect(registered.clientSecret).toBeNull();
    const config = await discover(registered.client.clientId, client.None());
    await completeFlow(config, registered.client.clientId);
  });

  it('surfaces the Basic challenge of invalid_client when the wrong secret is used', async () => {
    const registered = await createClient(t);
    const config = await discover(registered.client.clientId, client.ClientSecretBasic('not-the-secret'));
    const { url, pkceCodeVerifier, expectedState } = await startFlow(config);
    const callback = await followAuthorization(t, url);
    const error = await client
      .authorizationCodeGrant(config, callback, { pkceCodeVerifier, expectedState })
      .catch((e: unknown) => e);
    // RFC 6749 §5.2: a 401 after HTTP Basic carries WWW-Authenticate, which openid-client reports.
    expect(error).toBeInstanceOf(client.WWWAuthenticateChallengeError);
    const challenge = error as client.WWWAuthenticateChallengeError;
    expect(challenge.status).toBe(401);
    expect(challenge.cause[0]).toMatchObject({ scheme: 'basic', parameters: { realm: 'latchkey' } });
    expect(await challenge.response.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('surfaces access_denied from the callback when the user denies', async () => {
    const registered = await createClient(t);
    const config = await discover(
      registered.client.clientId,
      client.ClientSecretBasic(registered.clientSecret!),
    );
    const { url, pkceCodeVerifier, expectedState } = await startFlow(config);
    const callback = await followAuthorization(t, url, { username: 'dana', decision: 'deny' });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    const error = await client
      .authorizationCodeGrant(config, callback, { pkceCodeVerifier, expectedState })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(client.AuthorizationResponseError);
    expect(error).toMatchObject({ error: 'access_denied' });
  });

  it('rejects a callback whose state does not match', async () => {
    const registered = await createClient(t);
    const config = await discover(
      registered.client.clientId,
      client.ClientSecretBasic(registered.clientSecret!),
    );
    const { url, pkceCodeVerifier } = await startFlow(config);
    const callback = await followAuthorization(t, url);
    await expect(
      client.authorizationCodeGrant(config, callback, { pkceCodeVerifier, expectedState: 'another-state' }),
    ).rejects.toMatchObject({
      code: 'OAUTH_INVALID_RESPONSE',
      cause: { message: expect.stringMatching(/"state"/) },
    });
  });
});
