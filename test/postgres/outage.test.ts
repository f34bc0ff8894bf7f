/**
 * A database outage mid-traffic (issue 6): a TCP proxy between Latchkey and PostgreSQL is cut and
 * restored while clients keep asking for tokens. During the cut every answer is a 503 with a
 * spec-shaped body (JSON for APIs, a page for people), /healthz stays live and /readyz says not
 * ready; afterwards service resumes without a restart and no token issued before the cut is lost.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgresUrl } from '../helpers/database.js';
import { createClient, startTestServer, type TestServer } from '../helpers/server.js';

interface Proxy {
  port: number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** Forwards to PostgreSQL; while cut, drops every open connection and refuses new ones. */
async function startProxy(target: URL): Promise<Proxy> {
  const open = new Set<Socket>();
  let cut = false;
  const server: Server = createServer((socket) => {
    if (cut) {
      socket.destroy();
      return;
    }
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const s of [socket, upstream]) {
      open.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        open.delete(s);
        socket.destroy();
        upstream.destroy();
      });
    }
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    cut() {
      cut = true;
      for (const s of open) s.destroy();
    },
    restore() {
      cut = false;
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

let proxy: Proxy;
let t: TestServer;
let clientAuth: string;

beforeAll(async () => {
  const direct = new URL(await freshPostgresUrl());
  proxy = await startProxy(direct);
  const viaProxy = new URL(direct);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  // Short timeouts keep the test quick; the defaults (2 s to connect) behave the same, slower.
  t = await startTestServer({
    databaseUrl: viaProxy.toString(),
    database: { connectTimeoutMs: 500, statementTimeoutMs: 2000 },
  });
  const { client, clientSecret } = await createClient(t, {
    grant_types: ['client_credentials'],
    scope: 'api',
  });
  clientAuth = `Basic ${Buffer.from(`${client.clientId}:${clientSecret}`).toString('base64')}`;
});

afterAll(async () => {
  await t?.close();
  await proxy?.close();
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
  retryAfter: string | null;
  startedCut: boolean;
  endedCut: boolean;
}

let isCut = false;

async function token(): Promise<Answer> {
  const startedCut = isCut;
  const response = await fetch(`${t.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: clientAuth },
    body: 'grant_type=client_credentials&scope=api',
    // A hang would fail the test here rather than time it out silently.
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await response.json()) as Record<string, unknown>;
  return {
    status: response.status,
    body,
    retryAfter: response.headers.get('retry-after'),
    startedCut,
    endedCut: isCut,
  };
}

async function introspect(accessToken: string): Promise<boolean> {
  const response = await fetch(`${t.url}/oauth/introspect`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: clientAuth },
    body: new URLSearchParams({ token: accessToken }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { active: boolean }).active;
}

/** `workers` parallel loops of token requests until `enough` says stop. */
async function traffic(workers: number, enough: (answers: Answer[]) => boolean): Promise<Answer[]> {
  const answers: Answer[] = [];
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (!enough(answers)) answers.push(await token());
    }),
  );
  return answers;
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition never held');
}

describe('a PostgreSQL outage mid-traffic', () => {
  it('answers 503 during the cut and resumes by itself, keeping every token issued', async () => {
    // Background traffic throughout, so the cut lands on requests in flight.
    let stopped = false;
    const background = traffic(3, () => stopped);
    // Phase 1: traffic flows.
    const before = await traffic(6, (answers) => answers.length >= 60);
    expect(before.every((a) => a.status === 200)).toBe(true);

    // Phase 2: the database vanishes while requests keep coming.
    isCut = true;
    proxy.cut();
    const during = await traffic(6, (answers) => answers.length >= 60);
    const healthz = await fetch(`${t.url}/healthz`);
    const readyz = await fetch(`${t.url}/readyz`);
    const page = await fetch(
      `${t.url}/oauth/authorize?response_type=code&client_id=x&redirect_uri=http://127.0.0.1:5999/cb`,
    );
    const pageText = await page.text();

    // Phase 3: it comes back; no restart.
    proxy.restore();
    isCut = false;
    await until(async () => (await fetch(`${t.url}/readyz`)).status === 200);
    const after = await traffic(6, (answers) => answers.length >= 60);
    stopped = true;
    const throughout = await background;

    const inCut = during.filter((a) => a.startedCut && a.endedCut);
    expect(inCut.length).toBeGreaterThanOrEqual(60);
    for (const answer of inCut) {
      expect(answer).toMatchObject({
        status: 503,
        body: { error: 'temporarily_unavailable' },
        retryAfter: '5',
      });
    }
    expect(healthz.status).toBe(200);
    expect(readyz.status).toBe(503);
    expect(page.status).toBe(503);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(pageText).toContain('Temporarily unavailable');

    expect(after.every((a) => a.status === 200)).toBe(true);
    // Requests the cut landed on got one of the two answers; never a 500 or a hang.
    for (const answer of throughout) expect([200, 503]).toContain(answer.status);
    // Nothing issued before the cut was lost, nor anything answered 200 while it happened.
    const issued = [...before, ...during, ...after, ...throughout].filter((a) => a.status === 200);
    for (const answer of issued) expect(await introspect(answer.body.access_token as string)).toBe(true);
  });
});
