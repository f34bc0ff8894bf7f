/**
 * RFC 9068 JWT access tokens over real HTTP: per server and per client, verified with `jose`
 * against the published JWKS and by the resource helper, still revocable and introspectable at
 * the provider, and refused once their signing key is retired.
 */
import { createLocalJWKSet, decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtVerifier } from '../../src/resource/index.js';
import type { ServiceDeps } from '../../src/services/deps.js';
import { retireSigningKey, rotateSigningKeys } from '../../src/services/signing-keys.js';
import {
  asTestClient,
  basic,
  callApi,
  expectNoServerErrors,
  obtainTokens,
  postToken,
  type RegisteredTestClient,
  readJson,
  watchStatuses,
} from '../helpers/negative.js';
import { createClient, createUser, startTestServer, type TestServer } from '../helpers/server.js';

let restoreFetch: () => void;
beforeAll(() => {
  restoreFetch = watchStatuses();
});
afterAll(() => {
  restoreFetch();
  expectNoServerErrors();
});

async function clientCredentialsToken(t: TestServer, client: RegisteredTestClient): Promise<string> {
  const response = await postToken(t, {
    authorization: basic(client.clientId, client.clientSecret!),
    body: { grant_type: 'client_credentials' },
  });
  expect(response.status).toBe(200);
  return response.body.access_token as string;
}

async function jwks(t: TestServer) {
  const response = await readJson(await fetch(`${t.url}/.well-known/jwks.json`));
  expect(response.status).toBe(200);
  return response.body as { keys: Record<string, unknown>[] };
}

async function verifyWithJose(t: TestServer, token: string): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, createLocalJWKSet(await jwks(t)), {
    issuer: t.url,
    typ: 'at+jwt',
    currentDate: new Date(t.clock.now() * 1000),
  });
  return payload;
}

async function introspect(t: TestServer, client: RegisteredTestClient, token: string) {
  const response = await postToken(t, {
    path: '/oauth/introspect',
    authorization: basic(client.clientId, client.clientSecret!),
    body: { token },
  });
  expect(response.status).toBe(200);
  return response.body;
}

describe('per server: LATCHKEY_ACCESS_TOKEN_FORMAT=jwt', () => {
  let t: TestServer;
  let service: RegisteredTestClient;
  let webApp: RegisteredTestClient;
  let deps: ServiceDeps;

  beforeAll(async () => {
    t = await startTestServer({ tokens: { accessTokenFormat: 'jwt' } });
    deps = { store: t.server.store, clock: t.clock, config: t.server.config };
    service = asTestClient(
      await t.server.registerClient({
        client_name: 'Orders service',
        grant_types: ['client_credentials'],
        scope: 'orders:read orders:write',
      }),
    );
    webApp = asTestClient(await createClient(t, { client_name: 'Web app', scope: 'profile' }));
    await createUser(t, 'alice');
  });
  afterAll(async () => {
    await t.close();
  });

  it('publishes the signing key, public members only, and names it in the metadata', async () => {
    const set = await jwks(t);
    expect(set.keys.length).toBeGreaterThanOrEqual(1);
    const key = set.keys.find((k) => k.alg === 'ES256')!;
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'sig', alg: 'ES256' });
    for (const k of set.keys)
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(k).not.toHaveProperty(secret);
    const metadata = await readJson(await fetch(`${t.url}/.well-known/oauth-authorization-server`));
    expect(metadata.body.jwks_uri).toBe(`${t.url}/.well-known/jwks.json`);
  });

  it('issues a client credentials token that jose verifies against the JWKS, with RFC 9068 claims', async () => {
    const token = await clientCredentialsToken(t, service);
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(typeof header.kid).toBe('string');
    const claims = await verifyWithJose(t, token);
    expect(claims).toMatchObject({
      iss: t.url,
      aud: t.url,
      // RFC 9068 §2.2: no resource owner, so sub names the client.
      sub: service.clientId,
      client_id: service.clientId,
      scope: 'orders:read orders:write',
      exp: t.clock.now() + 3600,
      iat: t.clock.now(),
    });
    expect(claims.username).toBeUndefined();
    expect(typeof claims.jti).toBe('string');
    expect(await clientCredentialsToken(t, service)).not.toBe(token);
  });

  it('issues user tokens whose sub is the user, and the refresh token stays opaque', async () => {
    const pair = await obtainTokens(t, webApp, { username: 'alice' });
    const claims = await verifyWithJose(t, pair.accessToken);
    expect(claims).toMatchObject({ client_id: webApp.clientId, username: 'alice', scope: 'profile' });
    expect(claims.sub).not.toBe(webApp.clientId);
    expect(pair.refreshToken.split('.')).toHaveLength(1);
    const me = await callApi(t, `Bearer ${pair.accessToken}`);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ sub: claims.sub, username: 'alice' });

    const refreshed = await postToken(t, {
      authorization: basic(webApp.clientId, webApp.clientSecret!),
      body: { grant_type: 'refresh_token', refresh_token: pair.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    expect((await verifyWithJose(t, refreshed.body.access_token as string)).sub).toBe(claims.sub);
  });

  it('is introspectable and revocable at the provider like an opaque token', async () => {
    const token = await clientCredentialsToken(t, service);
    expect(await introspect(t, service, token)).toMatchObject({
      active: true,
      client_id: service.clientId,
      token_type: 'Bearer',
    });
    const revoked = await postToken(t, {
      path: '/oauth/revoke',
      authorization: basic(service.clientId, service.clientSecret!),
      body: { token },
    });
    expect(revoked.status).toBe(200);
    expect(await introspect(t, service, token)).toEqual({ active: false });
    expect((await callApi(t, `Bearer ${token}`)).status).toBe(401);
  });

  it('is accepted by the resource helper, then refused once its key is retired', async () => {
    const verify = jwtVerifier({ issuer: t.url, clock: t.clock, cooldown: 0, cacheMaxAge: 0 });
    const token = await clientCredentialsToken(t, service);
    expect(await verify(token)).toMatchObject({
      clientId: service.clientId,
      userId: null,
      scope: ['orders:read', 'orders:write'],
    });
    const { kid } = decodeProtectedHeader(token);

    // A rotation keeps the old key published while its tokens can still be valid.
    await rotateSigningKeys(deps, {});
    const afterRotation = await clientCredentialsToken(t, service);
    expect(decodeProtectedHeader(afterRotation).kid).not.toBe(kid);
    expect(await verify(token)).not.toBeNull();
    expect(await verify(afterRotation)).not.toBeNull();

    // Retirement takes it out of the JWKS at once: the helper refetches and refuses the token.
    await retireSigningKey(deps, kid!);
    expect((await jwks(t)).keys.map((k) => k.kid)).not.toContain(kid);
    expect(await verify(token)).toBeNull();
    expect(await verify(afterRotation)).not.toBeNull();
  });

  it('refuses tampered, foreign-issuer and expired tokens in the resource helper', async () => {
    const verify = jwtVerifier({ issuer: t.url, clock: t.clock, cooldown: 0 });
    const token = await clientCredentialsToken(t, service);
    const [header, payload, signature] = token.split('.');
    const forged = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    forged.scope = 'orders:admin';
    const tampered = `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
    expect(await verify(tampered)).toBeNull();
    expect(await jwtVerifier({ issuer: 'https://other.example', clock: t.clock })(token)).toBeNull();
    t.clock.advance(3600 + 60);
    expect(await verify(token)).toBeNull();
  });
});

describe('per client: access_token_format on one client of an opaque server', () => {
  let t: TestServer;
  let jwtClient: RegisteredTestClient;
  let opaqueClient: RegisteredTestClient;

  beforeAll(async () => {
    t = await startTestServer();
    jwtClient = asTestClient(
      await t.server.registerClient({
        client_name: 'JWT service',
        grant_types: ['client_credentials'],
        access_token_format: 'jwt',
      }),
    );
    opaqueClient = asTestClient(
      await t.server.registerClient({ client_name: 'Opaque service', grant_types: ['client_credentials'] }),
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('gives that client JWTs and every other client opaque tokens', async () => {
    const jwt = await clientCredentialsToken(t, jwtClient);
    expect((await verifyWithJose(t, jwt)).client_id).toBe(jwtClient.clientId);
    const opaque = await clientCredentialsToken(t, opaqueClient);
    expect(opaque.split('.')).toHaveLength(1);
    expect(opaque).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses an unknown access_token_format at registration', async () => {
    await expect(
      t.server.registerClient({
        client_name: 'Bad',
        grant_types: ['client_credentials'],
        access_token_format: 'macaroon' as 'jwt',
      }),
    ).rejects.toMatchObject({ code: 'invalid_client_metadata' });
  });
});
