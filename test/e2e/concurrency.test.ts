/**
 * Single-use rules under concurrency (DESIGN.md rule 8: one atomic statement or transaction, not
 * read-then-write). Many requests race for one code, one refresh token or one interaction;
 * exactly one may win, and a lost race counts as a replay.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { csrfToken } from '../helpers/browser.js';
import {
  asTestClient,
  basic,
  callApi,
  countRows,
  expectNoServerErrors,
  obtainCode,
  obtainTokens,
  postToken,
  REDIRECT_URI,
  type RegisteredTestClient,
  reachConsent,
  watchStatuses,
} from '../helpers/negative.js';
import { createClient, createUser, startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
let restoreFetch: () => void;
let client: RegisteredTestClient;
const PARALLEL = 20;

beforeAll(async () => {
  restoreFetch = watchStatuses();
  t = await startTestServer();
  client = asTestClient(await createClient(t));
});
afterAll(async () => {
  await t.close();
  restoreFetch();
});
// "No request in the suite gets a 5xx."
afterEach(() => expectNoServerErrors());

const auth = () => basic(client.clientId, client.clientSecret!);

describe('races', () => {
  it(`lets exactly one of ${PARALLEL} parallel exchanges of one code win, then revokes its tokens`, async () => {
    const user = await createUser(t, 'alice');
    const { code, verifier } = await obtainCode(t, client, { username: 'alice' });
    const body = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier!,
    };
    const tokensBefore = await countRows(t, 'tokens');

    const responses = await Promise.all(
      Array.from({ length: PARALLEL }, () => postToken(t, { authorization: auth(), body })),
    );

    const winners = responses.filter((r) => r.status === 200);
    const losers = responses.filter((r) => r.status !== 200);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(PARALLEL - 1);
    for (const loser of losers)
      expect({ status: loser.status, error: loser.body.error }).toEqual({
        status: 400,
        error: 'invalid_grant',
      });
    // One access and one refresh token were written, no more.
    expect(await countRows(t, 'tokens')).toBe(tokensBefore + 2);
    expect(await countRows(t, 'tokens', 'user_id = ?', user.id)).toBe(2);

    // RFC 6749 §4.1.2: "If an authorization code is used more than once, the authorization server
    // MUST deny the request and SHOULD revoke (when possible) all tokens previously issued based on
    // that authorization code." The 19 losers were uses of an already-used code, so the winner's
    // tokens are revoked too: the code was evidently in more than one pair of hands.
    const winner = winners[0]!.body;
    expect((await callApi(t, `Bearer ${winner.access_token}`)).status).toBe(401);
    const refresh = await postToken(t, {
      authorization: auth(),
      body: { grant_type: 'refresh_token', refresh_token: winner.refresh_token as string },
    });
    expect(refresh.body.error).toBe('invalid_grant');
    expect(await countRows(t, 'tokens', 'user_id = ? AND revoked_at IS NULL', user.id)).toBe(0);
  });

  it(`lets exactly one of ${PARALLEL} parallel refreshes of one refresh token win, then revokes the grant`, async () => {
    const user = await createUser(t, 'bob');
    const tokens = await obtainTokens(t, client, { username: 'bob' });
    const body = { grant_type: 'refresh_token', refresh_token: tokens.refreshToken };
    const tokensBefore = await countRows(t, 'tokens');

    const responses = await Promise.all(
      Array.from({ length: PARALLEL }, () => postToken(t, { authorization: auth(), body })),
    );

    // Only a committed rotation makes a token "spent", and only a spent token triggers the reuse
    // revocation, so there is always exactly one winner (docs/grants/refresh-token.md).
    const winners = responses.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(winners[0]!.body.refresh_token).toEqual(expect.any(String));
    for (const loser of responses.filter((r) => r.status !== 200)) {
      expect({ status: loser.status, error: loser.body.error }).toEqual({
        status: 400,
        error: 'invalid_grant',
      });
    }
    // Exactly one rotation was written.
    expect(await countRows(t, 'tokens')).toBe(tokensBefore + 2);
    // RFC 9700 §4.14.2: the other uses of the rotated token are reuse, which revokes the whole
    // grant — the winner's new tokens included — and the original tokens too.
    for (const winner of winners) {
      expect((await callApi(t, `Bearer ${winner.body.access_token}`)).status).toBe(401);
    }
    expect((await callApi(t, `Bearer ${tokens.accessToken}`)).status).toBe(401);
    expect(await countRows(t, 'tokens', 'user_id = ? AND revoked_at IS NULL', user.id)).toBe(0);
  });

  it('completes one interaction once when its consent form is posted 10 times in parallel', async () => {
    const user = await createUser(t, 'carol');
    const { browser, page, interaction } = await reachConsent(t, client, 'carol');
    const form = { csrf_token: csrfToken(page.text), decision: 'allow' };
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => browser.post(`${interaction}/consent`, form)),
    );
    const withCode = answers.filter((a) => a.location && new URL(a.location, t.url).searchParams.get('code'));
    expect(withCode).toHaveLength(1);
    for (const answer of answers.filter((a) => !withCode.includes(a))) {
      expect(answer.status).toBe(400);
      expect(answer.location).toBeNull();
    }
    expect(await countRows(t, 'authorization_codes', 'user_id = ?', user.id)).toBe(1);
    expect(await countRows(t, 'grants', 'user_id = ?', user.id)).toBe(1);
  });

  it('keeps a code single-use when two different clients race for it', async () => {
    await createUser(t, 'dave');
    const other = asTestClient(await createClient(t, { client_name: 'Other' }));
    const { code, verifier } = await obtainCode(t, client, { username: 'dave' });
    const body = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier!,
    };
    const responses = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        postToken(t, {
          authorization: i % 2 === 0 ? auth() : basic(other.clientId, other.clientSecret!),
          body,
        }),
      ),
    );
    // Only a committed rotation makes a token "spent", and only a spent token triggers the reuse
    // revocation, so there is always exactly one winner (docs/grants/refresh-token.md).
    const winners = responses.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(winners[0]!.body.refresh_token).toEqual(expect.any(String));
    for (const r of responses.filter((x) => x.status !== 200)) expect(r.body.error).toBe('invalid_grant');
    expect(await countRows(t, 'tokens', "client_id = ? AND kind = 'access'", other.clientId)).toBe(0);
  });
});
