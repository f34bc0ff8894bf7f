/**
 * A host that signs users in itself (getCurrentUser + loginUrl), over real HTTP on the engine
 * under test: prompt=login / max_age=0 judged by the host's authTime (its session id may stay the
 * same, or be absent), no login loop, refused host users under prompt=none and at logout, an
 * adapter that throws, and what the ID token says about the host's session (sid, amr).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../../test/helpers/browser.js';
import { freshDatabaseUrl } from '../../test/helpers/database.js';
import { authorizeUrl, exchangeCode, pkcePair } from '../../test/helpers/flow.js';
import { type AccountAdapter, type AuthServer, type CurrentUser, createAuthServer } from '../index.js';
import { fakeClock } from '../protocol/clock.js';

const REDIRECT_URI = 'http://127.0.0.1:5996/callback';
const ALICE = { id: 'host-alice', username: 'alice', claims: { name: 'Alice' } };

let running: { server: AuthServer; http: Server; dir: string } | null = null;
afterEach(async () => {
  if (!running) return;
  await new Promise((resolve) => running!.http.close(resolve));
  await running.server.close();
  rmSync(running.dir, { recursive: true, force: true });
  running = null;
});

/** A host whose session is `host.current`, which each test signs in and out by assignment. */
async function startHost(overrides: Partial<AccountAdapter> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-host-'));
  const http = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  const clock = fakeClock(Math.floor(Date.now() / 1000));
  const host = { current: null as CurrentUser | null, signOuts: 0, logs: [] as string[] };
  const server = await createAuthServer({
    config: { issuer },
    database: await freshDatabaseUrl(dir),
    clock,
    logger: { level: 'info', stream: { write: (line: string) => host.logs.push(line) } } as never,
    accounts: {
      findAccount: (id) => (id === ALICE.id ? ALICE : null),
      getCurrentUser: () => host.current,
      loginUrl: (returnTo, { reauthenticate }) =>
        `/host-login?next=${encodeURIComponent(returnTo)}${reauthenticate ? '&fresh=1' : ''}`,
      signOut: () => {
        host.signOuts++;
        host.current = null;
      },
      ...overrides,
    },
  });
  http.on('request', server.handler);
  running = { server, http, dir };
  const { client, clientSecret } = await server.registerClient({
    client_name: 'Host app',
    redirect_uris: [REDIRECT_URI],
    scope: 'openid profile',
  });
  const pkce = pkcePair();
  const url = (extra: Record<string, string> = {}) =>
    authorizeUrl({
      issuer,
      clientId: client.clientId,
      redirectUri: REDIRECT_URI,
      scope: 'openid profile',
      state: 'st',
      challenge: pkce.challenge,
      extra,
    });
  const redeem = (code: string) =>
    exchangeCode(
      issuer,
      { clientId: client.clientId, clientSecret },
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: pkce.verifier,
      },
    );
  return { issuer, server, clock, host, url, redeem, browser: new TestBrowser() };
}

/** Allows the consent page the browser is on, and returns the client's callback. */
async function allow(browser: TestBrowser, page: { text: string; url: string }) {
  const csrf = /name="csrf_token" value="([^"]+)"/.exec(page.text)![1]!;
  const answer = await browser.post(`${page.url}/consent`, {
    csrf_token: csrf,
    decision: 'allow',
  });
  return new URL(answer.location!);
}

describe('prompt=login and max_age=0 with the host’s session', () => {
  for (const sessionId of ['kept-across-sign-ins', undefined]) {
    it(`accepts a fresh host sign-in (session id ${sessionId ? 'kept' : 'absent'}) instead of looping`, async () => {
      const { issuer, clock, host, url, browser } = await startHost();
      host.current = { accountId: ALICE.id, authTime: clock.now() - 600, sessionId };
      clock.advance(5);
      for (const extra of [{ prompt: 'login' }, { max_age: '0' }] as Record<string, string>[]) {
        const start = await browser.get(url(extra));
        const interaction = new URL(start.location!, issuer).href;
        const toLogin = await browser.get(interaction);
        // The host is asked for a fresh sign-in, and gets the way back.
        expect(toLogin.location).toBe(
          `/host-login?next=${encodeURIComponent(new URL(interaction).pathname)}&fresh=1`,
        );
        clock.advance(3);
        // The host signs the user in again; its session id (or none) stays what it was.
        host.current = { accountId: ALICE.id, authTime: clock.now(), sessionId };
        const next = await browser.get(interaction);
        // The consent page the first time; consented already the second time, so straight back.
        const callback =
          next.status === 200 ? await allow(browser, next) : new URL(next.location ?? 'about:blank');
        expect(callback.searchParams.get('code')).toBeTruthy();
        clock.advance(5);
      }
    });
  }

  it('answers login_required when the browser comes back from the host without a fresh sign-in', async () => {
    const { issuer, clock, host, url, browser } = await startHost();
    host.current = { accountId: ALICE.id, authTime: clock.now() - 600, sessionId: 's' };
    clock.advance(5);
    const interaction = new URL((await browser.get(url({ prompt: 'login' }))).location!, issuer).href;
    expect((await browser.get(interaction)).location).toMatch(/^\/host-login\?/);
    // A host that ignores `reauthenticate` sends the browser straight back: no second trip.
    const back = await browser.get(interaction);
    expect(back.status).toBe(302);
    const callback = new URL(back.location!);
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('error')).toBe('login_required');
    expect(callback.searchParams.get('state')).toBe('st');
    // The interaction is used up.
    expect((await browser.get(interaction)).status).toBe(400);

    // The same when nobody signs in at all.
    host.current = null;
    const second = new URL((await browser.get(url())).location!, issuer).href;
    expect((await browser.get(second)).location).toMatch(/^\/host-login\?next=/);
    const gaveUp = new URL((await browser.get(second)).location!);
    expect(gaveUp.searchParams.get('error')).toBe('login_required');
  });

  it('still sends the browser to the host’s login after “Not you?” on the consent page', async () => {
    const { issuer, clock, host, url, browser } = await startHost();
    const interaction = new URL((await browser.get(url())).location!, issuer).href;
    expect((await browser.get(interaction)).location).toMatch(/^\/host-login\?/);
    host.current = { accountId: ALICE.id, authTime: clock.now(), sessionId: 's' };
    const consent = await browser.get(interaction);
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(consent.text)![1]!;
    await browser.post(`${interaction}/logout`, { csrf_token: csrf });
    expect(host.signOuts).toBe(1);
    expect((await browser.get(interaction)).location).toMatch(/^\/host-login\?/);
  });
});

describe('a host user who may not use apps here, and an adapter that fails', () => {
  it('redirects access_denied under prompt=none, shows a 403 page otherwise', async () => {
    const { issuer, clock, host, url, browser } = await startHost();
    host.current = { accountId: 'deleted-user', authTime: clock.now(), sessionId: 's' };
    const silent = await browser.get(url({ prompt: 'none' }));
    const callback = new URL(silent.location!);
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe('st');
    const page = await browser.get(url());
    expect(page.status).toBe(403);
    expect(page.text).toContain('cannot sign in to apps');
    expect(issuer).toBeTruthy();
  });

  it('signs a refused host user out at RP-initiated logout, calling the host’s signOut', async () => {
    const { issuer, clock, host, browser } = await startHost();
    host.current = { accountId: 'deleted-user', authTime: clock.now(), sessionId: 's' };
    const page = await browser.get(`${issuer}/oauth/end-session`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('You have signed out.');
    expect(host.signOuts).toBe(1);
  });

  it('redirects server_error to the client when getCurrentUser throws, and logs it', async () => {
    const { host, url, browser } = await startHost({
      getCurrentUser: () => {
        throw new Error('session store down');
      },
    });
    for (const extra of [{ prompt: 'none' }, {}] as Record<string, string>[]) {
      const answer = await browser.get(url(extra));
      expect(answer.status).toBe(302);
      const callback = new URL(answer.location!);
      expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
      expect(callback.searchParams.get('error')).toBe('server_error');
      expect(callback.searchParams.get('state')).toBe('st');
      expect(answer.location).not.toContain('session store down');
    }
    expect(host.logs.join('')).toContain('session store down');
  });

  it('never redirects for an invalid request, even when the adapter throws', async () => {
    const { issuer, browser } = await startHost({
      getCurrentUser: () => {
        throw new Error('session store down');
      },
    });
    const page = await browser.get(
      `${issuer}/oauth/authorize?response_type=code&client_id=nobody&redirect_uri=${encodeURIComponent('https://evil.example/cb')}&prompt=none`,
    );
    expect(page.status).toBe(400);
    expect(page.location).toBeNull();
  });
});

describe('the ID token of a host session', () => {
  it('carries no amr, and a sid keyed with a server secret that does not reveal the host session id', async () => {
    const { clock, host, url, redeem, browser, issuer } = await startHost();
    host.current = { accountId: ALICE.id, authTime: clock.now(), sessionId: 'host-session-42' };
    const consent = await browser.follow(await browser.get(url()), issuer);
    const tokens = await redeem((await allow(browser, consent)).searchParams.get('code')!);
    expect(tokens.status).toBe(200);
    const claims = decodeJwt(tokens.body.id_token as string);
    expect(claims.sub).toBe(ALICE.id);
    expect(claims.amr).toBeUndefined();
    expect(claims.auth_time).toBe(host.current.authTime);
    const unkeyed = createHash('sha256').update('latchkey sid|host-session-42').digest('base64url');
    expect(typeof claims.sid).toBe('string');
    expect(claims.sid).not.toBe(unkeyed);
    expect(String(claims.sid)).not.toContain('host-session-42');
  });
});
