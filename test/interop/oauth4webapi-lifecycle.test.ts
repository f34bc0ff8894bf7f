/**
 * Interop for a token's whole life — issue (client credentials, RFC 6749 §4.4), inspect
 * (RFC 7662) and revoke (RFC 7009) — with the strict oauth4webapi and with openid-client v6,
 * both configured from the RFC 8414 metadata. Any failure here is an interop bug in the server.
 */
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  asTestClient,
  callApi,
  expectNoServerErrors,
  obtainTokens,
  type RegisteredTestClient,
  watchStatuses,
} from '../helpers/negative.js';
import { createClient, createUser, startTestServer, type TestServer } from '../helpers/server.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;
let t: TestServer;
let restoreFetch: () => void;
let as: oauth.AuthorizationServer;
let aliceId: string;
/** client_credentials only, client_secret_basic. */
let service: RegisteredTestClient;
/** client_credentials only, client_secret_post. */
let postService: RegisteredTestClient;
/** A resource server allowed to introspect every token. */
let resourceServer: RegisteredTestClient;
/** A code-flow client (authorization_code + refresh_token). */
let webApp: RegisteredTestClient;
let publicClient: RegisteredTestClient;

beforeAll(async () => {
  restoreFetch = watchStatuses();
  t = await startTestServer();
  aliceId = (await createUser(t, 'alice')).id;
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
  resourceServer = asTestClient(
    await t.server.registerClient({
      client_name: 'API',
      grant_types: ['client_credentials'],
      scope: 'introspection',
      introspect: true,
    }),
  );
  webApp = asTestClient(await createClient(t, { client_name: 'Web app' }));
  publicClient = asTestClient(
    await createClient(t, { client_name: 'SPA', token_endpoint_auth_method: 'none' }),
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

const o4w = (c: RegisteredTestClient): oauth.Client => ({ client_id: c.clientId });
const basicAuth = (c: RegisteredTestClient) => oauth.ClientSecretBasic(c.clientSecret!);

async function apiStatus(accessToken: string): Promise<number> {
  return (await callApi(t, `Bearer ${accessToken}`)).status;
}

async function clientCredentialsToken(c: RegisteredTestClient, scope?: string) {
  const parameters: Record<string, string> = scope ? { scope } : {};
  return oauth.processClientCredentialsResponse(
    as,
    o4w(c),
    await oauth.clientCredentialsGrantRequest(as, o4w(c), basicAuth(c), parameters, insecure),
  );
}

async function introspect(caller: RegisteredTestClient, token: string, hint?: string) {
  return oauth.processIntrospectionResponse(
    as,
    o4w(caller),
    await oauth.introspectionRequest(as, o4w(caller), basicAuth(caller), token, {
      ...insecure,
      ...(hint ? { additionalParameters: { token_type_hint: hint } } : {}),
    }),
  );
}

async function revoke(caller: RegisteredTestClient, token: string, hint?: string) {
  return oauth.processRevocationResponse(
    await oauth.revocationRequest(as, o4w(caller), basicAuth(caller), token, {
      ...insecure,
      ...(hint ? { additionalParameters: { token_type_hint: hint } } : {}),
    }),
  );
}

/** 401 invalid_client, as oauth4webapi reports it: a Basic challenge error or the error body. */
async function expectInvalidClient(error: unknown): Promise<void> {
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    expect(error.status).toBe(401);
    expect(await error.response.json()).toMatchObject({ error: 'invalid_client' });
  } else {
    expect(error).toBeInstanceOf(oauth.ResponseBodyError);
    expect(error).toMatchObject({ error: 'invalid_client', status: 401 });
  }
}

describe('oauth4webapi', () => {
  it('accepts the metadata with the new endpoints', () => {
    expect(as.issuer).toBe(t.url);
    expect(as.revocation_endpoint).toBe(`${t.url}/oauth/revoke`);
    expect(as.introspection_endpoint).toBe(`${t.url}/oauth/introspect`);
    expect(as.grant_types_supported).toContain('client_credentials');
    expect(as.revocation_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['client_secret_basic', 'client_secret_post']),
    );
    expect(as.introspection_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['client_secret_basic', 'client_secret_post']),
    );
  });

  it('gets a client_credentials token, introspects it, revokes it, and sees it inactive', async () => {
    const tokens = await clientCredentialsToken(service);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBe(3600);
    expect(tokens.scope).toBe('api:read api:write');
    expect(tokens.refresh_token).toBeUndefined();
    expect(await callApi(t, `Bearer ${tokens.access_token}`)).toMatchObject({
      status: 200,
      body: { sub: null, username: null, client_id: service.clientId, scope: 'api:read api:write' },
    });

    const active = await introspect(service, tokens.access_token);
    expect(active).toMatchObject({
      active: true,
      client_id: service.clientId,
      scope: 'api:read api:write',
      token_type: 'Bearer',
      iss: t.url,
    });
    expect(active.exp! - active.iat!).toBe(3600);
    expect(active.sub ?? null).toBeNull();

    expect(await revoke(service, tokens.access_token, 'access_token')).toBeUndefined();
    expect(await apiStatus(tokens.access_token)).toBe(401);
    expect(await introspect(service, tokens.access_token)).toEqual({ active: false });
    // Revoking again is still a success (RFC 7009 §2.2).
    expect(await revoke(service, tokens.access_token)).toBeUndefined();
  });

  it('asks for a narrower scope, and with client_secret_post', async () => {
    expect((await clientCredentialsToken(service, 'api:read')).scope).toBe('api:read');
    const client = o4w(postService);
    const tokens = await oauth.processClientCredentialsResponse(
      as,
      client,
      await oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.ClientSecretPost(postService.clientSecret!),
        {},
        insecure,
      ),
    );
    expect(tokens.scope).toBe('api:read');
    const active = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(
        as,
        client,
        oauth.ClientSecretPost(postService.clientSecret!),
        tokens.access_token,
        insecure,
      ),
    );
    expect(active).toMatchObject({ active: true, client_id: postService.clientId });
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(
        as,
        client,
        oauth.ClientSecretPost(postService.clientSecret!),
        tokens.access_token,
        insecure,
      ),
    );
    expect(await apiStatus(tokens.access_token)).toBe(401);
  });

  it('reports invalid_scope and unauthorized_client from the token endpoint', async () => {
    const wide = await clientCredentialsToken(service, 'admin').catch((e: unknown) => e);
    expect(wide).toBeInstanceOf(oauth.ResponseBodyError);
    expect(wide).toMatchObject({ error: 'invalid_scope', status: 400 });
    const notAllowed = await clientCredentialsToken(webApp).catch((e: unknown) => e);
    expect(notAllowed).toBeInstanceOf(oauth.ResponseBodyError);
    expect(notAllowed).toMatchObject({ error: 'unauthorized_client', status: 400 });
  });

  it("introspects a user's tokens, as the client and as a resource server, then revokes the grant", async () => {
    const issuedAt = t.clock.now();
    const tokens = await obtainTokens(t, webApp, { username: 'alice' });
    const expected = {
      active: true,
      scope: 'profile email',
      client_id: webApp.clientId,
      username: 'alice',
      sub: aliceId,
      exp: issuedAt + 3600,
      iat: issuedAt,
      token_type: 'Bearer',
      iss: t.url,
    };
    expect(await introspect(webApp, tokens.accessToken, 'access_token')).toEqual(expected);
    expect(await introspect(resourceServer, tokens.accessToken)).toEqual(expected);
    expect(await introspect(webApp, tokens.refreshToken, 'refresh_token')).toMatchObject({
      active: true,
      token_type: 'refresh_token',
      sub: aliceId,
    });
    // Another client without the introspect permission learns nothing.
    expect(await introspect(service, tokens.accessToken)).toEqual({ active: false });

    await revoke(webApp, tokens.refreshToken, 'refresh_token');
    expect(await introspect(webApp, tokens.refreshToken)).toEqual({ active: false });
    expect(await introspect(resourceServer, tokens.accessToken)).toEqual({ active: false });
    expect(await apiStatus(tokens.accessToken)).toBe(401);
    const refreshed = await oauth
      .processRefreshTokenResponse(
        as,
        o4w(webApp),
        await oauth.refreshTokenGrantRequest(
          as,
          o4w(webApp),
          basicAuth(webApp),
          tokens.refreshToken,
          insecure,
        ),
      )
      .catch((e: unknown) => e);
    expect(refreshed).toMatchObject({ error: 'invalid_grant', status: 400 });
  });

  it('processes inactive answers for unknown and garbage tokens', async () => {
    for (const token of ['unknown', 'A'.repeat(43), 'x'.repeat(2000)]) {
      expect(await introspect(resourceServer, token)).toEqual({ active: false });
      expect(await revoke(service, token)).toBeUndefined();
    }
  });

  it("reports unauthorized_client when revoking another client's token, which keeps working", async () => {
    const tokens = await clientCredentialsToken(service);
    const error = await revoke(webApp, tokens.access_token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(oauth.ResponseBodyError);
    expect(error).toMatchObject({ error: 'unauthorized_client', status: 400 });
    expect(await apiStatus(tokens.access_token)).toBe(200);
    expect((await introspect(service, tokens.access_token)).active).toBe(true);
  });

  it('reports invalid_client for a wrong secret and for a public client at the introspection endpoint', async () => {
    const tokens = await clientCredentialsToken(service);
    const wrongSecret = await oauth
      .introspectionRequest(
        as,
        o4w(service),
        oauth.ClientSecretBasic('not-the-secret'),
        tokens.access_token,
        insecure,
      )
      .then((response) => oauth.processIntrospectionResponse(as, o4w(service), response))
      .catch((e: unknown) => e);
    await expectInvalidClient(wrongSecret);

    const asPublic = await oauth
      .introspectionRequest(as, o4w(publicClient), oauth.None(), tokens.access_token, insecure)
      .then((response) => oauth.processIntrospectionResponse(as, o4w(publicClient), response))
      .catch((e: unknown) => e);
    await expectInvalidClient(asPublic);

    const revokeWrongSecret = await oauth
      .revocationRequest(
        as,
        o4w(service),
        oauth.ClientSecretBasic('not-the-secret'),
        tokens.access_token,
        insecure,
      )
      .then((response) => oauth.processRevocationResponse(response))
      .catch((e: unknown) => e);
    await expectInvalidClient(revokeWrongSecret);
    expect(await apiStatus(tokens.access_token)).toBe(200);
  });

  it('lets a public client revoke its own tokens', async () => {
    const tokens = await obtainTokens(t, publicClient, { username: 'alice' });
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, o4w(publicClient), oauth.None(), tokens.refreshToken, insecure),
    );
    expect(await apiStatus(tokens.accessToken)).toBe(401);
  });

  it('sees an expired token as inactive', async () => {
    const tokens = await clientCredentialsToken(service);
    t.clock.advance(3601);
    expect(await introspect(service, tokens.access_token)).toEqual({ active: false });
    expect(await introspect(resourceServer, tokens.access_token)).toEqual({ active: false });
    expect(await revoke(service, tokens.access_token)).toBeUndefined();
  });
});

describe('openid-client', () => {
  async function discover(c: RegisteredTestClient, auth?: client.ClientAuth): Promise<client.Configuration> {
    return client.discovery(
      new URL(t.url),
      c.clientId,
      undefined,
      auth ?? client.ClientSecretBasic(c.clientSecret!),
      {
        algorithm: 'oauth2',
        execute: [client.allowInsecureRequests],
      },
    );
  }

  it('discovers the new endpoints', async () => {
    const metadata = (await discover(service)).serverMetadata();
    expect(metadata.revocation_endpoint).toBe(`${t.url}/oauth/revoke`);
    expect(metadata.introspection_endpoint).toBe(`${t.url}/oauth/introspect`);
    expect(metadata.grant_types_supported).toContain('client_credentials');
  });

  it('runs clientCredentialsGrant, tokenIntrospection and tokenRevocation', async () => {
    const config = await discover(service);
    const tokens = await client.clientCredentialsGrant(config, { scope: 'api:write' });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.scope).toBe('api:write');
    expect(tokens.expires_in).toBe(3600);
    expect(tokens.refresh_token).toBeUndefined();

    const active = await client.tokenIntrospection(config, tokens.access_token);
    expect(active).toMatchObject({
      active: true,
      client_id: service.clientId,
      scope: 'api:write',
      token_type: 'Bearer',
      iss: t.url,
    });

    const resource = await discover(resourceServer);
    expect(
      await client.tokenIntrospection(resource, tokens.access_token, { token_type_hint: 'access_token' }),
    ).toMatchObject({
      active: true,
      client_id: service.clientId,
    });

    await client.tokenRevocation(config, tokens.access_token, { token_type_hint: 'access_token' });
    expect(await apiStatus(tokens.access_token)).toBe(401);
    expect(await client.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
    expect(await client.tokenIntrospection(resource, tokens.access_token)).toEqual({ active: false });
  });

  it('introspects and revokes the tokens of the code flow', async () => {
    const tokens = await obtainTokens(t, webApp, { username: 'alice' });
    const config = await discover(webApp);
    expect(await client.tokenIntrospection(config, tokens.refreshToken)).toMatchObject({
      active: true,
      token_type: 'refresh_token',
      username: 'alice',
      sub: aliceId,
    });
    await client.tokenRevocation(config, tokens.refreshToken);
    expect(await client.tokenIntrospection(config, tokens.refreshToken)).toEqual({ active: false });
    expect(await client.tokenIntrospection(config, tokens.accessToken)).toEqual({ active: false });
    await expect(client.refreshTokenGrant(config, tokens.refreshToken)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('surfaces unauthorized_client and invalid_scope', async () => {
    const webConfig = await discover(webApp);
    await expect(client.clientCredentialsGrant(webConfig)).rejects.toMatchObject({
      error: 'unauthorized_client',
      status: 400,
    });
    await expect(
      client.clientCredentialsGrant(await discover(service), { scope: 'admin' }),
    ).rejects.toMatchObject({
      error: 'invalid_scope',
      status: 400,
    });
    const tokens = await client.clientCredentialsGrant(await discover(service));
    await expect(client.tokenRevocation(webConfig, tokens.access_token)).rejects.toMatchObject({
      error: 'unauthorized_client',
      status: 400,
    });
    expect(await apiStatus(tokens.access_token)).toBe(200);
  });

  it('surfaces invalid_client with its Basic challenge for a wrong secret', async () => {
    const config = await discover(service, client.ClientSecretBasic('not-the-secret'));
    for (const attempt of [
      () => client.clientCredentialsGrant(config),
      () => client.tokenIntrospection(config, 'anything'),
      () => client.tokenRevocation(config, 'anything'),
    ]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(client.WWWAuthenticateChallengeError);
      const challenge = error as client.WWWAuthenticateChallengeError;
      expect(challenge.status).toBe(401);
      expect(challenge.cause[0]).toMatchObject({ scheme: 'basic' });
      expect(await challenge.response.json()).toMatchObject({ error: 'invalid_client' });
    }
  });
});
