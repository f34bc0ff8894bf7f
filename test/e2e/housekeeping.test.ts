/** Expired rows are purged; live ones are kept. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withRawDb } from '../helpers/database.js';
import { authorize, exchangeCode, pkcePair } from '../helpers/flow.js';
import { createClient, createUser, startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
const redirectUri = 'http://127.0.0.1:5999/callback';

beforeAll(async () => {
  t = await startTestServer();
  await createUser(t);
});
afterAll(() => t.close());

const count = (table: string) =>
  withRawDb(t.databaseUrl, async (db) =>
    Number((await db.prepare(`select count(*) as n from ${table}`).get<{ n: number }>())?.n),
  );

describe('purgeExpired', () => {
  it('deletes expired tokens, codes, sessions and interactions, and keeps live ones', async () => {
    const registered = await createClient(t);
    const client = { clientId: registered.client.clientId, clientSecret: registered.clientSecret };
    const { verifier, challenge } = pkcePair();
    const { redirect } = await authorize({
      issuer: t.url,
      clientId: client.clientId,
      redirectUri,
      challenge,
    });
    const tokens = await exchangeCode(t.url, client, {
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code')!,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    expect(tokens.status).toBe(200);
    // An abandoned request leaves an interaction behind.
    await fetch(
      `${t.url}/oauth/authorize?response_type=code&client_id=${client.clientId}&code_challenge=${challenge}&code_challenge_method=S256`,
    );
    expect(await count('interactions')).toBe(1);

    expect(await t.server.purgeExpired()).toEqual({
      interactions: 0,
      sessions: 0,
      codes: 0,
      tokens: 0,
      loginFailures: 0,
      signingKeys: 0,
      auditEvents: 0,
    });

    t.clock.advance(3601 + 900); // access token, interaction and code retention over; refresh token and session live
    const after = await t.server.purgeExpired();
    expect(after).toMatchObject({ interactions: 1, tokens: 1, codes: 1, sessions: 0 });
    expect(await count('tokens')).toBe(1);

    // The surviving refresh token still works.
    const refreshed = await exchangeCode(t.url, client, {
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token as string,
    });
    expect(refreshed.status).toBe(200);

    t.clock.advance(31 * 86_400);
    expect((await t.server.purgeExpired()).tokens).toBeGreaterThanOrEqual(2);
    expect(await count('tokens')).toBe(0);
    expect(await count('sessions')).toBe(0);
  });
});
