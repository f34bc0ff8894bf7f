/**
 * A real Latchkey on 127.0.0.1 (free port), on a fresh database of the engine under test (a SQLite
 * file, or a PostgreSQL schema), with a fake clock. Each test file starts its own and closes it in
 * afterAll.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AuthServer,
  type ClientRegistration,
  type ConfigInput,
  createAuthServer,
} from '../../src/index.js';
import { fakeClock } from '../../src/protocol/clock.js';
import { freshDatabaseUrl } from './database.js';

export interface TestServer {
  server: AuthServer;
  url: string;
  clock: ReturnType<typeof fakeClock>;
  /** The database the server runs on (read it with withRawDb). */
  databaseUrl: string;
  /** The SQLite file, when the engine is SQLite. */
  dbPath: string;
  close(): Promise<void>;
}

export async function startTestServer(config: ConfigInput = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-test-'));
  const dbPath = join(dir, 'latchkey.db');
  const databaseUrl = await freshDatabaseUrl(dir);
  // Real time as the start, so cookies with Max-Age and the example client agree with the server.
  const clock = fakeClock(Math.floor(Date.now() / 1000));
  const server = await createAuthServer({
    config: {
      databaseUrl,
      logLevel: 'silent',
      port: 0,
      issuer: 'http://127.0.0.1',
      ...config,
    },
    clock,
    logger: false,
  });
  const address = await server.app.listen({ host: '127.0.0.1', port: 0 });
  // The issuer must be the real address; rebuild with it now that the port is known.
  await server.close();
  const port = new URL(address).port;
  const issuer = `http://127.0.0.1:${port}`;
  const real = await createAuthServer({
    config: {
      databaseUrl,
      logLevel: 'silent',
      issuer,
      host: '127.0.0.1',
      port: Number(port),
      ...config,
    },
    clock,
    logger: false,
  });
  await real.listen();
  return {
    server: real,
    url: issuer,
    clock,
    databaseUrl,
    dbPath,
    async close() {
      await real.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const PASSWORD = 'correct horse battery staple';

export async function createUser(t: TestServer, username = 'alice') {
  return t.server.createUser({ username, password: PASSWORD });
}

export async function createClient(t: TestServer, overrides: Partial<ClientRegistration> = {}) {
  return t.server.registerClient({
    client_name: 'Test App',
    redirect_uris: ['http://127.0.0.1:5999/callback'],
    scope: 'profile email',
    ...overrides,
  });
}
