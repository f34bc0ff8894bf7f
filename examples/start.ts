/**
 * `npm start`: Latchkey on :9000 and the example client on :5000, on embedded SQLite under
 * ./data, ready to click through. Built on the public API only (createAuthServer), like any host.
 *
 * On first start it creates the admin account (password printed once) and registers the example
 * client for OpenID Connect (scope 'openid profile email', its home page as post-logout redirect
 * URI); the client's credentials are kept in data/example-client.json (mode 0600) so later starts
 * reuse them. A data/ directory from before OpenID Connect keeps working as plain OAuth.
 */
import { chmodSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AuthServer, type Config, ConfigError, createAuthServer, loadConfig } from '../src/index.js';
import { createExampleClient } from './client/app.js';

export const EXAMPLE_CLIENT_ID = 'example-client';
export const EXAMPLE_SCOPE = 'openid profile email';

export interface DevStackOptions {
  dataDir: string;
  examplePort: number;
  /** Environment for Latchkey's own configuration (LATCHKEY_*). */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface DevStack {
  server: AuthServer;
  config: Config;
  issuer: string;
  exampleUrl: string;
  /** Set on the first start only, when the admin password was generated. */
  adminPassword: string | null;
  close(): Promise<void>;
}

interface Credentials {
  client_id: string;
  client_secret: string;
}

interface ExampleRegistration extends Credentials {
  /** What the app may ask for: EXAMPLE_SCOPE, or an older registration's plain OAuth scope. */
  scope: string;
}

function readCredentials(path: string): Credentials | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<Credentials>;
    return typeof parsed.client_secret === 'string' && parsed.client_id === EXAMPLE_CLIENT_ID
      ? (parsed as Credentials)
      : null;
  } catch {
    return null;
  }
}

/** Registers the example client on first start; returns its credentials and scope. */
async function exampleRegistration(
  server: AuthServer,
  dataDir: string,
  exampleUrl: string,
  log: (line: string) => void,
): Promise<ExampleRegistration> {
  const path = join(dataDir, 'example-client.json');
  let credentials = readCredentials(path);
  const existing = await server.findClient(EXAMPLE_CLIENT_ID);
  let scope = EXAMPLE_SCOPE;
  if (!existing) {
    const { clientSecret } = await server.registerClient({
      client_id: EXAMPLE_CLIENT_ID,
      client_name: 'Example App',
      client_uri: exampleUrl,
      redirect_uris: [`${exampleUrl}/callback`],
      post_logout_redirect_uris: [`${exampleUrl}/`],
      scope: EXAMPLE_SCOPE,
    });
    credentials = { client_id: EXAMPLE_CLIENT_ID, client_secret: clientSecret! };
  } else if (!existing.scope.includes('openid')) {
    // Registered by an earlier version, as a plain OAuth client: asking for openid would be refused.
    scope = existing.scope.join(' ');
    log(
      `The example client in ${dataDir}/ was registered before OpenID Connect (scope "${scope}"): ` +
        `delete ${dataDir}/ and start again to get the OpenID Connect demo; until then it runs as plain OAuth.`,
    );
  }
  if (!credentials) {
    // Registered before, but its secret is not on disk: issue a new one.
    credentials = {
      client_id: EXAMPLE_CLIENT_ID,
      client_secret: await server.rotateClientSecret(EXAMPLE_CLIENT_ID),
    };
  }
  if (readCredentials(path)?.client_secret !== credentials.client_secret) {
    writeFileSync(path, JSON.stringify(credentials, null, 2), { mode: 0o600 });
    chmodSync(path, 0o600);
  }
  return { ...credentials, scope };
}

export async function startDevStack(options: DevStackOptions): Promise<DevStack> {
  const log = options.log ?? console.log;
  mkdirSync(options.dataDir, { recursive: true });
  const env = options.env ?? process.env;
  const config = loadConfig({
    env,
    overrides: env.LATCHKEY_DATABASE_URL
      ? {}
      : { databaseUrl: `sqlite:${join(options.dataDir, 'latchkey.db')}` },
  });
  const server = await createAuthServer({ config });
  const exampleUrl = `http://localhost:${options.examplePort}`;
  try {
    // A sample profile, so the example app's ID token and UserInfo tables have something to show.
    const admin = await server.ensureAdminUser({
      profile: {
        name: 'Ada Admin',
        given_name: 'Ada',
        family_name: 'Admin',
        email: 'admin@example.com',
        email_verified: false,
      },
    });
    if (admin) {
      log(
        admin.password
          ? `\nCreated the admin account "${admin.username}" with the one-time password: ${admin.password}\n(shown only now)\n`
          : `\nCreated the admin account "${admin.username}" with LATCHKEY_ADMIN_PASSWORD.\n`,
      );
    }
    const registration = await exampleRegistration(server, options.dataDir, exampleUrl, log);
    await server.listen();
    const client = await createExampleClient({
      issuer: config.issuer,
      clientId: registration.client_id,
      clientSecret: registration.client_secret,
      scope: registration.scope,
      baseUrl: exampleUrl,
      apiUrl: `${config.issuer}/api/me`,
      sessionDbPath: join(options.dataDir, 'example-client-sessions.db'),
    });
    await client.listen({ host: '127.0.0.1', port: options.examplePort });
    log(`Latchkey:           ${config.issuer}`);
    log(`Example client app: ${exampleUrl}  ← open this and click "Login with Latchkey"`);
    return {
      server,
      config,
      issuer: config.issuer,
      exampleUrl,
      adminPassword: admin?.password ?? null,
      async close() {
        await Promise.allSettled([client.close(), server.close()]);
      },
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}

function isEntryPoint(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  startDevStack({
    dataDir: process.env.LATCHKEY_DATA_DIR ?? 'data',
    examplePort: Number(process.env.EXAMPLE_PORT ?? 5000),
  }).then(
    (stack) => {
      const stop = () => stack.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (error: unknown) => {
      console.error(
        error instanceof ConfigError ? error.message : `npm start failed: ${(error as Error).message}`,
      );
      process.exit(1);
    },
  );
}
