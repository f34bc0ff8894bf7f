/**
 * The example client against a small fake authorization server that speaks just enough of
 * Latchkey's HTTP surface: OpenID Connect discovery and RFC 8414 metadata, an authorization
 * endpoint that answers at once, a token endpoint that really checks PKCE S256 and
 * client_secret_basic and signs ID tokens (RS256, JWKS), UserInfo, and a protected API. The fake
 * can be told to misbehave (a wrong nonce, a foreign signature …), which a real server cannot;
 * latchkey.test.ts runs the same app against the real Latchkey.
 * The client app itself is driven with inject(); its outbound calls are real HTTP on 127.0.0.1.
 */

import { createHash, randomBytes } from 'node:crypto';
import fastifyFormbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type InjectOptions, type LightMyRequestResponse } from 'fastify';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createExampleClient, type ExampleClientOptions } from './app.js';

const CLIENT_ID = 'example-app';
const CLIENT_SECRET = 'a secret with spaces & symbols';
const BASE_URL = 'http://localhost:5000';
const REDIRECT_URI = `${BASE_URL}/callback`;

interface Behaviour {
  metadataStatus: number;
  deny?: { error: string; description: string };
  failExchange: boolean;
  /** Overrides the iss sent back to the client, to simulate a mix-up. */
  iss?: string;
  username: string;
  /** ID token tampering: another nonce, no ID token at all, a key the JWKS does not hold. */
  idTokenNonce?: string;
  omitIdToken?: boolean;
  signWithForeignKey?: boolean;
  /** The sub UserInfo answers with (OIDC Core §5.3.2: the client must check it). */
  userInfoSub?: string;
  name: string;
  endSessionEndpoint: boolean;
}

interface FakeServer {
  url: string;
  app: FastifyInstance;
  behaviour: Behaviour;
  lastAuthorize?: URLSearchParams;
  lastIdToken?: string;
  tokenGrants: string[];
  apiTokens: string[];
  revoked: string[];
  accessTokens: Set<string>;
  refreshTokens: Set<string>;
}

const defaultBehaviour = (): Behaviour => ({
  metadataStatus: 200,
  failExchange: false,
  username: 'alice',
  name: 'Alice Example',
  endSessionEndpoint: true,
});

const SUB = 'user-1';

function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

// RFC 6749 §2.3.1: client_secret_basic form-encodes id and secret before base64.
function basicCredentials(header: string | undefined): [string, string] | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString();
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const formDecode = (text: string) => decodeURIComponent(text.replace(/\+/g, ' '));
  return [formDecode(decoded.slice(0, colon)), formDecode(decoded.slice(colon + 1))];
}

interface SigningKey {
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

async function startFakeServer(): Promise<FakeServer> {
  const app = Fastify();
  await app.register(fastifyFormbody);
  const codes = new Map<string, { challenge: string; redirectUri: string; scope: string; nonce?: string }>();
  const key = await signingKey('fake-1');
  // Same kid, other key: only the signature check can tell.
  const foreignKey = await signingKey('fake-1');
  const fake: FakeServer = {
    url: '',
    app,
    behaviour: defaultBehaviour(),
    tokenGrants: [],
    apiTokens: [],
    revoked: [],
    accessTokens: new Set(),
    refreshTokens: new Set(),
  };

  const idToken = (nonce: string | undefined) => {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      sub: SUB,
      auth_time: now,
      ...(nonce !== undefined && { nonce: fake.behaviour.idTokenNonce ?? nonce }),
    };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: key.jwk.kid!, typ: 'JWT' })
      .setIssuer(fake.url)
      .setAudience(CLIENT_ID)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(fake.behaviour.signWithForeignKey ? foreignKey.privateKey : key.privateKey);
  };

  const issue = async (scope: string, nonce?: string) => {
    const access = randomBytes(16).toString('hex');
    const refresh = randomBytes(16).toString('hex');
    fake.accessTokens.add(access);
    fake.refreshTokens.add(refresh);
    const tokens = {
      access_token: access,
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: refresh,
      scope,
    };
    if (!scope.split(' ').includes('openid') || fake.behaviour.omitIdToken) return tokens;
    fake.lastIdToken = await idToken(nonce);
    return { ...tokens, id_token: fake.lastIdToken };
  };
  const tokenError = (reply: import('fastify').FastifyReply, error: string, description: string) =>
    reply.code(400).header('cache-control', 'no-store').send({ error, error_description: description });

  const metadata = () => ({
    issuer: fake.url,
    authorization_endpoint: `${fake.url}/oauth/authorize`,
    token_endpoint: `${fake.url}/oauth/token`,
    revocation_endpoint: `${fake.url}/oauth/revoke`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    authorization_response_iss_parameter_supported: true,
  });
  app.get('/.well-known/oauth-authorization-server', (_request, reply) => {
    if (fake.behaviour.metadataStatus !== 200) return reply.code(fake.behaviour.metadataStatus).send('down');
    return metadata();
  });
  app.get('/.well-known/openid-configuration', (_request, reply) => {
    if (fake.behaviour.metadataStatus !== 200) return reply.code(fake.behaviour.metadataStatus).send('down');
    return {
      ...metadata(),
      jwks_uri: `${fake.url}/jwks`,
      userinfo_endpoint: `${fake.url}/oauth/userinfo`,
      ...(fake.behaviour.endSessionEndpoint && { end_session_endpoint: `${fake.url}/oauth/end-session` }),
      scopes_supported: ['openid', 'profile', 'email'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    };
  });
  app.get('/jwks', () => ({ keys: [key.jwk] }));

  app.get('/oauth/userinfo', (request, reply) => {
    const token = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
    if (!fake.accessTokens.has(token)) {
      return reply.code(401).header('www-authenticate', 'Bearer error="invalid_token"').send();
    }
    return { sub: fake.behaviour.userInfoSub ?? SUB, name: fake.behaviour.name, email: 'alice@example.com' };
  });

  app.get('/oauth/authorize', (request, reply) => {
    const query = new URLSearchParams(request.url.slice(request.url.indexOf('?') + 1));
    fake.lastAuthorize = query;
    if (query.get('client_id') !== CLIENT_ID || query.get('redirect_uri') !== REDIRECT_URI) {
      return reply.code(400).send('unknown client or redirect_uri');
    }
    const back = new URL(REDIRECT_URI);
    const state = query.get('state');
    if (state) back.searchParams.set('state', state);
    back.searchParams.set('iss', fake.behaviour.iss ?? fake.url);
    if (fake.behaviour.deny) {
      back.searchParams.set('error', fake.behaviour.deny.error);
      back.searchParams.set('error_description', fake.behaviour.deny.description);
    } else if (query.get('response_type') !== 'code' || query.get('code_challenge_method') !== 'S256') {
      back.searchParams.set('error', 'invalid_request');
    } else {
      const code = randomBytes(16).toString('hex');
      codes.set(code, {
        challenge: query.get('code_challenge') ?? '',
        redirectUri: query.get('redirect_uri') ?? '',
        scope: query.get('scope') ?? 'profile',
        ...(query.has('nonce') && { nonce: query.get('nonce')! }),
      });
      back.searchParams.set('code', code);
    }
    return reply.redirect(back.href);
  });

  app.post('/oauth/token', (request, reply) => {
    const credentials = basicCredentials(request.headers.authorization);
    if (credentials?.[0] !== CLIENT_ID || credentials[1] !== CLIENT_SECRET) {
      return reply
        .code(401)
        .header('www-authenticate', 'Basic realm="latchkey"')
        .send({ error: 'invalid_client', error_description: 'client authentication failed' });
    }
    const body = request.body as Record<string, string>;
    fake.tokenGrants.push(body.grant_type ?? '');
    if (body.grant_type === 'authorization_code') {
      const grant = codes.get(body.code ?? '');
      codes.delete(body.code ?? '');
      if (fake.behaviour.failExchange || !grant) return tokenError(reply, 'invalid_grant', 'code is invalid');
      if (grant.redirectUri !== body.redirect_uri) return tokenError(reply, 'invalid_grant', 'redirect_uri');
      if (!body.code_verifier || s256(body.code_verifier) !== grant.challenge) {
        return tokenError(reply, 'invalid_grant', 'PKCE verification failed');
      }
      return issue(grant.scope, grant.nonce);
    }
    if (body.grant_type === 'refresh_token') {
      if (!fake.refreshTokens.delete(body.refresh_token ?? '')) {
        return tokenError(reply, 'invalid_grant', 'refresh token is invalid');
      }
      return issue('profile');
    }
    return tokenError(reply, 'unsupported_grant_type', 'nope');
  });

  app.post('/oauth/revoke', (request, reply) => {
    const token = (request.body as Record<string, string>).token ?? '';
    fake.revoked.push(token);
    fake.refreshTokens.delete(token);
    return reply.code(200).send();
  });

  app.get('/api/me', (request, reply) => {
    const token = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
    fake.apiTokens.push(token);
    if (!fake.accessTokens.has(token)) {
      return reply.code(401).header('www-authenticate', 'Bearer error="invalid_token"').send();
    }
    return { sub: SUB, username: fake.behaviour.username, scope: 'profile', client_id: CLIENT_ID };
  });

  fake.url = (await app.listen({ host: '127.0.0.1', port: 0 })).replace(/\/$/, '');
  return fake;
}

/** A browser's cookie jar over inject(). */
class Browser {
  readonly cookies = new Map<string, string>();

  constructor(readonly app: FastifyInstance) {}

  async request(method: 'GET' | 'POST', url: string, form?: Record<string, string>) {
    const response = await this.app.inject({
      method,
      url,
      cookies: Object.fromEntries(this.cookies),
      ...(form && { payload: new URLSearchParams(form).toString() }),
      ...(form && { headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    });
    for (const cookie of response.cookies) {
      const cleared = cookie.maxAge === 0 || (cookie.expires && cookie.expires.getTime() <= Date.now());
      if (cleared || cookie.value === '') this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return response;
  }

  get(url: string) {
    return this.request('GET', url);
  }
}

/** /login → the fake authorization endpoint → the URL it sends the browser back to. */
async function authorize(browser: Browser): Promise<URL> {
  const login = await browser.get('/login');
  expect(login.statusCode).toBe(302);
  const answer = await fetch(login.headers.location as string, { redirect: 'manual' });
  expect(answer.status).toBe(302);
  return new URL(answer.headers.get('location') as string);
}

function pathOf(url: URL): string {
  return url.pathname + url.search;
}

async function signIn(browser: Browser): Promise<LightMyRequestResponse> {
  const callback = await browser.get(pathOf(await authorize(browser)));
  expect(callback.statusCode).toBe(302);
  expect(callback.headers.location).toBe('/profile');
  return callback;
}

/** The HTML of the profile page's section whose heading has this id. */
function section(page: string, id: string): string {
  const start = page.indexOf(`<h2 id="${id}">`);
  if (start < 0) throw new Error(`no section ${id} on the page`);
  return page.slice(start, page.indexOf('</section>', start));
}

/** The table row of one claim, in a section of the profile page. */
function claimRow(html: string, claim: string): string {
  const match = new RegExp(`<tr><th scope="row"><code>${claim}</code></th>.*?</tr>`).exec(html);
  if (!match) throw new Error(`no row for the claim ${claim}`);
  return match[0];
}

function csrfOf(page: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(page);
  if (!match?.[1]) throw new Error('no CSRF token on the page');
  return match[1];
}

describe('example client', () => {
  let fake: FakeServer;
  const apps: FastifyInstance[] = [];

  const newClient = async (overrides: Partial<ExampleClientOptions> = {}) => {
    const app = await createExampleClient({
      issuer: fake.url,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      baseUrl: BASE_URL,
      apiUrl: `${fake.url}/api/me`,
      sessionDbPath: ':memory:',
      ...overrides,
    });
    apps.push(app);
    return { app, browser: new Browser(app) };
  };

  beforeAll(async () => {
    fake = await startFakeServer();
  });

  beforeEach(() => {
    fake.behaviour = defaultBehaviour();
    fake.tokenGrants = [];
    fake.apiTokens = [];
    fake.revoked = [];
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await fake.app.close();
  });

  it('signs in with PKCE and a nonce, and shows the ID token, UserInfo and the API answer on /profile', async () => {
    const { browser } = await newClient();
    const home = await browser.get('/');
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('href="/login"');
    expect(home.headers['content-security-policy']).toBe("default-src 'self'; frame-ancestors 'none'");

    const login = await browser.get('/login');
    expect(login.statusCode).toBe(302);
    const sessionCookie = login.cookies.find((cookie) => cookie.name === 'example_session');
    expect(sessionCookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(sessionCookie?.secure).toBeFalsy();
    expect(sessionCookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const authorizeUrl = new URL(login.headers.location as string);
    expect(authorizeUrl.origin + authorizeUrl.pathname).toBe(`${fake.url}/oauth/authorize`);
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeUrl.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(authorizeUrl.searchParams.get('state')).toBeTruthy();
    expect(authorizeUrl.searchParams.get('scope')).toBe('openid profile email');
    expect(authorizeUrl.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const loginCookie = browser.cookies.get('example_session');
    await signIn(browser);
    // A new session id after sign-in defeats session fixation.
    expect(browser.cookies.get('example_session')).not.toBe(loginCookie);
    expect(fake.tokenGrants).toEqual(['authorization_code']);

    const profile = await browser.get('/profile');
    expect(profile.statusCode).toBe(200);
    expect(profile.headers['cache-control']).toBe('no-store');
    expect(profile.body).toContain('&quot;username&quot;: &quot;alice&quot;');
    expect(profile.body).toContain('&quot;client_id&quot;: &quot;example-app&quot;');
    // The ID token's claims, with human times, and the UserInfo claims.
    const idToken = section(profile.body, 'id-token');
    expect(claimRow(idToken, 'sub')).toContain('<code>user-1</code>');
    expect(claimRow(idToken, 'aud')).toContain('<code>example-app</code>');
    expect(claimRow(idToken, 'nonce')).toContain(fake.lastAuthorize?.get('nonce') as string);
    for (const claim of ['iat', 'exp', 'auth_time']) {
      expect(claimRow(idToken, claim)).toMatch(
        /<code>\d+<\/code> <span class="muted">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/,
      );
    }
    const userInfo = section(profile.body, 'userinfo');
    expect(claimRow(userInfo, 'name')).toContain('Alice Example');
    expect(claimRow(userInfo, 'email')).toContain('alice@example.com');
    // The tokens never reach the browser, the ID token neither.
    for (const token of fake.apiTokens) expect(profile.body).not.toContain(token);
    expect(profile.body).not.toContain(fake.lastIdToken);

    const signedInHome = await browser.get('/');
    expect(signedInHome.body).toContain('href="/profile"');
    expect(signedInHome.body).toContain('action="/logout"');
  });

  it('without the openid scope, is a plain OAuth client: no nonce, ID token, UserInfo or logout at Latchkey', async () => {
    const { browser } = await newClient({ scope: 'profile email' });
    await signIn(browser);
    expect(fake.lastAuthorize?.get('scope')).toBe('profile email');
    expect(fake.lastAuthorize?.has('nonce')).toBe(false);
    const profile = await browser.get('/profile');
    expect(profile.statusCode).toBe(200);
    expect(profile.body).toContain('&quot;username&quot;: &quot;alice&quot;');
    expect(profile.body).not.toContain('id="id-token"');
    expect(profile.body).not.toContain('id="userinfo"');
    expect(profile.body).toContain('there is no ID token or UserInfo');
    const logout = await browser.request('POST', '/logout', { csrf: csrfOf(profile.body) });
    expect(logout.statusCode).toBe(303);
    expect(logout.headers.location).toBe('/');
    expect(fake.revoked).toHaveLength(1);
  });

  it('refuses an ID token whose nonce is not the one it sent', async () => {
    const { browser } = await newClient();
    fake.behaviour.idTokenNonce = 'a-nonce-from-another-login';
    const callback = await browser.get(pathOf(await authorize(browser)));
    expect(callback.statusCode).toBe(400);
    expect(callback.body).toContain('The sign-in answer was refused');
    expect(callback.body).toContain('unexpected ID Token &quot;nonce&quot; claim value');
    expect((await browser.get('/profile')).headers.location).toBe('/login');
  });

  it('refuses an ID token signed with a key the JWKS does not hold, and a missing ID token', async () => {
    const { browser } = await newClient();
    fake.behaviour.signWithForeignKey = true;
    const forged = await browser.get(pathOf(await authorize(browser)));
    expect(forged.statusCode).toBe(400);
    expect(forged.body).toContain('The sign-in answer was refused');
    expect(forged.body).toContain('JWT signature verification failed');

    fake.behaviour = { ...defaultBehaviour(), omitIdToken: true };
    const missing = await browser.get(pathOf(await authorize(browser)));
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('&quot;id_token&quot;');
    expect((await browser.get('/profile')).headers.location).toBe('/login');
  });

  it('shows a UserInfo answer about another user as a failure, not as the profile', async () => {
    const { browser } = await newClient();
    fake.behaviour.userInfoSub = 'someone-else';
    await signIn(browser);
    const profile = await browser.get('/profile');
    expect(profile.statusCode).toBe(200);
    expect(section(profile.body, 'userinfo')).toContain('The UserInfo request failed');
    expect(profile.body).not.toContain('Alice Example');
    expect(section(profile.body, 'id-token')).toContain('<code>user-1</code>');
  });

  it('escapes hostile claim values', async () => {
    const { browser } = await newClient();
    fake.behaviour.name = '</td><script>alert(1)</script>';
    await signIn(browser);
    const profile = await browser.get('/profile');
    expect(profile.body).not.toContain('<script>');
    expect(claimRow(section(profile.body, 'userinfo'), 'name')).toContain('&lt;/td&gt;&lt;script&gt;');
  });

  it('shows access_denied at /callback as its own page', async () => {
    const { browser } = await newClient();
    fake.behaviour.deny = { error: 'access_denied', description: 'The user said no' };
    const callback = await browser.get(pathOf(await authorize(browser)));
    expect(callback.statusCode).toBe(400);
    expect(callback.body).toContain('Access was denied');
    expect(callback.body).toContain('access_denied');
    expect(callback.body).toContain('The user said no');
    expect(fake.tokenGrants).toEqual([]);
  });

  it('escapes a hostile error_description', async () => {
    const { browser } = await newClient();
    fake.behaviour.deny = { error: '<b>x</b>', description: '<script>alert("pwned")</script>' };
    const callback = await browser.get(pathOf(await authorize(browser)));
    expect(callback.statusCode).toBe(400);
    expect(callback.body).not.toContain('<script>');
    expect(callback.body).not.toContain('<b>x</b>');
    expect(callback.body).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
    expect(callback.headers['content-security-policy']).toBe("default-src 'self'; frame-ancestors 'none'");
  });

  it('escapes hostile values from the API', async () => {
    const { browser } = await newClient();
    fake.behaviour.username = '</pre><script>alert(1)</script>';
    await signIn(browser);
    const profile = await browser.get('/profile');
    expect(profile.statusCode).toBe(200);
    expect(profile.body).not.toContain('<script>');
    expect(profile.body).toContain('&lt;/pre&gt;&lt;script&gt;');
  });

  it('reports a callback without a code', async () => {
    const { browser } = await newClient();
    const back = await authorize(browser);
    back.searchParams.delete('code');
    const callback = await browser.get(pathOf(back));
    expect(callback.statusCode).toBe(400);
    expect(callback.body).toContain('No authorization code');
  });

  it('rejects a wrong state, and the real answer still completes the login', async () => {
    const { browser } = await newClient();
    const back = await authorize(browser);
    const forged = new URL(back);
    forged.searchParams.set('state', 'forged-state');
    const callback = await browser.get(pathOf(forged));
    expect(callback.statusCode).toBe(400);
    expect(callback.body).toContain('State mismatch');
    expect(fake.tokenGrants).toEqual([]);

    const real = await browser.get(pathOf(back));
    expect(real.statusCode).toBe(302);
    expect(real.headers.location).toBe('/profile');
  });

  it('rejects a callback when no login is in progress, and a replayed callback', async () => {
    const { browser } = await newClient();
    const back = await authorize(browser);
    const stranger = new Browser(browser.app);
    const noSession = await stranger.get(pathOf(back));
    expect(noSession.statusCode).toBe(400);
    expect(noSession.body).toContain('No login in progress');

    expect((await browser.get(pathOf(back))).statusCode).toBe(302);
    const replay = await browser.get(pathOf(back));
    expect(replay.statusCode).toBe(400);
    expect(replay.body).toContain('No login in progress');
  });

  it('refuses a login left unfinished for too long', async () => {
    let clock = Date.now();
    const { browser } = await newClient({ now: () => clock });
    const back = await authorize(browser);
    clock += 11 * 60 * 1000;
    const callback = await browser.get(pathOf(back));
    expect(callback.statusCode).toBe(400);
    expect(callback.body).toContain('No login in progress');
  });

  it('marks the session cookie Secure when the app is served over https', async () => {
    const { browser } = await newClient({ baseUrl: 'https://app.example' });
    const login = await browser.get('/login');
    expect(new URL(login.headers.location as string).searchParams.get('redirect_uri')).toBe(
      'https://app.example/callback',
    );
    expect(login.cookies.find((cookie) => cookie.name === 'example_session')?.secure).toBe(true);
  });

  it('rejects a response from an unexpected issuer (RFC 9207)', async () => {
    const { browser } = await newClient();
    fake.behaviour.iss = 'https://evil.example';
    const callback = await browser.get(pathOf(await authorize(browser)));
    expect(callback.statusCode).toBe(400);
    expect(callback.body).toContain('Unexpected issuer');
    expect(fake.tokenGrants).toEqual([]);
  });

  it('shows the token endpoint error when the exchange fails', async () => {
    const { browser } = await newClient();
    fake.behaviour.failExchange = true;
    const callback = await browser.get(pathOf(await authorize(browser)));
    expect(callback.statusCode).toBe(400);
    expect(callback.body).toContain('Could not complete sign-in');
    expect(callback.body).toContain('invalid_grant');
    expect(callback.body).toContain('code is invalid');
  });

  it('shows invalid_client when the client secret is wrong', async () => {
    const { browser } = await newClient({ clientSecret: 'wrong' });
    const callback = await browser.get(pathOf(await authorize(browser)));
    expect(callback.statusCode).toBe(400);
    expect(callback.body).toContain('invalid_client');
  });

  it('redirects /profile to /login without a session', async () => {
    const { browser } = await newClient();
    const profile = await browser.get('/profile');
    expect(profile.statusCode).toBe(302);
    expect(profile.headers.location).toBe('/login');
  });

  it('refreshes once when the API answers 401, then retries', async () => {
    const { browser } = await newClient();
    await signIn(browser);
    fake.accessTokens.clear();
    const profile = await browser.get('/profile');
    expect(profile.statusCode).toBe(200);
    expect(profile.body).toContain('&quot;sub&quot;: &quot;user-1&quot;');
    expect(fake.tokenGrants).toEqual(['authorization_code', 'refresh_token']);
    expect(fake.apiTokens).toHaveLength(2);
    expect(fake.apiTokens[0]).not.toBe(fake.apiTokens[1]);

    // The rotated tokens were stored: the next visit needs no refresh.
    expect((await browser.get('/profile')).statusCode).toBe(200);
    expect(fake.tokenGrants).toEqual(['authorization_code', 'refresh_token']);
  });

  it('refreshes before calling the API once the access token has expired', async () => {
    let clock = Date.now();
    const { browser } = await newClient({ now: () => clock });
    await signIn(browser);
    clock += 3600 * 1000;
    const profile = await browser.get('/profile');
    expect(profile.statusCode).toBe(200);
    expect(fake.tokenGrants).toEqual(['authorization_code', 'refresh_token']);
    expect(fake.apiTokens).toHaveLength(1);
  });

  it('drops the tokens and sends the user to /login when the refresh fails', async () => {
    const { browser } = await newClient();
    await signIn(browser);
    fake.accessTokens.clear();
    fake.refreshTokens.clear();
    const profile = await browser.get('/profile');
    expect(profile.statusCode).toBe(302);
    expect(profile.headers.location).toBe('/login');
    const home = await browser.get('/');
    expect(home.body).toContain('href="/login"');
    expect(home.body).not.toContain('action="/logout"');
  });

  it('shows a 502 page when Latchkey is unreachable', async () => {
    const closed = Fastify();
    const address = await closed.listen({ host: '127.0.0.1', port: 0 });
    await closed.close();
    const { browser } = await newClient({ issuer: address.replace(/\/$/, '') });
    const login = await browser.get('/login');
    expect(login.statusCode).toBe(502);
    expect(login.body).toContain(`Could not reach Latchkey at ${address.replace(/\/$/, '')}`);
    expect(browser.cookies.size).toBe(0);
  });

  it('tries discovery again after a failure', async () => {
    const { browser } = await newClient();
    fake.behaviour.metadataStatus = 503;
    const failed = await browser.get('/login');
    expect(failed.statusCode).toBe(502);
    expect(failed.body).toContain('Could not reach Latchkey at');
    fake.behaviour.metadataStatus = 200;
    expect((await browser.get('/login')).statusCode).toBe(302);
  });

  it('logs out with the CSRF token: revokes, destroys the session, then ends the one at Latchkey', async () => {
    const { browser } = await newClient();
    await signIn(browser);
    const oldSession = browser.cookies.get('example_session') as string;
    const csrf = csrfOf((await browser.get('/')).body);

    const forged = await browser.request('POST', '/logout', { csrf: 'wrong' });
    expect(forged.statusCode).toBe(403);
    const missing = await browser.request('POST', '/logout', {});
    expect(missing.statusCode).toBe(403);
    expect((await browser.get('/profile')).statusCode).toBe(200);

    const logout = await browser.request('POST', '/logout', { csrf });
    expect(logout.statusCode).toBe(303);
    // RP-Initiated Logout §2: to the end_session_endpoint, with the ID token as hint.
    const endSession = new URL(logout.headers.location as string);
    expect(endSession.origin + endSession.pathname).toBe(`${fake.url}/oauth/end-session`);
    expect(endSession.searchParams.get('id_token_hint')).toBe(fake.lastIdToken);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${BASE_URL}/`);
    expect(endSession.searchParams.get('client_id')).toBe(CLIENT_ID);
    const state = endSession.searchParams.get('state') as string;
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(logout.cookies.find((cookie) => cookie.name === 'example_logout')).toMatchObject({
      value: state,
      httpOnly: true,
      sameSite: 'Lax',
      path: '/',
      maxAge: 600,
    });
    expect(browser.cookies.has('example_session')).toBe(false);
    expect(fake.revoked).toHaveLength(1);

    // The old id is dead on the server, not just forgotten by the browser.
    browser.cookies.set('example_session', oldSession);
    const profile = await browser.get('/profile');
    expect(profile.statusCode).toBe(302);
    expect(profile.headers.location).toBe('/login');
    browser.cookies.delete('example_session');

    // Back from Latchkey: only this browser's own state earns the note, and only once.
    expect((await browser.get('/?state=forged')).body).not.toContain('You are signed out');
    const back = await browser.get(`/?state=${state}`);
    expect(back.statusCode).toBe(200);
    expect(back.body).toContain('You are signed out.');
    expect(back.body).toContain('href="/login"');
    expect(browser.cookies.has('example_logout')).toBe(false);
    expect((await browser.get(`/?state=${state}`)).body).not.toContain('You are signed out');
  });

  it('logs out locally only when Latchkey has no end_session_endpoint', async () => {
    fake.behaviour.endSessionEndpoint = false;
    const { browser } = await newClient();
    await signIn(browser);
    const logout = await browser.request('POST', '/logout', { csrf: csrfOf((await browser.get('/')).body) });
    expect(logout.statusCode).toBe(303);
    expect(logout.headers.location).toBe('/');
    expect(logout.cookies.find((cookie) => cookie.name === 'example_logout')).toBeUndefined();
    expect(browser.cookies.has('example_session')).toBe(false);
    expect(fake.revoked).toHaveLength(1);
  });

  it('never answers garbage with a 500', async () => {
    const { app, browser } = await newClient();
    await authorize(browser);
    const requests: InjectOptions[] = [
      { url: '/callback?code=a&code=b&state=x' },
      { url: '/callback?code=%E0%A4%A&state=%' },
      { url: '/callback?error=' },
      { url: '/callback?code=x&state=' },
      { url: '/profile', cookies: { example_session: 'tampered' } },
      { url: '/profile', cookies: { example_session: 'A'.repeat(43) } },
      { url: '/', headers: { cookie: 'example_session=%%%; ;;=' } },
      { url: '/?state=a&state=b', headers: { cookie: 'example_logout=a' } },
      { url: '/?state[x]=1' },
      {
        url: '/logout',
        method: 'POST',
        payload: '{"csrf":1}',
        headers: { 'content-type': 'application/json' },
      },
      { url: '/logout', method: 'POST', payload: 'x', headers: { 'content-type': 'text/plain' } },
      {
        url: '/logout',
        method: 'POST',
        payload: 'csrf=a&csrf=b',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
      { url: '/nowhere' },
    ];
    for (const request of requests) {
      const own = request.cookies || request.headers?.cookie;
      const cookies = own ? {} : { cookies: Object.fromEntries(browser.cookies) };
      const response = await app.inject({ ...request, ...cookies });
      expect(response.statusCode, String(request.url)).toBeLessThan(500);
    }
    const css = await browser.get('/style.css');
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toContain('text/css');
  });
});
