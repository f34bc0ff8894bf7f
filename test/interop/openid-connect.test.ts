/**
 * Interop: openid-client v6 as an OpenID Connect relying party against a real Latchkey. OIDC
 * discovery, the code flow with PKCE, state and nonce, ID token validation (signature against the
 * JWKS, iss, aud, exp, nonce, at_hash as openid-client checks them), UserInfo with the expected
 * subject, refresh with a new ID token, and the strict oauth4webapi's own ID token checks.
 */
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { followAuthorization } from '../helpers/interop.js';
import {
  asTestClient,
  expectNoServerErrors,
  type RegisteredTestClient,
  watchStatuses,
} from '../helpers/negative.js';
import { createClient, createUser, startTestServer, type TestServer } from '../helpers/server.js';

const redirectUri = 'http://127.0.0.1:5999/callback';
let t: TestServer;
let restoreFetch: () => void;
let webApp: RegisteredTestClient;
let es256App: RegisteredTestClient;

beforeAll(async () => {
  restoreFetch = watchStatuses();
  t = await startTestServer();
  await createUser(t, 'alice');
  webApp = asTestClient(await createClient(t, { client_name: 'OIDC app', scope: 'openid profile email' }));
  es256App = asTestClient(
    await createClient(t, {
      client_name: 'ES256 app',
      scope: 'openid profile',
      id_token_signed_response_alg: 'ES256',
    }),
  );
});
afterAll(async () => {
  await t.close();
  restoreFetch();
});
afterEach(() => expectNoServerErrors());

function discover(c: RegisteredTestClient, metadata: Partial<client.ClientMetadata> = {}) {
  return client.discovery(new URL(t.url), c.clientId, metadata, client.ClientSecretBasic(c.clientSecret!), {
    execute: [client.allowInsecureRequests],
  });
}

async function signIn(config: client.Configuration, scope: string) {
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  const expectedState = client.randomState();
  const expectedNonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: expectedState,
    nonce: expectedNonce,
  });
  const callback = await followAuthorization(t, url);
  return client.authorizationCodeGrant(config, callback, { pkceCodeVerifier, expectedState, expectedNonce });
}

describe('openid-client', () => {
  it('discovers the provider through /.well-known/openid-configuration', async () => {
    const metadata = (await discover(webApp)).serverMetadata();
    expect(metadata.issuer).toBe(t.url);
    expect(metadata.userinfo_endpoint).toBe(`${t.url}/oauth/userinfo`);
    expect(metadata.jwks_uri).toBe(`${t.url}/.well-known/jwks.json`);
    expect(metadata.id_token_signing_alg_values_supported).toContain('RS256');
    expect(metadata.end_session_endpoint).toBe(`${t.url}/oauth/end-session`);
  });

  it('completes code + PKCE + nonce, validates the ID token and fetches UserInfo', async () => {
    const config = await discover(webApp);
    const tokens = await signIn(config, 'openid profile email');
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ iss: t.url, aud: webApp.clientId, azp: webApp.clientId });
    expect(typeof claims.sub).toBe('string');
    expect(typeof claims.auth_time).toBe('number');
    expect(typeof claims.sid).toBe('string');

    const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(userinfo).toMatchObject({ sub: claims.sub, preferred_username: 'alice' });
    expect(typeof userinfo.updated_at).toBe('number');

    // OIDC Core §12.2: a refresh brings a new ID token for the same user and sign-in.
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.claims()).toMatchObject({ sub: claims.sub, auth_time: claims.auth_time });
    expect(refreshed.claims()!.nonce).toBeUndefined();
  });

  it('validates an ES256 ID token for a client registered with id_token_signed_response_alg', async () => {
    const config = await discover(es256App, { id_token_signed_response_alg: 'ES256' });
    const tokens = await signIn(config, 'openid');
    expect(tokens.claims()).toMatchObject({ aud: es256App.clientId });
    expect(JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString()).alg).toBe(
      'ES256',
    );
  });

  it('refuses a response whose nonce does not match', async () => {
    const config = await discover(webApp);
    const pkceCodeVerifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
      code_challenge_method: 'S256',
      nonce: 'the-nonce-sent',
    });
    const callback = await followAuthorization(t, url);
    await expect(
      client.authorizationCodeGrant(config, callback, { pkceCodeVerifier, expectedNonce: 'another-nonce' }),
    ).rejects.toMatchObject({ cause: { message: 'unexpected ID Token "nonce" claim value' } });
  });
});

describe('oauth4webapi', () => {
  it('validates the ID token of a code exchange with its own OpenID checks', async () => {
    const issuer = new URL(t.url);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: true }),
    );
    const o4wClient: oauth.Client = { client_id: webApp.clientId };
    const verifier = oauth.generateRandomCodeVerifier();
    const nonce = oauth.generateRandomNonce();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: webApp.clientId,
      redirect_uri: redirectUri,
      scope: 'openid email',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
    }).toString();
    const callback = await followAuthorization(t, url);
    const params = oauth.validateAuthResponse(as, o4wClient, callback);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      o4wClient,
      oauth.ClientSecretBasic(webApp.clientSecret!),
      params,
      redirectUri,
      verifier,
      { [oauth.allowInsecureRequests]: true },
    );
    const result = await oauth.processAuthorizationCodeResponse(as, o4wClient, response, {
      expectedNonce: nonce,
      requireIdToken: true,
    });
    const claims = oauth.getValidatedIdTokenClaims(result)!;
    expect(claims).toMatchObject({ iss: t.url, aud: webApp.clientId, nonce });
  });
});
