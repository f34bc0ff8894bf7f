/**
 * OpenID Connect over real HTTP, through the real login and consent pages: discovery (Discovery
 * 1.0 §3), ID tokens verified as a relying party would against the published JWKS (Core §2,
 * §3.1.3.7, at_hash §3.1.3.6), claims by scope and by the claims parameter (§5.4, §5.5), UserInfo
 * (§5.3), prompt / max_age / login_hint / id_token_hint (§3.1.2.1), the response modes (Multiple
 * Response Types §2.1, Form Post §2), refreshed ID tokens (§12.2), key rotation, and pairwise
 * subjects (§8). Nothing answers 5xx.
 */
import { createHash } from 'node:crypto';
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  jwtVerify,
} from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClientRegistration, User } from '../../src/index.js';
import { retireSigningKey, rotateSigningKeys } from '../../src/services/signing-keys.js';
import { csrfToken, formAction, type Page, TestBrowser } from '../helpers/browser.js';
import { exchangeCode } from '../helpers/flow.js';
import {
  asTestClient,
  basic,
  expectErrorPage,
  expectNoServerErrors,
  postToken,
  REDIRECT_URI,
  type RegisteredTestClient,
  readJson,
  watchStatuses,
} from '../helpers/negative.js';
import {
  callUserinfo,
  codeTokens,
  drive,
  expectedAtHash,
  fetchJwks,
  formPost,
  isConsentPage,
  isLoginPage,
  oidcUrl,
  redeem,
  responseOf,
  verifyIdToken,
} from '../helpers/oidc.js';
import { PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

const ALL_SCOPES = 'openid profile email address phone';
const ALICE_PROFILE = {
  name: 'Alice Liddell',
  given_name: 'Alice',
  family_name: 'Liddell',
  nickname: 'Al',
  website: 'https://alice.example.com/',
  locale: 'en-GB',
  zoneinfo: 'Europe/London',
  email: 'alice@example.com',
  email_verified: true,
  phone_number: '+44 20 7946 0000',
  phone_number_verified: false,
  address: {
    formatted: '1 Rabbit Hole\nOxford OX1 1AA\nUnited Kingdom',
    street_address: '1 Rabbit Hole',
    locality: 'Oxford',
    postal_code: 'OX1 1AA',
    country: 'GB',
  },
};
const BOB_PROFILE = { name: 'Bob Builder', email: 'bob@example.com', email_verified: false };
/** Carol has a name and nothing else: every other scope claim is absent for her. */
const CAROL_PROFILE = { name: 'Carol' };

/** The members of an ID token from the code flow with a nonce (Core §2, §3.1.3.6; sid, amr). */
const ID_TOKEN_MEMBERS = [
  'amr',
  'at_hash',
  'aud',
  'auth_time',
  'azp',
  'exp',
  'iat',
  'iss',
  'nonce',
  'sid',
  'sub',
];

let t: TestServer;
let restoreFetch: () => void;
let alice: User;
let bob: User;
let carol: User;
let clientCount = 0;

beforeAll(async () => {
  restoreFetch = watchStatuses();
  t = await startTestServer();
  alice = await t.server.createUser({ username: 'alice', password: PASSWORD, profile: ALICE_PROFILE });
  bob = await t.server.createUser({ username: 'bob', password: PASSWORD, profile: BOB_PROFILE });
  carol = await t.server.createUser({ username: 'carol', password: PASSWORD, profile: CAROL_PROFILE });
});
afterAll(async () => {
  await t?.close();
  restoreFetch();
});
afterEach(() => expectNoServerErrors());

/** A fresh confidential relying party (so no test sees another's consent), every OIDC scope. */
async function newRp(overrides: Partial<ClientRegistration> = {}): Promise<RegisteredTestClient> {
  clientCount += 1;
  return asTestClient(
    await t.server.registerClient({
      client_name: `Relying party ${clientCount}`,
      redirect_uris: [REDIRECT_URI],
      scope: ALL_SCOPES,
      ...overrides,
    }),
  );
}

const deps = () => ({ store: t.server.store, clock: t.clock, config: t.server.config });

/** The first answer to an authorization request, not followed (prompt=none, errors, …). */
async function firstAnswer(
  client: RegisteredTestClient,
  o: Parameters<typeof oidcUrl>[2] = {},
  browser = new TestBrowser(),
): Promise<Page> {
  return browser.get(oidcUrl(t, client, o));
}

/** A redirect straight back to the client, and its parameters (query or fragment). */
function redirectParams(page: Page): Record<string, string> {
  expect(page.status).toBe(302);
  expect(page.location).toMatch(/^http:\/\/127\.0\.0\.1:5999\/callback[?#]/);
  return responseOf(page).params;
}

function expectRedirectError(page: Page, error: string, state?: string): Record<string, string> {
  const params = redirectParams(page);
  expect(params).toMatchObject({ error, iss: t.url });
  expect(params.code).toBeUndefined();
  if (state !== undefined) expect(params.state).toBe(state);
  return params;
}

describe('discovery', () => {
  it('publishes the OpenID provider metadata, agreeing with the RFC 8414 document', async () => {
    const oidc = await readJson(await fetch(`${t.url}/.well-known/openid-configuration`));
    const oauth = await readJson(await fetch(`${t.url}/.well-known/oauth-authorization-server`));
    expect(oidc.status).toBe(200);
    expect(oidc.headers.get('content-type')).toMatch(/^application\/json/);
    expect(oidc.body).toMatchObject({
      issuer: t.url,
      authorization_endpoint: `${t.url}/oauth/authorize`,
      token_endpoint: `${t.url}/oauth/token`,
      userinfo_endpoint: `${t.url}/oauth/userinfo`,
      jwks_uri: `${t.url}/.well-known/jwks.json`,
      end_session_endpoint: `${t.url}/oauth/end-session`,
      claims_parameter_supported: true,
      request_uri_parameter_supported: false,
    });
    expect(oidc.body.scopes_supported).toEqual(
      expect.arrayContaining(['openid', 'profile', 'email', 'address', 'phone']),
    );
    expect(oidc.body.response_types_supported).toContain('code');
    expect(oidc.body.response_modes_supported).toEqual(
      expect.arrayContaining(['query', 'fragment', 'form_post']),
    );
    expect(oidc.body.subject_types_supported).toEqual(expect.arrayContaining(['public', 'pairwise']));
    const algs = oidc.body.id_token_signing_alg_values_supported as string[];
    expect(algs).toEqual(expect.arrayContaining(['RS256', 'ES256', 'EdDSA']));
    expect(algs).not.toContain('none');
    expect(oidc.body.claims_supported).toEqual(expect.arrayContaining(['sub', 'email', 'name', 'address']));

    expect(oauth.status).toBe(200);
    const shared = Object.keys(oauth.body).filter((name) => name in oidc.body);
    expect(shared).toEqual(expect.arrayContaining(['issuer', 'authorization_endpoint', 'token_endpoint']));
    for (const name of shared) expect({ [name]: oidc.body[name] }).toEqual({ [name]: oauth.body[name] });
  });
});

describe('ID tokens from the code flow', () => {
  it('verifies against the JWKS (RS256 by default) with exactly the expected claims', async () => {
    const client = await newRp();
    t.clock.advance(11);
    const signInAt = t.clock.now();
    const driven = await drive(t, client, {
      scope: 'openid',
      state: 'st-1',
      params: { nonce: 'n-0S6_WzA2Mj' },
    });
    // The exchange happens later than the sign-in: auth_time and iat must differ.
    t.clock.advance(7);
    const { body, idToken, accessToken } = await redeem(t, client, driven);
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'openid' });

    const jwks = await fetchJwks(t);
    const { payload, protectedHeader } = await verifyIdToken(t, idToken, client.clientId, jwks);
    expect(protectedHeader.alg).toBe('RS256');
    expect(protectedHeader.typ).toBe('JWT');
    const key = jwks.keys.find((k) => k.kid === protectedHeader.kid);
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });

    expect(Object.keys(payload).sort()).toEqual(ID_TOKEN_MEMBERS);
    expect(payload).toMatchObject({
      iss: t.url,
      sub: alice.id,
      aud: client.clientId,
      azp: client.clientId,
      nonce: 'n-0S6_WzA2Mj',
      amr: ['pwd'],
      auth_time: signInAt,
      iat: t.clock.now(),
      exp: t.clock.now() + t.server.config.tokens.idTokenTtl,
    });
    expect(payload.at_hash).toBe(expectedAtHash(accessToken, 'RS256'));
    expect(payload.at_hash).toHaveLength(22);
    expect(payload.sid).toEqual(expect.stringMatching(/^[\w-]{8,}$/));
  });

  it('gives each of two parallel authorizations its own nonce, and no nonce when none was sent', async () => {
    const client = await newRp();
    const [one, two, none] = await Promise.all([
      codeTokens(t, client, { params: { nonce: 'nonce-one' } }),
      codeTokens(t, client, { params: { nonce: 'nonce-two' }, username: 'bob' }),
      codeTokens(t, client, { username: 'carol' }),
    ]);
    const claims = async (idToken: string) => (await verifyIdToken(t, idToken, client.clientId)).payload;
    expect(await claims(one.idToken)).toMatchObject({ nonce: 'nonce-one', sub: alice.id });
    expect(await claims(two.idToken)).toMatchObject({ nonce: 'nonce-two', sub: bob.id });
    const withoutNonce = await claims(none.idToken);
    expect(withoutNonce.sub).toBe(carol.id);
    expect(withoutNonce).not.toHaveProperty('nonce');
    // Each sign-in is its own session.
    expect(new Set([one, two, none].map((r) => decodeJwt(r.idToken).sid)).size).toBe(3);
  });

  it('signs with ES256 or EdDSA when the client registered that alg (EdDSA at_hash uses SHA-512)', async () => {
    for (const alg of ['ES256', 'EdDSA'] as const) {
      const client = await newRp({ id_token_signed_response_alg: alg });
      const { idToken, accessToken } = await codeTokens(t, client, { params: { nonce: `n-${alg}` } });
      const jwks = await fetchJwks(t);
      const { payload, protectedHeader } = await verifyIdToken(t, idToken, client.clientId, jwks);
      expect(protectedHeader.alg).toBe(alg);
      expect(jwks.keys.find((k) => k.kid === protectedHeader.kid)?.alg).toBe(alg);
      expect(payload.at_hash).toBe(expectedAtHash(accessToken, alg));
      expect(payload.at_hash).toHaveLength(alg === 'EdDSA' ? 43 : 22);
      expect(payload).toMatchObject({ nonce: `n-${alg}`, sub: alice.id, aud: client.clientId });
    }
  });
});

describe('claims', () => {
  /** UserInfo for an access token from a fresh authorization by `username` with `scope`. */
  async function userinfoFor(
    scope: string,
    o: { username?: string; claims?: unknown } = {},
  ): Promise<{ userinfo: Record<string, unknown>; idToken: JWTPayload }> {
    const client = await newRp();
    const params: Record<string, string> = {};
    if (o.claims !== undefined) params.claims = JSON.stringify(o.claims);
    const tokens = await codeTokens(t, client, { scope, username: o.username, params });
    const response = await callUserinfo(t, tokens.accessToken);
    expect(response.status).toBe(200);
    const { payload } = await verifyIdToken(t, tokens.idToken, client.clientId);
    return { userinfo: response.body, idToken: payload };
  }

  it('releases to UserInfo exactly the claims of the consented scopes', async () => {
    expect((await userinfoFor('openid')).userinfo).toEqual({ sub: alice.id });

    const profile = (await userinfoFor('openid profile')).userinfo;
    expect(profile).toMatchObject({
      sub: alice.id,
      name: 'Alice Liddell',
      given_name: 'Alice',
      family_name: 'Liddell',
      nickname: 'Al',
      website: 'https://alice.example.com/',
      locale: 'en-GB',
      zoneinfo: 'Europe/London',
      preferred_username: 'alice',
      updated_at: expect.any(Number),
    });
    for (const name of ['email', 'email_verified', 'address', 'phone_number', 'phone_number_verified']) {
      expect(profile).not.toHaveProperty(name);
    }

    expect((await userinfoFor('openid email')).userinfo).toEqual({
      sub: alice.id,
      email: 'alice@example.com',
      email_verified: true,
    });
    expect((await userinfoFor('openid address')).userinfo).toEqual({
      sub: alice.id,
      address: ALICE_PROFILE.address,
    });
    expect((await userinfoFor('openid phone')).userinfo).toEqual({
      sub: alice.id,
      phone_number: '+44 20 7946 0000',
      phone_number_verified: false,
    });
  });

  it('leaves out the claims a user does not have', async () => {
    const { userinfo } = await userinfoFor(ALL_SCOPES, { username: 'carol' });
    expect(userinfo).toEqual({
      sub: carol.id,
      name: 'Carol',
      preferred_username: 'carol',
      updated_at: expect.any(Number),
    });
  });

  it('puts no scope claims in the ID token unless the claims parameter asks there', async () => {
    const plain = await userinfoFor(ALL_SCOPES);
    for (const name of ['name', 'preferred_username', 'email', 'email_verified', 'address', 'phone_number']) {
      expect(plain.idToken).not.toHaveProperty(name);
    }
    const asked = await userinfoFor('openid email', { claims: { id_token: { email: null } } });
    expect(asked.idToken).toMatchObject({ email: 'alice@example.com', sub: alice.id });
    // Only what was asked for: email_verified stays in UserInfo.
    expect(asked.idToken).not.toHaveProperty('email_verified');
    expect(asked.userinfo).toEqual({ sub: alice.id, email: 'alice@example.com', email_verified: true });
  });

  it('never releases a claim the consented scopes do not cover, whatever the claims parameter asks', async () => {
    const emailWithoutScope = await userinfoFor('openid profile', {
      claims: { id_token: { email: null }, userinfo: { email: { essential: true } } },
    });
    expect(emailWithoutScope.idToken).not.toHaveProperty('email');
    expect(emailWithoutScope.userinfo).not.toHaveProperty('email');
    expect(emailWithoutScope.userinfo.name).toBe('Alice Liddell');

    const nameWithoutScope = await userinfoFor('openid email', {
      claims: { userinfo: { name: { essential: true } }, id_token: { name: null } },
    });
    expect(nameWithoutScope.userinfo).toEqual({
      sub: alice.id,
      email: 'alice@example.com',
      email_verified: true,
    });
    expect(nameWithoutScope.idToken).not.toHaveProperty('name');
  });

  // OIDC Core §5.5.1: "If the sub (subject) Claim is requested with a specific value for the ID
  // Token, the Authorization Server MUST only send a positive response if the End-User identified by
  // that sub value has an active session … MUST NOT reply with an ID Token or Access Token for a
  // different user".
  it('issues nothing for another user than the sub value the claims parameter names', async () => {
    const client = await newRp();
    const claims = JSON.stringify({ id_token: { sub: { value: bob.id } } });
    // Alice signs in for it: the client hears login_required, never gets a code for her.
    const asAlice = await drive(t, client, { state: 'who', params: { claims } });
    expect(responseOf(asAlice.last).params).toMatchObject({ error: 'login_required', state: 'who' });
    expect(responseOf(asAlice.last).params.code).toBeUndefined();
    // prompt=none for alice's session answers login_required too.
    const none = await firstAnswer(
      client,
      { state: 'who', params: { claims, prompt: 'none' } },
      asAlice.browser,
    );
    expectRedirectError(none, 'login_required', 'who');
    // Bob signing in gets his ID token.
    const asBob = await drive(t, client, { state: 'who', params: { claims }, username: 'bob' });
    const { idToken } = await redeem(t, client, asBob);
    expect(decodeJwt(idToken).sub).toBe(bob.id);
  });

  it('re-checks max_age when the consent form is posted past the login page', async () => {
    const client = await newRp();
    const browser = new TestBrowser();
    await codeTokens(t, client, { browser });
    t.clock.advance(3600);
    const page = await browser.follow(
      await firstAnswer(client, { params: { max_age: '60', prompt: 'consent' } }, browser),
      t.url,
    );
    expect(isLoginPage(page)).toBe(true);
    const interaction = new URL(formAction(page.text, '/login'), t.url).pathname.replace(/\/login$/, '');
    const posted = await browser.post(new URL(`${interaction}/consent`, t.url).toString(), {
      csrf_token: csrfToken(page.text),
      decision: 'allow',
    });
    expect(posted.status).toBe(303);
    expect(posted.location).toBe(interaction);
  });

  it('answers a claims parameter that is not a JSON object with invalid_request at the redirect URI', async () => {
    const client = await newRp();
    for (const claims of [
      '{not json',
      '[]',
      '"email"',
      '{"id_token":["email"]}',
      '{"userinfo":{"email":1}}',
    ]) {
      const page = await firstAnswer(client, {
        scope: 'openid email',
        state: 'bad-claims',
        params: { claims },
      });
      const params = expectRedirectError(page, 'invalid_request', 'bad-claims');
      expect(params.error_description).toMatch(/claims/);
    }
  });
});

describe('UserInfo', () => {
  it('answers GET and POST with the ID token’s sub, never cached', async () => {
    const client = await newRp();
    const { idToken, accessToken } = await codeTokens(t, client, { scope: 'openid profile' });
    const { payload } = await verifyIdToken(t, idToken, client.clientId);
    const get = await callUserinfo(t, accessToken, 'GET');
    const post = await callUserinfo(t, accessToken, 'POST');
    for (const response of [get, post]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.body.sub).toBe(payload.sub);
      expect(response.body.preferred_username).toBe('alice');
    }
    expect(post.body).toEqual(get.body);
  });

  it('accepts an RFC 9068 JWT access token, whose at_hash covers the whole JWT', async () => {
    const client = await newRp({ access_token_format: 'jwt' });
    const { idToken, accessToken } = await codeTokens(t, client, { scope: 'openid email' });
    expect(accessToken.split('.')).toHaveLength(3);
    const { payload } = await verifyIdToken(t, idToken, client.clientId);
    expect(payload.at_hash).toBe(expectedAtHash(accessToken, 'RS256'));
    const response = await callUserinfo(t, accessToken);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ sub: alice.id, email: 'alice@example.com', email_verified: true });
    // An ID token is not an access token.
    expect((await callUserinfo(t, idToken)).status).toBe(401);
  });

  it('refuses a token without openid (403), no token (401), and a revoked token (401)', async () => {
    const client = await newRp();
    const withoutOpenid = await codeTokens(t, client, { scope: 'profile email' });
    expect(withoutOpenid.body.id_token).toBeUndefined();
    const forbidden = await callUserinfo(t, withoutOpenid.accessToken);
    expect({ status: forbidden.status, error: forbidden.body.error }).toEqual({
      status: 403,
      error: 'insufficient_scope',
    });
    expect(forbidden.headers.get('www-authenticate')).toMatch(/^Bearer .*error="insufficient_scope"/);
    expect(forbidden.headers.get('www-authenticate')).toContain('openid');

    for (const method of ['GET', 'POST'] as const) {
      const anonymous = await callUserinfo(t, undefined, method);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const garbage = await callUserinfo(t, 'not-a-token', method);
      expect({ status: garbage.status, error: garbage.body.error }).toEqual({
        status: 401,
        error: 'invalid_token',
      });
      expect(garbage.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
    }

    const live = await codeTokens(t, client, { scope: 'openid email' });
    expect((await callUserinfo(t, live.accessToken)).status).toBe(200);
    const revoked = await postToken(t, {
      path: '/oauth/revoke',
      authorization: basic(client.clientId, client.clientSecret!),
      body: { token: live.accessToken, token_type_hint: 'access_token' },
    });
    expect(revoked.status).toBe(200);
    const afterRevocation = await callUserinfo(t, live.accessToken);
    expect({ status: afterRevocation.status, error: afterRevocation.body.error }).toEqual({
      status: 401,
      error: 'invalid_token',
    });
    expect(afterRevocation.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('refuses a client-credentials token even when it carries openid: there is no user', async () => {
    const machine = asTestClient(
      await t.server.registerClient({
        client_name: 'Machine',
        grant_types: ['client_credentials'],
        scope: 'openid',
      }),
    );
    const token = await postToken(t, {
      authorization: basic(machine.clientId, machine.clientSecret!),
      body: { grant_type: 'client_credentials', scope: 'openid' },
    });
    expect(token.status).toBe(200);
    expect(token.body.scope).toBe('openid');
    expect(token.body.id_token).toBeUndefined();
    const response = await callUserinfo(t, token.body.access_token as string);
    expect({ status: response.status, error: response.body.error }).toEqual({
      status: 401,
      error: 'invalid_token',
    });
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });
});

describe('prompt=none and id_token_hint', () => {
  it('answers login_required without a session, in the query or the fragment', async () => {
    const client = await newRp();
    const page = await firstAnswer(client, { state: 'silent', params: { prompt: 'none' } });
    expect(new URL(page.location!).hash).toBe('');
    expectRedirectError(page, 'login_required', 'silent');

    const fragment = await firstAnswer(client, {
      state: 'silent-f',
      params: { prompt: 'none', response_mode: 'fragment' },
    });
    const location = new URL(fragment.location!);
    expect(location.search).toBe('');
    expect(responseOf(fragment).mode).toBe('fragment');
    expectRedirectError(fragment, 'login_required', 'silent-f');
  });

  it('answers consent_required for a signed-in user who has not consented, and a code once they have', async () => {
    const client = await newRp();
    const browser = new TestBrowser();
    // Signed in through another app: a session, but no consent for this client.
    await codeTokens(t, await newRp(), { browser });
    const page = await firstAnswer(client, { state: 's1', params: { prompt: 'none' } }, browser);
    expectRedirectError(page, 'consent_required', 's1');

    await codeTokens(t, client, { browser });
    const driven = await drive(t, client, {
      browser,
      state: 's2',
      params: { prompt: 'none', nonce: 'silent' },
    });
    // No page at all: the very first answer is the redirect with the code.
    expect(driven.pages).toHaveLength(1);
    expect(driven.sawLogin || driven.sawConsent).toBe(false);
    expect(redirectParams(driven.last)).toMatchObject({ state: 's2', iss: t.url, code: expect.any(String) });
    const { idToken } = await redeem(t, client, driven);
    expect((await verifyIdToken(t, idToken, client.clientId)).payload.nonce).toBe('silent');
  });

  it('refuses prompt=none with another prompt value', async () => {
    const client = await newRp();
    for (const prompt of ['none login', 'consent none', 'none select_account']) {
      const page = await firstAnswer(client, { state: 'mix', params: { prompt } });
      expectRedirectError(page, 'invalid_request', 'mix');
    }
    expectRedirectError(await firstAnswer(client, { params: { prompt: 'sometimes' } }), 'invalid_request');
  });

  it('answers login_required when the id_token_hint names another user than the signed-in one', async () => {
    const client = await newRp();
    const aliceTokens = await codeTokens(t, client);
    const bobBrowser = new TestBrowser();
    const bobTokens = await codeTokens(t, client, { browser: bobBrowser, username: 'bob' });

    const other = await firstAnswer(
      client,
      { state: 'hint', params: { prompt: 'none', id_token_hint: aliceTokens.idToken } },
      bobBrowser,
    );
    expectRedirectError(other, 'login_required', 'hint');
    const garbage = await firstAnswer(
      client,
      { params: { prompt: 'none', id_token_hint: 'e30.e30.c2ln' } },
      bobBrowser,
    );
    expectRedirectError(garbage, 'login_required');

    const own = await firstAnswer(
      client,
      { state: 'hint-ok', params: { prompt: 'none', id_token_hint: bobTokens.idToken } },
      bobBrowser,
    );
    expect(redirectParams(own)).toMatchObject({ code: expect.any(String), state: 'hint-ok' });
  });
});

describe('max_age, prompt=login, prompt=consent, login_hint', () => {
  it('max_age=0 forces a new sign-in with a new auth_time', async () => {
    const client = await newRp();
    const browser = new TestBrowser();
    t.clock.advance(3);
    const firstAt = t.clock.now();
    const first = await codeTokens(t, client, { browser });
    expect((await verifyIdToken(t, first.idToken, client.clientId)).payload.auth_time).toBe(firstAt);

    t.clock.advance(20);
    const again = await codeTokens(t, client, { browser, params: { max_age: '0' } });
    expect(again.driven.sawLogin).toBe(true);
    expect(again.driven.sawConsent).toBe(false);
    const { payload } = await verifyIdToken(t, again.idToken, client.clientId);
    expect(payload.auth_time).toBe(firstAt + 20);
  });

  // A session that began in the same second as the request is not a sign-in made for it: forced
  // sign-ins are judged by session, not by whole-second times. OIDC Core §3.1.2.1 (errata 2):
  // "max_age=0 is equivalent to prompt=login".
  it('max_age=0 forces a sign-in even when the session began in the same second', async () => {
    const client = await newRp();
    const browser = new TestBrowser();
    await codeTokens(t, client, { browser });
    const page = await browser.follow(
      await firstAnswer(client, { params: { max_age: '0' } }, browser),
      t.url,
    );
    expect(isLoginPage(page)).toBe(true);
  });

  // As above, for prompt=login (§3.1.2.1: "SHOULD prompt the End-User for reauthentication").
  it('prompt=login forces a sign-in even when the session began in the same second', async () => {
    const client = await newRp();
    const browser = new TestBrowser();
    await codeTokens(t, client, { browser });
    const page = await browser.follow(
      await firstAnswer(client, { params: { prompt: 'login' } }, browser),
      t.url,
    );
    expect(isLoginPage(page)).toBe(true);
  });

  // As above, with prompt=none: login_required, since the request demands an authentication newer
  // than the session (§3.1.2.6).
  it('prompt=none with max_age=0 answers login_required even in the sign-in’s second', async () => {
    const client = await newRp();
    const browser = new TestBrowser();
    await codeTokens(t, client, { browser });
    const page = await firstAnswer(client, { state: 'z', params: { prompt: 'none', max_age: '0' } }, browser);
    expectRedirectError(page, 'login_required', 'z');
  });

  it('prompt=none with a max_age the session is older than answers login_required', async () => {
    const client = await newRp();
    const browser = new TestBrowser();
    await codeTokens(t, client, { browser });
    t.clock.advance(61);
    for (const maxAge of ['0', '60']) {
      const page = await firstAnswer(
        client,
        { state: 'old', params: { prompt: 'none', max_age: maxAge } },
        browser,
      );
      expectRedirectError(page, 'login_required', 'old');
    }
    const fresh = await firstAnswer(
      client,
      { state: 'ok', params: { prompt: 'none', max_age: '61' } },
      browser,
    );
    expect(redirectParams(fresh)).toMatchObject({ state: 'ok', code: expect.any(String) });
  });

  it('max_age accepts a recent enough session and asks again for an older one', async () => {
    const client = await newRp();
    const browser = new TestBrowser();
    t.clock.advance(5);
    const signInAt = t.clock.now();
    const first = await codeTokens(t, client, { browser });
    t.clock.advance(60);

    const recent = await drive(t, client, { browser, params: { max_age: '3600' } });
    expect(recent.pages).toHaveLength(1);
    const { idToken } = await redeem(t, client, recent);
    const { payload } = await verifyIdToken(t, idToken, client.clientId);
    // The same session: the same auth_time and sid.
    expect(payload.auth_time).toBe(signInAt);
    expect(payload.sid).toBe(decodeJwt(first.idToken).sid);

    const old = await drive(t, client, { browser, params: { max_age: '30' } });
    expect(old.sawLogin).toBe(true);
    const renewed = await redeem(t, client, old);
    expect((await verifyIdToken(t, renewed.idToken, client.clientId)).payload.auth_time).toBe(t.clock.now());
  });

  it('prompt=login and prompt=select_account show the login form to a signed-in user', async () => {
    const client = await newRp();
    const browser = new TestBrowser();
    await codeTokens(t, client, { browser });
    for (const prompt of ['login', 'select_account']) {
      t.clock.advance(9);
      const again = await codeTokens(t, client, { browser, params: { prompt } });
      expect(again.driven.sawLogin).toBe(true);
      expect(again.driven.sawConsent).toBe(false);
      expect((await verifyIdToken(t, again.idToken, client.clientId)).payload.auth_time).toBe(t.clock.now());
    }
    // select_account is where another account is chosen: bob signs in instead.
    t.clock.advance(1);
    const other = await codeTokens(t, client, {
      browser,
      username: 'bob',
      params: { prompt: 'select_account' },
    });
    expect((await verifyIdToken(t, other.idToken, client.clientId)).payload.sub).toBe(bob.id);
  });

  it('prompt=consent shows the consent page although consent was given', async () => {
    const client = await newRp();
    const browser = new TestBrowser();
    const first = await drive(t, client, { browser });
    expect(first.sawConsent).toBe(true);
    const quiet = await drive(t, client, { browser });
    expect(quiet.sawConsent).toBe(false);
    const asked = await drive(t, client, { browser, params: { prompt: 'consent' }, state: 'again' });
    expect(asked.sawLogin).toBe(false);
    expect(asked.sawConsent).toBe(true);
    expect(responseOf(asked.last).params).toMatchObject({ state: 'again', code: expect.any(String) });
  });

  it('login_hint pre-fills the user name, escaped', async () => {
    const client = await newRp();
    const browser = new TestBrowser();
    const hint = '"><script>alert(1)</script>&';
    const page = await browser.follow(
      await firstAnswer(client, { params: { login_hint: hint } }, browser),
      t.url,
    );
    expect(isLoginPage(page)).toBe(true);
    expect(page.text).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;"');
    expect(page.text).not.toContain('<script>alert(1)');

    const plain = await drive(t, client, { params: { login_hint: 'bob' }, username: 'bob' });
    expect(plain.loginPage?.text).toMatch(/name="username" type="text" value="bob"/);
  });
});

describe('response modes', () => {
  function expectFormPostPage(page: Page, redirectUri = REDIRECT_URI): Record<string, string> {
    expect(page.status).toBe(200);
    expect(page.location).toBeNull();
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const form = formPost(page);
    expect(form.method).toBe('post');
    expect(form.action).toBe(redirectUri);
    // One inline script, admitted by its hash and nothing else.
    const scripts = [...page.text.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(1);
    expect(page.text).not.toMatch(/<script[^>]*src=/);
    const csp = page.headers.get('content-security-policy') ?? '';
    const directives = Object.fromEntries(
      csp.split(';').map((d) => {
        const [name = '', ...values] = d.trim().split(/\s+/);
        return [name, values];
      }),
    );
    const hash = createHash('sha256').update(scripts[0]!, 'utf8').digest('base64');
    expect(directives['script-src']).toEqual([`'sha256-${hash}'`]);
    expect(directives['form-action']).toContain(new URL(redirectUri).origin);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(csp).not.toContain('unsafe-inline');
    return form.fields;
  }

  it('form_post answers with a self-submitting form carrying code, state and iss', async () => {
    const client = await newRp();
    const state = 'st"<&>\'x';
    const driven = await drive(t, client, { state, params: { response_mode: 'form_post', nonce: 'fp' } });
    const fields = expectFormPostPage(driven.last);
    expect(Object.keys(fields).sort()).toEqual(['code', 'iss', 'state']);
    expect(fields).toMatchObject({ state, iss: t.url });
    const { idToken } = await redeem(t, client, driven);
    expect((await verifyIdToken(t, idToken, client.clientId)).payload.nonce).toBe('fp');

    // A signed-in user who consented gets the page straight from the authorization endpoint.
    const again = await drive(t, client, {
      browser: driven.browser,
      state: 'again',
      params: { response_mode: 'form_post' },
    });
    expect(again.pages).toHaveLength(1);
    expect(expectFormPostPage(again.last)).toMatchObject({ state: 'again', code: expect.any(String) });
  });

  it('form_post carries errors too: a denial and prompt=none without a session', async () => {
    const client = await newRp();
    const denied = await drive(t, client, {
      state: 'no',
      decision: 'deny',
      params: { response_mode: 'form_post' },
    });
    expect(expectFormPostPage(denied.last)).toMatchObject({
      error: 'access_denied',
      state: 'no',
      iss: t.url,
    });
    expect(formPost(denied.last).fields.code).toBeUndefined();

    const silent = await firstAnswer(client, {
      state: 'quiet',
      params: { response_mode: 'form_post', prompt: 'none' },
    });
    expect(expectFormPostPage(silent)).toMatchObject({ error: 'login_required', state: 'quiet', iss: t.url });
  });

  it('response_mode=fragment puts the code in the fragment', async () => {
    const client = await newRp();
    const driven = await drive(t, client, { state: 'frag', params: { response_mode: 'fragment' } });
    const location = new URL(driven.last.location!);
    expect(location.search).toBe('');
    expect(responseOf(driven.last)).toMatchObject({
      mode: 'fragment',
      target: REDIRECT_URI,
      params: { state: 'frag', iss: t.url, code: expect.any(String) },
    });
    const { idToken } = await redeem(t, client, driven);
    await verifyIdToken(t, idToken, client.clientId);
  });

  it('form_post carries an implicit grant’s access token, never a refresh token', async () => {
    const spa = asTestClient(
      await t.server.registerClient({
        client_name: 'Implicit form_post',
        grant_types: ['implicit'],
        redirect_uris: [REDIRECT_URI],
        scope: 'openid profile',
        token_endpoint_auth_method: 'none',
      }),
    );
    const driven = await drive(t, spa, {
      state: 'imp',
      scope: 'openid profile',
      pkce: null,
      params: { response_type: 'token', response_mode: 'form_post' },
    });
    const fields = expectFormPostPage(driven.last);
    expect(fields).toMatchObject({ token_type: 'Bearer', state: 'imp', iss: t.url, scope: 'openid profile' });
    expect(fields.refresh_token).toBeUndefined();
    expect(fields.code).toBeUndefined();
    const userinfo = await callUserinfo(t, fields.access_token);
    expect(userinfo.body).toMatchObject({ sub: alice.id, name: 'Alice Liddell' });
  });

  it('refuses response_mode=query for response_type=token, in the fragment', async () => {
    const spa = asTestClient(
      await t.server.registerClient({
        client_name: 'Implicit SPA',
        grant_types: ['implicit'],
        redirect_uris: [REDIRECT_URI],
        scope: 'openid profile',
        token_endpoint_auth_method: 'none',
      }),
    );
    const page = await firstAnswer(spa, {
      state: 'q',
      pkce: null,
      params: { response_type: 'token', response_mode: 'query' },
    });
    const location = new URL(page.location!);
    expect(location.search).toBe('');
    expect(location.hash).not.toContain('access_token');
    expectRedirectError(page, 'invalid_request', 'q');
  });

  it('refuses an unknown response_mode', async () => {
    const client = await newRp();
    for (const mode of ['jwt', 'form_post.jwt', 'QUERY']) {
      const page = await firstAnswer(client, { state: 'm', params: { response_mode: mode } });
      expectRedirectError(page, 'invalid_request', 'm');
    }
  });
});

describe('ID tokens from the other grants', () => {
  it('a refresh with openid gives a new ID token: same sub and auth_time, no nonce', async () => {
    const client = await newRp();
    t.clock.advance(2);
    const signInAt = t.clock.now();
    const first = await codeTokens(t, client, {
      scope: 'openid email',
      params: { nonce: 'first-only', claims: JSON.stringify({ id_token: { email: null } }) },
    });
    const original = (await verifyIdToken(t, first.idToken, client.clientId)).payload;
    expect(original).toMatchObject({ nonce: 'first-only', email: 'alice@example.com' });

    t.clock.advance(600);
    const refreshed = await exchangeCode(t.url, client, {
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token as string,
    });
    expect(refreshed.status).toBe(200);
    const { payload } = await verifyIdToken(t, refreshed.body.id_token as string, client.clientId);
    expect(payload).toMatchObject({
      sub: original.sub,
      aud: client.clientId,
      auth_time: signInAt,
      sid: original.sid,
      iat: t.clock.now(),
      at_hash: expectedAtHash(refreshed.body.access_token as string, 'RS256'),
      // The claims request of the authorization still holds.
      email: 'alice@example.com',
    });
    expect(payload).not.toHaveProperty('nonce');

    // Narrowed to a scope without openid: no ID token.
    const narrowed = await exchangeCode(t.url, client, {
      grant_type: 'refresh_token',
      refresh_token: refreshed.body.refresh_token as string,
      scope: 'email',
    });
    expect(narrowed.status).toBe(200);
    expect(narrowed.body.id_token).toBeUndefined();
  });

  it('the password grant with openid gives an ID token', async () => {
    const legacy = asTestClient(
      await t.server.registerClient({
        client_name: 'Legacy password app',
        grant_types: ['password'],
        scope: 'openid profile',
      }),
    );
    t.clock.advance(4);
    const token = await postToken(t, {
      authorization: basic(legacy.clientId, legacy.clientSecret!),
      body: { grant_type: 'password', username: 'alice', password: PASSWORD, scope: 'openid profile' },
    });
    expect(token.status).toBe(200);
    const { payload } = await verifyIdToken(t, token.body.id_token as string, legacy.clientId);
    expect(payload).toMatchObject({
      iss: t.url,
      sub: alice.id,
      aud: legacy.clientId,
      auth_time: t.clock.now(),
      at_hash: expectedAtHash(token.body.access_token as string, 'RS256'),
    });
    expect(payload).not.toHaveProperty('nonce');
    expect(payload).not.toHaveProperty('name');

    const withoutOpenid = await postToken(t, {
      authorization: basic(legacy.clientId, legacy.clientSecret!),
      body: { grant_type: 'password', username: 'alice', password: PASSWORD, scope: 'profile' },
    });
    expect(withoutOpenid.status).toBe(200);
    expect(withoutOpenid.body.id_token).toBeUndefined();
  });
});

describe('signing key rotation', () => {
  it('keeps old ID tokens verifiable after a rotation and drops them when the key is retired', async () => {
    const client = await newRp();
    const before = await codeTokens(t, client);
    const oldKid = decodeProtectedHeader(before.idToken).kid!;

    const [rotated] = await rotateSigningKeys(deps(), { alg: 'RS256' });
    expect(rotated!.kid).not.toBe(oldKid);
    expect(rotated!.retiring).toContain(oldKid);
    const afterRotation = await fetchJwks(t);
    expect(afterRotation.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, rotated!.kid]));
    expect((await verifyIdToken(t, before.idToken, client.clientId, afterRotation)).payload.sub).toBe(
      alice.id,
    );

    const after = await codeTokens(t, client);
    expect(decodeProtectedHeader(after.idToken)).toMatchObject({ alg: 'RS256', kid: rotated!.kid });
    await verifyIdToken(t, after.idToken, client.clientId, afterRotation);

    await retireSigningKey(deps(), oldKid);
    const afterRetirement = await fetchJwks(t);
    expect(afterRetirement.keys.map((k) => k.kid)).not.toContain(oldKid);
    await expect(verifyIdToken(t, before.idToken, client.clientId, afterRetirement)).rejects.toBeInstanceOf(
      errors.JWKSNoMatchingKey,
    );
    await verifyIdToken(t, after.idToken, client.clientId, afterRetirement);
    // Nor does a verifier that ignores the kid: no published key verifies the old signature.
    for (const jwk of afterRetirement.keys) {
      const single = createLocalJWKSet({ keys: [{ ...jwk, kid: oldKid }] });
      await expect(jwtVerify(before.idToken, single, { issuer: t.url })).rejects.toBeInstanceOf(
        errors.JOSEError,
      );
    }
  });
});

describe('pairwise subjects', () => {
  const sectorA = 'https://a.example.com/cb';
  const sectorB = 'https://b.example.com/cb';

  async function subjects(client: RegisteredTestClient, redirectUri: string, browser = new TestBrowser()) {
    const tokens = await codeTokens(t, client, { browser, redirectUri });
    const idSub = (await verifyIdToken(t, tokens.idToken, client.clientId)).payload.sub;
    const userinfo = await callUserinfo(t, tokens.accessToken);
    expect(userinfo.status).toBe(200);
    return { idSub, userinfoSub: userinfo.body.sub };
  }

  it('gives each sector its own stable sub, the same in the ID token and UserInfo', async () => {
    const a = await newRp({ subject_type: 'pairwise', redirect_uris: [sectorA, `${sectorA}/other`] });
    const sameSector = await newRp({
      subject_type: 'pairwise',
      redirect_uris: ['https://a.example.com/else'],
    });
    const b = await newRp({ subject_type: 'pairwise', redirect_uris: [sectorB] });

    const first = await subjects(a, sectorA);
    expect(first.idSub).not.toBe(alice.id);
    expect(first.idSub).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.userinfoSub).toBe(first.idSub);
    // A second sign-in, in another browser: the same sub.
    expect(await subjects(a, sectorA)).toEqual(first);
    // Another client on the same host shares the sector, so the sub.
    expect((await subjects(sameSector, 'https://a.example.com/else')).idSub).toBe(first.idSub);

    const other = await subjects(b, sectorB);
    expect(other.idSub).not.toBe(first.idSub);
    expect(other.idSub).not.toBe(alice.id);
    expect(other.userinfoSub).toBe(other.idSub);
    // Another user on the same client: another sub.
    const bobBrowser = new TestBrowser();
    const bobTokens = await codeTokens(t, a, { browser: bobBrowser, username: 'bob', redirectUri: sectorA });
    expect(decodeJwt(bobTokens.idToken).sub).not.toBe(first.idSub);
  });

  it('refuses a pairwise registration whose redirect URIs span two hosts', async () => {
    await expect(
      t.server.registerClient({
        client_name: 'Two sectors',
        redirect_uris: [sectorA, sectorB],
        scope: 'openid',
        subject_type: 'pairwise',
      }),
    ).rejects.toMatchObject({ code: 'invalid_client_metadata' });
    await expect(
      t.server.registerClient({
        client_name: 'Bad subject type',
        redirect_uris: [sectorA],
        scope: 'openid',
        subject_type: 'secret' as 'public',
      }),
    ).rejects.toMatchObject({ code: 'invalid_client_metadata' });
  });
});

describe('POST /oauth/authorize', () => {
  it('takes a form body by a 303 to the GET with the same parameters', async () => {
    const client = await newRp();
    const browser = new TestBrowser();
    const url = new URL(oidcUrl(t, client, { state: 'posted', params: { nonce: 'via-post' } }));
    const post = (extra: Record<string, string> = {}) =>
      browser.post(`${t.url}/oauth/authorize`, { ...Object.fromEntries(url.searchParams), ...extra });
    const posted = await post();
    expect(posted.status).toBe(303);
    expect(posted.headers.getSetCookie()).toEqual([]);
    expect(new URL(posted.location!, t.url).href).toBe(url.href);
    const login = await browser.follow(posted, t.url);
    expect(isLoginPage(login)).toBe(true);

    // Signed in and consented (through the usual GET), a POST ends in the code at once.
    await codeTokens(t, client, { browser });
    const again = await browser.follow(await post(), t.url);
    expect(responseOf(again).params).toMatchObject({ state: 'posted', code: expect.any(String), iss: t.url });

    // Errors after the redirect URI is known go back to it, from the GET.
    const bad = await browser.follow(await post({ prompt: 'none login' }), t.url);
    expect(responseOf(bad).params).toMatchObject({ error: 'invalid_request', state: 'posted' });
  });

  it('answers a JSON body with a 400 page', async () => {
    const client = await newRp();
    const url = new URL(oidcUrl(t, client, { state: 'json' }));
    const response = await fetch(`${t.url}/oauth/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Object.fromEntries(url.searchParams)),
      redirect: 'manual',
    });
    const page: Page = {
      status: response.status,
      headers: response.headers,
      location: response.headers.get('location'),
      text: await response.text(),
      url: response.url,
    };
    expectErrorPage(page, 400);
  });
});

describe('malformed OpenID parameters', () => {
  /** A request with `pairs` appended to a valid one (names may repeat). */
  async function withPairs(client: RegisteredTestClient, pairs: [string, string][]): Promise<Page> {
    const url = new URL(oidcUrl(t, client, { state: 'neg' }));
    for (const [name, value] of pairs) url.searchParams.append(name, value);
    return new TestBrowser().get(url.toString());
  }

  it('refuses repeated nonce, prompt and max_age with invalid_request', async () => {
    const client = await newRp();
    for (const name of ['nonce', 'prompt', 'max_age', 'claims', 'login_hint', 'response_mode']) {
      const value = {
        nonce: 'n',
        prompt: 'login',
        max_age: '60',
        claims: '{}',
        login_hint: 'a',
        response_mode: 'query',
      }[name]!;
      const page = await withPairs(client, [
        [name, value],
        [name, value],
      ]);
      const params = expectRedirectError(page, 'invalid_request', 'neg');
      expect(params.error_description).toContain(name);
    }
  });

  it('refuses a max_age that is not a whole number of seconds', async () => {
    const client = await newRp();
    for (const maxAge of ['-1', 'abc', '1.5', '1e3', ' 60', '0x10', '99999999999']) {
      expectRedirectError(await withPairs(client, [['max_age', maxAge]]), 'invalid_request', 'neg');
    }
  });

  it('refuses a nonce longer than 512 characters and accepts one of 512', async () => {
    const client = await newRp();
    expectRedirectError(await withPairs(client, [['nonce', 'n'.repeat(513)]]), 'invalid_request', 'neg');
    const ok = await withPairs(client, [['nonce', 'n'.repeat(512)]]);
    expect(ok.status).toBe(302);
    expect(ok.location).toMatch(/^\/interaction\//);
  });

  it('ignores OpenID parameters it does not recognise or that need no checking', async () => {
    const client = await newRp();
    const driven = await drive(t, client, {
      params: {
        ui_locales: 'fr-CA fr',
        display: 'page',
        acr_values: 'urn:x',
        unknown_thing: '1',
        // §5.5: claims the OP does not know are ignored, even essential ones.
        claims: JSON.stringify({ id_token: { acr: { essential: true, values: ['urn:x'] }, 'x-y': null } }),
      },
    });
    const { idToken } = await redeem(t, client, driven);
    const { payload } = await verifyIdToken(t, idToken, client.clientId);
    expect(payload).not.toHaveProperty('acr');
    expect(payload).not.toHaveProperty('x-y');
  });
});

// These pages are the ones other suites check; here only that OIDC left them working.
describe('pages', () => {
  it('a consent page lists the OpenID scopes', async () => {
    const client = await newRp();
    const browser = new TestBrowser();
    const driven = await drive(t, client, { browser, scope: ALL_SCOPES, decision: 'deny' });
    const consent = driven.pages.find(isConsentPage)!;
    expect(consent.text).toContain('Confirm your identity');
    expect(consent.text).toContain('See your postal address');
  });
});
