/**
 * Latchkey's side of the setup, through its public API and its real pages: a database with the
 * bench clients and a user, the user's session (signed in and consented once, as a returning user
 * is), and pools of fresh tokens. Client ids carry a per-run suffix so a reused PostgreSQL
 * database never collides with an earlier run's clients.
 */
import { randomBytes } from 'node:crypto';
import { authorizeUrl, Browser, basicAuth, pkcePair, postForm } from './http.mjs';

export const REDIRECT_URI = 'http://127.0.0.1:5999/callback';
const PASSWORD = 'correct horse battery staple';

const csrfToken = (html) => /name="csrf_token" value="([^"]+)"/.exec(html)?.[1];
const formAction = (html, contains) =>
  [...html.matchAll(/<form[^>]*action="([^"]+)"/g)]
    .map((match) => match[1].replace(/&amp;/g, '&'))
    .find((action) => action.includes(contains));

/** Opens (and migrates) the database, registers the clients and the user, and closes it again. */
export async function prepareLatchkey(databaseUrl, { clients = 'all' } = {}) {
  const { createAuthServer } = await import('latchkey');
  const suffix = randomBytes(4).toString('hex');
  const server = await createAuthServer({ config: { databaseUrl, logLevel: 'silent' }, logger: false });
  try {
    const machine = { grant_types: ['client_credentials'], scope: 'api:read' };
    const registrations = {
      cc: { ...machine, client_name: 'Bench machine client' },
      jwt: { ...machine, client_name: 'Bench JWT client', access_token_format: 'jwt' },
      api: { ...machine, client_name: 'Bench API', introspect: true },
      web: {
        client_name: 'Bench web app',
        grant_types: ['authorization_code'],
        redirect_uris: [REDIRECT_URI],
        scope: 'openid profile',
      },
      refresh: {
        client_name: 'Bench app with refresh tokens',
        grant_types: ['authorization_code', 'refresh_token'],
        redirect_uris: [REDIRECT_URI],
        scope: 'profile',
      },
    };
    const wanted = clients === 'all' ? Object.keys(registrations) : clients;
    const registered = {};
    for (const name of wanted) {
      const { client, clientSecret } = await server.registerClient({
        ...registrations[name],
        client_id: `bench-${name}-${suffix}`,
      });
      registered[name] = { clientId: client.clientId, clientSecret, scope: registrations[name].scope };
    }
    const username = `alice-${suffix}`;
    if (wanted.includes('web')) await server.createUser({ username, password: PASSWORD });
    return { databaseUrl, clients: registered, username };
  } finally {
    await server.close();
  }
}

/**
 * Runs one authorization code flow in `browser` and returns the token response. The first time
 * it passes the login and consent pages as a user would; afterwards the session and the stored
 * consent make the authorization endpoint redirect straight back with a code.
 */
export async function codeFlowTokens(issuer, browser, client, username) {
  const { verifier, challenge } = pkcePair();
  const start = authorizeUrl(`${issuer}/oauth/authorize`, {
    clientId: client.clientId,
    redirectUri: REDIRECT_URI,
    scope: client.scope,
    challenge,
  });
  let page = await browser.follow(await browser.get(start), issuer);
  if (page.status === 200 && page.text.includes('name="password"')) {
    const action = new URL(formAction(page.text, '/login'), issuer).toString();
    page = await browser.post(action, { csrf_token: csrfToken(page.text), username, password: PASSWORD });
    page = await browser.follow(page, issuer);
  }
  if (page.status === 200 && page.text.includes('name="decision"')) {
    const action = new URL(formAction(page.text, '/consent'), issuer).toString();
    page = await browser.post(action, { csrf_token: csrfToken(page.text), decision: 'allow' });
  }
  const code = page.location && new URL(page.location).searchParams.get('code');
  if (!code) throw new Error(`sign-in did not end with a code: ${page.status} ${page.text.slice(0, 200)}`);
  const { status, body } = await postForm(
    `${issuer}/oauth/token`,
    { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier },
    { authorization: basicAuth(client.clientId, client.clientSecret) },
  );
  if (status !== 200)
    throw new Error(`code exchange failed: ${status} ${JSON.stringify(body).slice(0, 200)}`);
  return body;
}

/** The session cookie header of the bench user after one complete sign-in with consent. */
export async function signIn(issuer, setup) {
  const browser = new Browser();
  await codeFlowTokens(issuer, browser, setup.clients.web, setup.username);
  return browser;
}

/** `count` unused refresh tokens, each from its own code flow, minted a few at a time. */
export async function refreshTokenPool(issuer, browser, setup, count) {
  const pool = [];
  // The first flow passes the consent page for this client; the rest go straight through.
  pool.push((await codeFlowTokens(issuer, browser, setup.clients.refresh, setup.username)).refresh_token);
  while (pool.length < count) {
    const batch = Math.min(16, count - pool.length);
    const minted = await Promise.all(
      Array.from({ length: batch }, () =>
        codeFlowTokens(issuer, browser, setup.clients.refresh, setup.username),
      ),
    );
    pool.push(...minted.map((tokens) => tokens.refresh_token));
  }
  if (pool.some((token) => typeof token !== 'string'))
    throw new Error('a code flow returned no refresh token');
  return pool;
}
