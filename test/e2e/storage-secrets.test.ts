/**
 * DESIGN.md: "Tokens, codes and client secrets … the store keeps only their SHA-256 digests. User
 * passwords use argon2id." After a full flow, no plaintext secret appears anywhere in the SQLite
 * file or its write-ahead log — not in a table, not in an index, not in a free page — while the
 * digests are where they belong. On PostgreSQL, whose files are the server's, every value of every
 * row of every table is searched instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { csrfToken } from '../helpers/browser.js';
import { TEST_ENGINE } from '../helpers/database.js';
import { exchangeCode, pkcePair } from '../helpers/flow.js';
import {
  asTestClient,
  basic,
  callApi,
  expectNoServerErrors,
  REDIRECT_URI,
  type RegisteredTestClient,
  reachLogin,
  sha256,
  startLoggedServer,
  watchStatuses,
  withDb,
} from '../helpers/negative.js';
import { createClient, createUser, PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
let restoreFetch: () => void;
let client: RegisteredTestClient;

beforeAll(async () => {
  restoreFetch = watchStatuses();
  t = await startTestServer();
  client = asTestClient(await createClient(t));
  await createUser(t, 'alice');
});
afterAll(async () => {
  await t.close();
  restoreFetch();
});
// "No request in the suite gets a 5xx."
afterEach(() => expectNoServerErrors());

/** Every row of every table, as JSON lines. */
async function allRows(): Promise<string> {
  return withDb(t, async (db) => {
    const lines: string[] = [];
    for (const name of await db.tables()) {
      for (const row of await db.prepare(`SELECT * FROM "${name}"`).all()) lines.push(JSON.stringify(row));
    }
    return lines.join('\n');
  });
}

/**
 * On SQLite, the raw bytes of the database and its WAL (where recent commits live until a
 * checkpoint). On PostgreSQL, every row of every table (the server's files are not ours to read).
 */
async function databaseBytes(): Promise<Buffer> {
  if (TEST_ENGINE === 'postgres') return Buffer.from(await allRows(), 'utf8');
  const files = [t.dbPath, `${t.dbPath}-wal`, `${t.dbPath}-journal`].filter((f) => existsSync(f));
  return Buffer.concat(files.map((f) => readFileSync(f)));
}

/** Every text value of every row of every table. */
async function allCells(): Promise<{ table: string; column: string; value: string }[]> {
  return withDb(t, async (db) => {
    const cells: { table: string; column: string; value: string }[] = [];
    for (const name of await db.tables()) {
      for (const row of await db.prepare(`SELECT * FROM "${name}"`).all()) {
        for (const [column, value] of Object.entries(row)) {
          if (typeof value === 'string') cells.push({ table: name, column, value });
        }
      }
    }
    return cells;
  });
}

interface FlowSecrets {
  code: string;
  firstCode: string;
  challenge: string;
  accessToken: string;
  refreshToken: string;
  accessToken2: string;
  refreshToken2: string;
  sessionId: string;
  /** Every plaintext secret of the flow, by name. */
  all: Record<string, string>;
}

/** A full flow on `server`: sign in, consent, two codes, tokens, an API call, a refresh. */
async function fullFlow(server: TestServer, c: RegisteredTestClient, username: string): Promise<FlowSecrets> {
  const { verifier, challenge } = pkcePair();
  const login = await reachLogin(server, c);
  const { browser } = login;
  const afterLogin = await browser.follow(
    await browser.post(`${login.interaction}/login`, {
      csrf_token: csrfToken(login.page.text),
      username,
      password: PASSWORD,
    }),
    server.url,
  );
  const consentDone = await browser.post(`${login.interaction}/consent`, {
    csrf_token: csrfToken(afterLogin.text),
    decision: 'allow',
  });
  expect(consentDone.status).toBe(303);
  // reachLogin used its own challenge; a second authorization in the signed-in browser uses ours,
  // so that the verifier is known here.
  const again = await browser.get(
    `${server.url}/oauth/authorize?response_type=code&client_id=${c.clientId}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&code_challenge=${challenge}&code_challenge_method=S256&state=s`,
  );
  expect(again.status).toBe(302);
  const firstCode = new URL(consentDone.location!).searchParams.get('code')!;
  const code = new URL(again.location!).searchParams.get('code')!;
  const sessionId = browser.cookie('lk_session')!;
  const browserSecret = browser.cookie('lk_browser')!;
  expect(sessionId).toBeTruthy();
  expect(browserSecret).toBeTruthy();

  const token = await exchangeCode(server.url, c, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: verifier,
  });
  expect(token.status).toBe(200);
  const accessToken = token.body.access_token as string;
  const refreshToken = token.body.refresh_token as string;
  expect((await callApi(server, `Bearer ${accessToken}`)).status).toBe(200);
  const refreshed = await exchangeCode(server.url, c, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
  });
  expect(refreshed.status).toBe(200);
  const accessToken2 = refreshed.body.access_token as string;
  const refreshToken2 = refreshed.body.refresh_token as string;

  return {
    code,
    firstCode,
    challenge,
    accessToken,
    refreshToken,
    accessToken2,
    refreshToken2,
    sessionId,
    all: {
      'authorization code': code,
      'first authorization code': firstCode,
      'access token': accessToken,
      'refresh token': refreshToken,
      'rotated access token': accessToken2,
      'rotated refresh token': refreshToken2,
      'client secret': c.clientSecret!,
      'user password': PASSWORD,
      'session cookie': sessionId,
      'browser (CSRF) cookie': browserSecret,
      'PKCE code_verifier': verifier,
    },
  };
}

describe('secrets at rest', () => {
  it('stores no plaintext token, code, secret, password or session id — only their digests', async () => {
    const flow = await fullFlow(t, client, 'alice');
    const { code, firstCode, challenge, accessToken, refreshToken, accessToken2, refreshToken2, sessionId } =
      flow;
    const secrets = flow.all;

    // Nowhere in the bytes of the .db or .db-wal file…
    const bytes = await databaseBytes();
    expect(bytes.length).toBeGreaterThan(0);
    for (const [what, value] of Object.entries(secrets)) {
      expect({ what, found: bytes.includes(Buffer.from(value, 'utf8')) }).toEqual({ what, found: false });
    }
    // …and in no cell of any table (as a substring either).
    const cells = await allCells();
    for (const [what, value] of Object.entries(secrets)) {
      const hits = cells.filter((c) => c.value.includes(value)).map((c) => `${c.table}.${c.column}`);
      expect({ what, hits }).toEqual({ what, hits: [] });
    }

    // The digests are where they belong.
    const digestsIn = async (sql: string) =>
      withDb(t, async (db) => (await db.prepare(sql).all<{ d: string }>()).map((r) => r.d));
    const tokenDigests = await digestsIn('SELECT token_digest AS d FROM tokens');
    for (const value of [accessToken, refreshToken, accessToken2, refreshToken2]) {
      expect(tokenDigests).toContain(sha256(value));
    }
    const codeDigests = await digestsIn('SELECT code_digest AS d FROM authorization_codes');
    expect(codeDigests).toContain(sha256(code));
    expect(codeDigests).toContain(sha256(firstCode));
    expect(await digestsIn('SELECT secret_digest AS d FROM clients')).toContain(sha256(client.clientSecret!));
    expect(await digestsIn('SELECT id_digest AS d FROM sessions')).toContain(sha256(sessionId));
    // The code's PKCE binding is the challenge, never the verifier.
    expect(await digestsIn('SELECT code_challenge AS d FROM authorization_codes')).toContain(challenge);
    // And they are in the file's bytes too, so the byte search above did look at the live data.
    for (const value of [accessToken, refreshToken2, code, client.clientSecret!, sessionId]) {
      expect(bytes.includes(Buffer.from(sha256(value), 'utf8'))).toBe(true);
    }

    // Passwords: argon2id, salted, never the plaintext or an unsalted digest.
    const hashes = await digestsIn('SELECT password_hash AS d FROM users');
    expect(hashes).toHaveLength(1);
    expect(hashes[0]).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(bytes.includes(Buffer.from(sha256(PASSWORD)))).toBe(false);
    expect(bytes.includes(Buffer.from(Buffer.from(PASSWORD).toString('base64')))).toBe(false);
  });
});

describe('secrets in the log', () => {
  it('logs no token, code, secret, password or session id, even at trace level and on failures', async () => {
    const logged = await startLoggedServer();
    try {
      await createUser(logged, 'bob');
      const c = asTestClient(await createClient(logged));
      const flow = await fullFlow(logged, c, 'bob');
      // Failures too: a wrong password, a wrong secret, a replayed code, a reused refresh token,
      // and a revoked token at the API.
      const login = await reachLogin(logged, c);
      await login.browser.post(`${login.interaction}/login`, {
        csrf_token: csrfToken(login.page.text),
        username: 'bob',
        password: `${PASSWORD}!`,
      });
      await exchangeCode(
        logged.url,
        { clientId: c.clientId, clientSecret: `${c.clientSecret}x` },
        {
          grant_type: 'refresh_token',
          refresh_token: flow.refreshToken2,
        },
      );
      const replay = await exchangeCode(logged.url, c, {
        grant_type: 'authorization_code',
        code: flow.code,
        redirect_uri: REDIRECT_URI,
      });
      expect(replay.body.error).toBe('invalid_grant');
      await exchangeCode(logged.url, c, { grant_type: 'refresh_token', refresh_token: flow.refreshToken });
      expect((await callApi(logged, `Bearer ${flow.accessToken2}`)).status).toBe(401);

      const log = logged.logLines.join('');
      expect(log).toContain('incoming request');
      const wrongPassword = `${PASSWORD}!`;
      const basicCredentials = basic(c.clientId, c.clientSecret!).slice('Basic '.length);
      const extra = { 'wrong password': wrongPassword, 'Basic credentials': basicCredentials };
      for (const [what, value] of Object.entries({ ...flow.all, ...extra })) {
        expect({ what, found: log.includes(value) }).toEqual({ what, found: false });
      }
    } finally {
      await logged.close();
    }
  });
});
