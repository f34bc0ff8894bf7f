/**
 * Runs the example client from environment variables, on 127.0.0.1 only: it is a local demo, and
 * its redirect URI (EXAMPLE_BASE_URL + '/callback') and post-logout redirect URI
 * (EXAMPLE_BASE_URL + '/') must be registered with Latchkey exactly.
 */

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createExampleClient } from './app.js';

function env(name: string, fallback?: string): string {
  const value = process.env[name]?.trim();
  if (value) return value;
  if (fallback !== undefined) return fallback;
  console.error(`example client: ${name} is not set (see examples/client/README.md)`);
  process.exit(1);
}

const port = Number(env('EXAMPLE_PORT', '5000'));
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error('example client: EXAMPLE_PORT must be a port number');
  process.exit(1);
}
const issuer = env('EXAMPLE_ISSUER', 'http://localhost:9000').replace(/\/+$/, '');
const sessionDbPath = env('EXAMPLE_SESSION_DB', 'data/example-client.db');
if (sessionDbPath !== ':memory:') mkdirSync(dirname(sessionDbPath), { recursive: true });

const app = await createExampleClient({
  issuer,
  clientId: env('EXAMPLE_CLIENT_ID'),
  clientSecret: env('EXAMPLE_CLIENT_SECRET'),
  baseUrl: env('EXAMPLE_BASE_URL', `http://localhost:${port}`),
  apiUrl: env('EXAMPLE_API_URL', `${issuer}/api/me`),
  sessionDbPath,
  scope: process.env.EXAMPLE_SCOPE?.trim() || undefined,
  logger: true,
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

await app.listen({ host: '127.0.0.1', port });
