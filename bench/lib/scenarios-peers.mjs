/**
 * The peers' rows, measured in the same run with the same load: oidc-provider (in memory) for the
 * scenarios it has, and the framework's limit (bare Fastify, and Fastify plus one durable insert).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { removeDir, tempDir } from './children.mjs';
import { codeFlow } from './flows.mjs';
import { authorizeUrl, Browser, basicAuth, clientCredentialsToken, pkcePair, postForm } from './http.mjs';
import { REDIRECT_URI } from './latchkey-setup.mjs';
import { LIMIT_BARE, LIMIT_INSERT, PEER } from './report.mjs';
import { runRow, startOnFreePort } from './row.mjs';
import { introspectionTarget, SCENARIOS, tokenTarget } from './scenarios-latchkey.mjs';

const scenarioMeta = (server, key) => {
  const [, scenario, unit] = SCENARIOS.find(([k]) => k === key);
  return { server, key, scenario, unit };
};

/**
 * Made here, not in the child: oidc-provider would otherwise use its development key, and making
 * an RSA key in the child would add key generation to its cold start (Latchkey reads its keys from
 * the database on every start after the first).
 */
export function oidcProviderOptions() {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const secret = () => randomBytes(32).toString('base64url');
  return {
    jwks: { keys: [{ ...rsa, kid: 'bench-rs256', alg: 'RS256', use: 'sig' }] },
    clients: {
      cc: { clientId: 'bench-cc', clientSecret: secret() },
      web: { clientId: 'bench-web', clientSecret: secret(), scope: 'openid profile' },
    },
    redirectUri: REDIRECT_URI,
    cookieKey: secret(),
  };
}

/** One pass through the interaction (sign-in and grant); returns the browser holding the session. */
async function oidcSignIn(origin, client) {
  const browser = new Browser();
  const { verifier, challenge } = pkcePair();
  const start = authorizeUrl(`${origin}/auth`, { ...client, redirectUri: REDIRECT_URI, challenge });
  const page = await browser.follow(await browser.get(start), origin);
  const code = page.location && new URL(page.location).searchParams.get('code');
  if (!code)
    throw new Error(`oidc-provider sign-in ended without a code: ${page.status} ${page.text.slice(0, 160)}`);
  const { status, body } = await postForm(
    `${origin}/token`,
    { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier },
    { authorization: basicAuth(client.clientId, client.clientSecret) },
  );
  if (status !== 200)
    throw new Error(`oidc-provider code exchange: ${status} ${JSON.stringify(body).slice(0, 160)}`);
  return browser;
}

export async function oidcProviderRows(settings, log) {
  const server = PEER;
  const options = oidcProviderOptions();
  const { cc, web } = options.clients;
  const start = async (started) => {
    const handle = await startOnFreePort('oidc-provider', options);
    started.push(handle);
    return handle;
  };
  return [
    await runRow(
      scenarioMeta(server, 'cc'),
      async (started) => {
        const op = await start(started);
        return { measured: op, target: tokenTarget(`${op.origin}/token`, cc) };
      },
      settings,
      log,
    ),
    await runRow(
      scenarioMeta(server, 'introspect'),
      async (started) => {
        const op = await start(started);
        const token = await clientCredentialsToken(`${op.origin}/token`, cc.clientId, cc.clientSecret);
        return { measured: op, target: introspectionTarget(`${op.origin}/token/introspection`, cc, token) };
      },
      settings,
      log,
    ),
    await runRow(
      scenarioMeta(server, 'code'),
      async (started) => {
        const op = await start(started);
        const cookie = (await oidcSignIn(op.origin, web)).cookieHeader();
        const flow = codeFlow({
          issuer: op.origin,
          authorizePath: '/auth',
          tokenPath: '/token',
          ...web,
          redirectUri: REDIRECT_URI,
          cookie,
        });
        return { measured: op, flow };
      },
      settings,
      log,
    ),
  ];
}

export async function limitRows(settings, log) {
  const dir = tempDir('limit');
  // The same request as Latchkey's client-credentials row: headers, form body and all.
  const target = (origin) =>
    tokenTarget(`${origin}/token`, { clientId: 'bench-cc', clientSecret: 'x'.repeat(43) });
  const limit = (server, options) =>
    runRow(
      { ...scenarioMeta(server, 'form') },
      async (started) => {
        const handle = await startOnFreePort('fastify-limit', options);
        started.push(handle);
        return {
          measured: handle,
          target: { ...target(handle.origin), verifyBody: (b) => b.includes('"ok"') },
        };
      },
      settings,
      log,
    );
  try {
    return [
      await limit(LIMIT_BARE, {}),
      await limit(LIMIT_INSERT, { insert: true, dbPath: join(dir, 'limit.db') }),
    ];
  } finally {
    removeDir(dir);
  }
}
