/**
 * Interop for the password grant (RFC 6749 §4.3) and for RFC 9068 JWT access tokens, with the
 * strict oauth4webapi and with openid-client v6, both configured from the RFC 8414 metadata.
 * oauth4webapi's validateJwtAccessToken is an independent RFC 9068 resource-server check.
 */
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  asTestClient,
  callApi,
  expectNoServerErrors,
  type RegisteredTestClient,
  watchStatuses,
} from '../helpers/negative.js';
import { createUser, PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;
let t: TestServer;
let restoreFetch: () => void;
let as: oauth.AuthorizationServer;
/** password + refresh_token, opaque tokens. */
let legacyApp: RegisteredTestClient;
/** client_credentials with RFC 9068 JWT access tokens. */
let jwtService: RegisteredTestClient;

beforeAll(async () => {
  restoreFetch = watchStatuses();
  t = await startTestServer();
  await createUser(t, 'alice');
  legacyApp = asTestClient(
    await t.server.registerClient({
      client_name: 'Legacy app',
      grant_types: ['password', 'refresh_token'],
      scope: 'profile',
    }),
  );
  jwtService = asTestClient(
    await t.server.registerClient({
      client_name: 'JWT service',
      grant_types: ['client_credentials'],
      scope: 'orders:read',
      access_token_format: 'jwt',
    }),
  );
  const issuer = new URL(t.url);
  as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
  );
});
afterAll(async () => {
  await t.close();
  restoreFetch();
});
afterEach(() => expectNoServerErrors());

function legacyConfig(): Promise<client.Configuration> {
  return client.discovery(
    new URL(t.url),
    legacyApp.clientId,
    undefined,
    client.ClientSecretBasic(legacyApp.clientSecret!),
    { algorithm: 'oauth2', execute: [client.allowInsecureRequests] },
  );
}

const o4w = (c: RegisteredTestClient): oauth.Client => ({ client_id: c.clientId });
const basicAuth = (c: RegisteredTestClient) => oauth.ClientSecretBasic(c.clientSecret!);

describe('oauth4webapi', () => {
  it('lists the password grant and the JWKS in the metadata', () => {
    expect(as.grant_types_supported).toEqual(expect.arrayContaining(['password', 'implicit']));
    expect(as.response_types_supported).toEqual(['code', 'token']);
    expect(as.jwks_uri).toBe(`${t.url}/.well-known/jwks.json`);
  });

  it('refreshes a password-grant refresh token (oauth4webapi has no generic grant request)', async () => {
    const config = await legacyConfig();
    const tokens = await client.genericGrantRequest(config, 'password', {
      username: 'alice',
      password: PASSWORD,
    });
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      o4w(legacyApp),
      await oauth.refreshTokenGrantRequest(
        as,
        o4w(legacyApp),
        basicAuth(legacyApp),
        tokens.refresh_token!,
        insecure,
      ),
    );
    expect(refreshed).toMatchObject({ token_type: 'bearer', scope: 'profile' });
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect((await callApi(t, `Bearer ${refreshed.access_token}`)).body).toMatchObject({ username: 'alice' });
  });

  it('validates a JWT access token with validateJwtAccessToken (RFC 9068)', async () => {
    const tokens = await oauth.processClientCredentialsResponse(
      as,
      o4w(jwtService),
      await oauth.clientCredentialsGrantRequest(as, o4w(jwtService), basicAuth(jwtService), {}, insecure),
    );
    const request = new Request('http://127.0.0.1/api/orders', {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    const claims = await oauth.validateJwtAccessToken(as, request, t.url, insecure);
    expect(claims).toMatchObject({
      iss: t.url,
      aud: t.url,
      client_id: jwtService.clientId,
      sub: jwtService.clientId,
      scope: 'orders:read',
    });
  });
});

describe('openid-client', () => {
  it('runs the password grant through genericGrantRequest', async () => {
    const config = await legacyConfig();
    const tokens = await client.genericGrantRequest(config, 'password', {
      username: 'alice',
      password: PASSWORD,
    });
    expect(tokens.scope).toBe('profile');
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect((await callApi(t, `Bearer ${refreshed.access_token}`)).status).toBe(200);
    await expect(
      client.genericGrantRequest(config, 'password', { username: 'nobody', password: PASSWORD }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(
      client.genericGrantRequest(config, 'password', { username: 'alice', password: 'wrong password' }),
    ).rejects.toMatchObject({ error: 'invalid_grant', status: 400 });
  });
});
