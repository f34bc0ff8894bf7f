/** Token lifetimes: per grant type on the server, overridable per client; refresh tokens on/off. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorize, exchangeCode, pkcePair } from '../helpers/flow.js';
import { createClient, createUser, startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
const redirectUri = 'http://127.0.0.1:5999/callback';

beforeAll(async () => {
  t = await startTestServer({
    tokens: { accessTokenTtl: 1800, accessTokenTtlByGrant: { client_credentials: 7200, refresh_token: 900 } },
  });
  await createUser(t);
});
afterAll(() => t.close());

async function codeTokens(client: { clientId: string; clientSecret: string | null }) {
  const { verifier, challenge } = pkcePair();
  const { redirect } = await authorize({
    issuer: t.url,
    clientId: client.clientId,
    redirectUri,
    challenge,
    username: 'alice',
  });
  return exchangeCode(t.url, client, {
    grant_type: 'authorization_code',
    code: redirect.searchParams.get('code')!,
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
}

const creds = (r: { client: { clientId: string }; clientSecret: string | null }) => ({
  clientId: r.client.clientId,
  clientSecret: r.clientSecret,
});

describe('token lifetimes', () => {
  it('uses the per-grant lifetime, else the default', async () => {
    const app = creds(await createClient(t, { skip_consent: true }));
    const first = await codeTokens(app);
    expect(first.body.expires_in).toBe(1800);
    const refreshed = await exchangeCode(t.url, app, {
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token as string,
    });
    expect(refreshed.body.expires_in).toBe(900);
    const service = creds(
      await createClient(t, { grant_types: ['client_credentials'], redirect_uris: undefined }),
    );
    const cc = await exchangeCode(t.url, service, { grant_type: 'client_credentials' });
    expect(cc.body.expires_in).toBe(7200);
  });

  it('lets a client override the access and refresh token lifetimes', async () => {
    const app = creds(
      await createClient(t, { skip_consent: true, access_token_ttl: 120, refresh_token_ttl: 600 }),
    );
    const tokens = await codeTokens(app);
    expect(tokens.body.expires_in).toBe(120);
    t.clock.advance(601);
    const late = await exchangeCode(t.url, app, {
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token as string,
    });
    expect(late.body.error).toBe('invalid_grant');
  });

  it('issues no refresh token to a client without the refresh_token grant', async () => {
    const app = creds(await createClient(t, { skip_consent: true, grant_types: ['authorization_code'] }));
    const tokens = await codeTokens(app);
    expect(tokens.status).toBe(200);
    expect(tokens.body).not.toHaveProperty('refresh_token');
  });

  it('refuses lifetimes out of range at registration', async () => {
    await expect(createClient(t, { access_token_ttl: 5 })).rejects.toThrow(/access_token_ttl/);
    await expect(createClient(t, { refresh_token_ttl: 1.5 })).rejects.toThrow(/refresh_token_ttl/);
  });
});

describe('refresh tokens switched off for the server', () => {
  it('issues none, even to clients registered for them', async () => {
    const off = await startTestServer({ tokens: { issueRefreshTokens: false } });
    try {
      await createUser(off, 'alice');
      const registered = await createClient(off, { skip_consent: true });
      const { verifier, challenge } = pkcePair();
      const { redirect } = await authorize({
        issuer: off.url,
        clientId: registered.client.clientId,
        redirectUri,
        challenge,
      });
      const tokens = await exchangeCode(off.url, creds(registered), {
        grant_type: 'authorization_code',
        code: redirect.searchParams.get('code')!,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      });
      expect(tokens.status).toBe(200);
      expect(tokens.body).not.toHaveProperty('refresh_token');
    } finally {
      await off.close();
    }
  });
});
