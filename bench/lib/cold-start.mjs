/**
 * Cold start: from forking the server process to the first successful client-credentials token,
 * polled every few milliseconds. Latchkey is measured on an existing database (a restart, the
 * normal case) and on a new one (its first start runs the migrations and generates its signing
 * keys; the bench client is registered in-process before it listens, as an install script would).
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { forkServer, freePort, removeDir, tempDir } from './children.mjs';
import { basicAuth, postForm } from './http.mjs';
import { prepareLatchkey } from './latchkey-setup.mjs';
import { PEER } from './report.mjs';
import { oidcProviderOptions } from './scenarios-peers.mjs';
import { median } from './stats.mjs';

const TIMEOUT_MS = 30_000;

/** Milliseconds from fork to the first 200 with an access token; the child is stopped after. */
async function timeToToken(name, options, tokenPath, client) {
  const port = await freePort();
  const started = performance.now();
  const handle = forkServer(name, { ...options, port }, { timeoutMs: TIMEOUT_MS });
  let failure = null;
  handle.ready.catch((error) => {
    failure = error;
  });
  try {
    // A server that registers its client at start says the secret when it is ready.
    const secret = client.clientSecret ?? (await handle.ready).secrets[client.clientId];
    const authorization = basicAuth(client.clientId, secret);
    while (performance.now() - started < TIMEOUT_MS) {
      if (failure) throw failure;
      try {
        const { status, body } = await postForm(
          `http://127.0.0.1:${port}${tokenPath}`,
          { grant_type: 'client_credentials' },
          { authorization },
        );
        if (status === 200 && body?.access_token) return performance.now() - started;
        throw new Error(`token request answered ${status} ${JSON.stringify(body).slice(0, 120)}`);
      } catch (error) {
        // Not listening yet: poll again. Any answer but a token is a real failure.
        if (!String(error?.cause?.code ?? '').startsWith('ECONNREFUSED')) throw error;
      }
      await sleep(2);
    }
    throw new Error(`no token within ${TIMEOUT_MS} ms`);
  } finally {
    await handle.stop();
  }
}

/**
 * Runs every kind once per round, so a machine that warms up (page cache) or gets busier during
 * the measurement favours none of them; then the median of each kind's runs.
 */
async function interleaved(kinds, runs, log) {
  const results = kinds.map(({ server, kind }) => ({ server, kind, samples: [] }));
  for (let round = 0; round < runs; round++) {
    for (const [index, { once }] of kinds.entries()) {
      const result = results[index];
      if (result.failed) continue;
      try {
        result.samples.push(await once(round));
      } catch (error) {
        result.failed = String(error?.message ?? error).slice(0, 200);
      }
    }
  }
  for (const result of results) {
    if (!result.failed) result.median = median(result.samples);
    log(result);
  }
  return results;
}

export async function coldStart({ coldRuns: runs }, log) {
  const dir = tempDir('cold');
  try {
    const existing = `sqlite:${join(dir, 'existing.db')}`;
    const setup = await prepareLatchkey(existing, { clients: ['cc'] });
    const cc = setup.clients.cc;
    const registration = {
      client_id: 'bench-cc',
      client_name: 'Bench machine client',
      grant_types: ['client_credentials'],
      scope: 'api:read',
    };
    const op = oidcProviderOptions();
    return await interleaved(
      [
        {
          server: 'Latchkey (SQLite)',
          kind: 'existing database',
          once: () => timeToToken('latchkey', { databaseUrl: existing }, '/oauth/token', cc),
        },
        {
          server: 'Latchkey (SQLite)',
          kind: 'first start: new database',
          once: (round) =>
            timeToToken(
              'latchkey',
              { databaseUrl: `sqlite:${join(dir, `first-${round}.db`)}`, register: [registration] },
              '/oauth/token',
              { clientId: registration.client_id },
            ),
        },
        {
          server: PEER,
          kind: 'in-memory',
          once: () => timeToToken('oidc-provider', op, '/token', op.clients.cc),
        },
      ],
      runs,
      log,
    );
  } finally {
    removeDir(dir);
  }
}
