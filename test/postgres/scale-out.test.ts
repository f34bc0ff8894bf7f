/**
 * Two Latchkey processes on one PostgreSQL, as behind a load balancer (issue 6): every piece of
 * state is shared, and every single-instance rule — one use per code, refresh rotation,
 * revocation, login throttling, signing keys — holds across them.
 */
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthServer } from '../../src/index.js';
import { csrfToken, formAction, TestBrowser } from '../helpers/browser.js';
import { freshPostgresUrl } from '../helpers/database.js';
import { pkcePair } from '../helpers/flow.js';
import { PASSWORD } from '../helpers/server.js';
import { ensureBuilt, freePort, type Instance, startInstance } from './instances.js';

const REDIRECT_URI = 'http://127.0.0.1:5999/callback';

let a: Instance;
let b: Instance;
let issuer: string;
let client: { client_id: string; client_secret: string };

function basic(): string {
  return `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`;
}

async function post(base: string, path: string, form: Record<string, string>) {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic() },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string | boolean> };
}

beforeAll(async () => {
  ensureBuilt();
  const databaseUrl = await freshPostgresUrl();
  // Both instances answer for one issuer: the load balancer's address (here, instance A's port).
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  const setup = await createAuthServer({
    config: { databaseUrl, issuer, logLevel: 'silent' },
    logger: false,
  });
  await setup.createUser({ username: 'alice', password: PASSWORD });
  const registered = await setup.registerClient({
    client_name: 'Scale-out App',
    redirect_uris: [REDIRECT_URI],
    scope: 'openid profile',
    grant_types: ['authorization_code', 'refresh_token'],
  });
  client = { client_id: registered.client.clientId, client_secret: registered.clientSecret! };
  await setup.close();
  const env = { LATCHKEY_DATABASE_URL: databaseUrl, LATCHKEY_ISSUER: issuer };
  const started = await Promise.allSettled([
    startInstance(env, port),
    startInstance({ ...env, LATCHKEY_THROTTLE_MAX_FAILURES_PER_ACCOUNT: '3' }),
  ]);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    // Stop the one that did start before failing the suite.
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : null)));
    throw failed.reason;
  }
  [a, b] = started.map((s) => (s as PromiseFulfilledResult<Instance>).value) as [Instance, Instance];
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

/**
 * Authorize on one instance, sign in on the other, consent on the first: the interaction and the
 * session live in the database, not in either process.
 */
async function codeAcrossInstances(first: Instance = a, second: Instance = b, browser = new TestBrowser()) {
  const pkce = pkcePair();
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile',
    state: 'st',
    nonce: 'n-1',
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
  });
  let page = await browser.follow(await browser.get(`${first.url}/oauth/authorize?${query}`), first.url);
  if (page.text.includes('name="password"')) {
    const action = new URL(formAction(page.text, '/login'), second.url).toString();
    page = await browser.post(action, {
      csrf_token: csrfToken(page.text),
      username: 'alice',
      password: PASSWORD,
    });
    expect(page.status).toBe(303);
    const next = new URL(page.location!, first.url);
    if (next.origin !== new URL(REDIRECT_URI).origin) {
      page = await browser.follow(await browser.get(next.toString()), first.url);
    }
  }
  if (page.text.includes('name="decision"')) {
    page = await browser.post(new URL(formAction(page.text, '/consent'), first.url).toString(), {
      csrf_token: csrfToken(page.text),
      decision: 'allow',
    });
  }
  const redirect = new URL(page.location ?? '');
  expect(redirect.origin + redirect.pathname).toBe(REDIRECT_URI);
  return { code: redirect.searchParams.get('code')!, verifier: pkce.verifier, browser };
}

describe('two instances on one PostgreSQL', () => {
  it('share the flow: authorize on A, exchange on B, refresh on A, revoke on B, rejected on A', async () => {
    const { code, verifier } = await codeAcrossInstances();
    const exchange = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    };
    const tokens = await post(b.url, '/oauth/token', exchange);
    expect(tokens.status).toBe(200);
    expect(tokens.body.id_token).toEqual(expect.any(String));

    // The same code replayed on the other instance is refused.
    const replay = await post(a.url, '/oauth/token', exchange);
    expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // …and, being a replay, it revoked what the code had issued (RFC 9700 §4.13.2), on both.
    const afterReplay = await post(b.url, '/oauth/introspect', { token: tokens.body.access_token as string });
    expect(afterReplay.body.active).toBe(false);

    // A fresh flow for the rest.
    const second = await codeAcrossInstances();
    const issued = await post(b.url, '/oauth/token', {
      grant_type: 'authorization_code',
      code: second.code,
      redirect_uri: REDIRECT_URI,
      code_verifier: second.verifier,
    });
    expect(issued.status).toBe(200);
    const refreshed = await post(a.url, '/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: issued.body.refresh_token as string,
    });
    expect(refreshed.status).toBe(200);
    // The rotated refresh token is spent everywhere.
    const reuse = await post(b.url, '/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: issued.body.refresh_token as string,
    });
    expect(reuse).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });

    const third = await codeAcrossInstances();
    const live = await post(a.url, '/oauth/token', {
      grant_type: 'authorization_code',
      code: third.code,
      redirect_uri: REDIRECT_URI,
      code_verifier: third.verifier,
    });
    const accessToken = live.body.access_token as string;
    const me = await fetch(`${a.url}/api/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(me.status).toBe(200);
    const revoked = await fetch(`${b.url}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic() },
      body: new URLSearchParams({ token: accessToken }),
    });
    expect(revoked.status).toBe(200);
    const rejected = await fetch(`${a.url}/api/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(rejected.status).toBe(401);
    expect((await post(a.url, '/oauth/introspect', { token: accessToken })).body.active).toBe(false);
  });

  it('sign ID tokens that verify with the one JWK Set both publish', async () => {
    const [jwksA, jwksB] = await Promise.all(
      [a, b].map(async (i) => (await fetch(`${i.url}/.well-known/jwks.json`)).json()),
    );
    expect(jwksA).toEqual(jwksB);
    const keys = createLocalJWKSet(jwksA as Parameters<typeof createLocalJWKSet>[0]);
    for (const [authorizeOn, exchangeOn] of [
      [a, b],
      [b, a],
    ] as const) {
      const { code, verifier } = await codeAcrossInstances(authorizeOn, exchangeOn);
      const tokens = await post(exchangeOn.url, '/oauth/token', {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
      });
      const { payload } = await jwtVerify(tokens.body.id_token as string, keys, {
        issuer,
        audience: client.client_id,
      });
      expect(payload.nonce).toBe('n-1');
    }
  });

  it('count failed sign-ins together: the lockout one instance sets holds on the other', async () => {
    const failOn = async (instance: Instance) => {
      const browser = new TestBrowser();
      const login = await browser.get(`${instance.url}/login`);
      return browser.post(`${instance.url}/login`, {
        csrf_token: csrfToken(login.text),
        username: 'alice',
        password: 'wrong password',
      });
    };
    // B allows 3 failures per account; A the default 5. Failures on A count toward B's limit.
    await failOn(a);
    await failOn(a);
    await failOn(a);
    const browser = new TestBrowser();
    const login = await browser.get(`${b.url}/login`);
    const right = await browser.post(`${b.url}/login`, {
      csrf_token: csrfToken(login.text),
      username: 'alice',
      password: PASSWORD,
    });
    expect(right.status).toBe(429);
  });
});
