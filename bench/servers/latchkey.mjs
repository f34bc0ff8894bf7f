/**
 * Latchkey under test, as an embedder runs it: createAuthServer from the built package, on the
 * database and port the parent chose. Request logging is off, as it is for every peer, so the
 * rows compare the servers rather than their loggers.
 * Options: { databaseUrl, port, config?, register?: ClientRegistration[] }. `register` is for the
 * first-start measurement: clients registered in-process, their secrets sent back in `ready`.
 */
// The package's public entry, as an app would load it (the bundle: see scripts/bundle.mjs);
// LATCHKEY_BENCH_UNBUNDLED=1 loads dist/src instead, so a --cpu-prof profile names the modules.
const { createAuthServer } = await import(
  process.env.LATCHKEY_BENCH_UNBUNDLED ? '../../dist/src/index.js' : 'latchkey'
);

import { fail, options, ready } from './ipc.mjs';

try {
  const { databaseUrl, port, config = {}, register = [] } = options;
  const server = await createAuthServer({
    config: {
      databaseUrl,
      host: '127.0.0.1',
      port,
      issuer: `http://127.0.0.1:${port}`,
      logLevel: 'silent',
      ...config,
    },
    logger: false,
  });
  const secrets = {};
  for (const registration of register) {
    const { client, clientSecret } = await server.registerClient(registration);
    secrets[client.clientId] = clientSecret;
  }
  await server.listen();
  ready({ secrets });
} catch (error) {
  fail(error);
}
