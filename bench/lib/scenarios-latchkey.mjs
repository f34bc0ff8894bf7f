/**
 * Latchkey's rows, on one engine (SQLite or PostgreSQL): each row starts a fresh server process
 * on the engine's prepared database, so each reports its own peak RSS.
 */
import { codeFlow, refreshChain } from './flows.mjs';
import { basicAuth, clientCredentialsToken, FORM } from './http.mjs';
import { prepareLatchkey, REDIRECT_URI, refreshTokenPool, signIn } from './latchkey-setup.mjs';
import { runRow, startOnFreePort } from './row.mjs';

/** More than can be lost per run (in flight + prebuilt when a run stops) over warm-up and run. */
const REFRESH_POOL = 256;

export const hasAccessToken = (body) => body.includes('"access_token"');

export function tokenTarget(tokenUrl, client) {
  return {
    url: tokenUrl,
    method: 'POST',
    headers: { authorization: basicAuth(client.clientId, client.clientSecret), 'content-type': FORM },
    body: 'grant_type=client_credentials',
    verifyBody: hasAccessToken,
  };
}

export function introspectionTarget(url, client, token) {
  return {
    url,
    method: 'POST',
    headers: { authorization: basicAuth(client.clientId, client.clientSecret), 'content-type': FORM },
    body: new URLSearchParams({ token }).toString(),
    verifyBody: (body) => body.includes('"active":true'),
  };
}

const apiTarget = (origin, token) => ({
  url: `${origin}/orders`,
  method: 'GET',
  headers: { authorization: `Bearer ${token}` },
  verifyBody: (body) => body.includes('"client"'),
});

export async function startLatchkey(databaseUrl, started, config) {
  const handle = await startOnFreePort('latchkey', { databaseUrl, config });
  started.push(handle);
  return { ...handle, issuer: handle.origin };
}

/** The rows for one engine; if its database cannot even be prepared, every row fails with why. */
export async function latchkeyRows(server, databaseUrl, settings, log) {
  const meta = (key, scenario, unit = 'req/s') => ({ server, key, scenario, unit });
  let setup;
  try {
    setup = await prepareLatchkey(databaseUrl);
  } catch (error) {
    const failed = `setup: ${error?.message ?? error}`.replace(/\s+/g, ' ').slice(0, 200);
    return SCENARIOS.filter(([key]) => key !== 'form').map(([key, scenario, unit]) => {
      const row = { ...meta(key, scenario, unit), failed };
      log(row);
      return row;
    });
  }
  const { cc, jwt, api, web, refresh } = setup.clients;
  let browser = null;
  const signedIn = async (issuer) => {
    browser ??= await signIn(issuer, setup);
    return browser;
  };
  const row = (key, body) => {
    const [, scenario, unit] = SCENARIOS.find(([k]) => k === key);
    return runRow(meta(key, scenario, unit), body, settings, log);
  };
  return [
    await row('cc', async (started) => {
      const lk = await startLatchkey(databaseUrl, started);
      return { measured: lk, target: tokenTarget(`${lk.issuer}/oauth/token`, cc) };
    }),
    await row('cc-jwt', async (started) => {
      const lk = await startLatchkey(databaseUrl, started);
      const token = await clientCredentialsToken(`${lk.issuer}/oauth/token`, jwt.clientId, jwt.clientSecret);
      if (token.split('.').length !== 3) throw new Error('the JWT client got an opaque token');
      return { measured: lk, target: tokenTarget(`${lk.issuer}/oauth/token`, jwt) };
    }),
    await row('introspect', async (started) => {
      const lk = await startLatchkey(databaseUrl, started);
      const token = await clientCredentialsToken(`${lk.issuer}/oauth/token`, cc.clientId, cc.clientSecret);
      return { measured: lk, target: introspectionTarget(`${lk.issuer}/oauth/introspect`, cc, token) };
    }),
    await row('api-opaque', async (started) => {
      const lk = await startLatchkey(databaseUrl, started);
      const token = await clientCredentialsToken(`${lk.issuer}/oauth/token`, cc.clientId, cc.clientSecret);
      const options = { verifier: 'introspection', issuer: lk.issuer, ...api };
      const resource = await startOnFreePort('resource-api', options);
      started.push(resource);
      return { measured: resource, target: apiTarget(resource.origin, token) };
    }),
    await row('api-jwt', async (started) => {
      const lk = await startLatchkey(databaseUrl, started);
      const token = await clientCredentialsToken(`${lk.issuer}/oauth/token`, jwt.clientId, jwt.clientSecret);
      const resource = await startOnFreePort('resource-api', { verifier: 'jwt', issuer: lk.issuer });
      started.push(resource);
      return { measured: resource, target: apiTarget(resource.origin, token) };
    }),
    await row('refresh', async (started) => {
      const lk = await startLatchkey(databaseUrl, started);
      const pool = await refreshTokenPool(lk.issuer, await signedIn(lk.issuer), setup, REFRESH_POOL);
      const flow = refreshChain({ url: lk.issuer, tokenPath: '/oauth/token', ...refresh, pool });
      return { measured: lk, flow };
    }),
    await row('code', async (started) => {
      const lk = await startLatchkey(databaseUrl, started);
      const cookie = (await signedIn(lk.issuer)).cookieHeader();
      const flow = codeFlow({
        issuer: lk.issuer,
        authorizePath: '/oauth/authorize',
        tokenPath: '/oauth/token',
        ...web,
        redirectUri: REDIRECT_URI,
        cookie,
      });
      return { measured: lk, flow };
    }),
  ];
}

/** [key, scenario, unit]: the order rows appear in, shared with the peers' rows. */
export const SCENARIOS = [
  ['cc', 'client credentials, opaque token', 'req/s'],
  ['cc-jwt', 'client credentials, JWT (ES256)', 'req/s'],
  ['introspect', 'introspection, valid opaque token', 'req/s'],
  ['api-opaque', 'protected API, opaque (introspection + cache)', 'req/s'],
  ['api-jwt', 'protected API, JWT (local verify)', 'req/s'],
  ['refresh', 'refresh token rotation', 'req/s'],
  ['code', 'code flow, signed-in consented user (authorize → token)', 'flows/s'],
  ['form', 'form POST → small JSON', 'req/s'],
];
