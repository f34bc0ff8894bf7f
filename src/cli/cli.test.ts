/** The `latchkey` command, run in-process through runCli with captured output and a fresh database. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { csrfToken, TestBrowser } from '../../test/helpers/browser.js';
import { freshDatabaseUrl } from '../../test/helpers/database.js';
import { verifyPassword } from '../accounts/passwords.js';
import { createAuthServer } from '../index.js';
import { openStore } from '../store/kysely/index.js';
import { type CliIo, runCli } from './main.js';

const root = mkdtempSync(join(tmpdir(), 'latchkey-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dbCount = 0;
let databaseUrl: string;
beforeEach(async () => {
  databaseUrl = await freshDatabaseUrl(join(root, `db-${++dbCount}`));
});

interface Run {
  code: number;
  out: string[];
  err: string[];
  /** stdout joined, for JSON output. */
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], options: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: { LATCHKEY_DATABASE_URL: databaseUrl, LATCHKEY_LOG_LEVEL: 'silent', ...options.env },
    readStdin: async () => options.stdin ?? '',
  };
  const code = await runCli(argv, io);
  return { code, out, err, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** A failure is one clear message: no stack trace, no internal error class names. */
function expectCleanError(run: Run, code: number, pattern: RegExp) {
  expect(run.code).toBe(code);
  expect(run.stderr).toMatch(pattern);
  expect(run.stderr).not.toMatch(/\n\s+at |TypeError|ReferenceError|SqliteError/);
}

async function listClients(): Promise<Array<Record<string, unknown>>> {
  const run = await cli(['clients', 'list', '--json']);
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Array<Record<string, unknown>>;
}

async function storedUser(username: string) {
  const { store } = await openStore(databaseUrl);
  try {
    return await store.users.findByUsername(username);
  } finally {
    await store.close();
  }
}

const PASSWORD = 'correct horse battery staple';

describe('latchkey migrate', () => {
  it('applies the migrations, then says the database is up to date', async () => {
    const first = await cli(['migrate']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Applied: 0001-initial/);
    const second = await cli(['migrate']);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe('The database is up to date.');
  });
});

describe('latchkey users create', () => {
  it('reads the password from stdin, stores an argon2id hash, and the user can sign in', async () => {
    const run = await cli(['users', 'create', '-u', 'bob', '--password-stdin'], { stdin: `${PASSWORD}\n` });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Created user bob \(id [A-Za-z0-9_-]+\)\.$/);
    expect(run.stdout).not.toContain(PASSWORD);

    const user = await storedUser('bob');
    expect(user?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(user?.passwordHash).not.toContain(PASSWORD);

    // Sign in through the real login page of a server on this database.
    const server = await createAuthServer({
      config: { databaseUrl, logLevel: 'silent', host: '127.0.0.1', port: 0 },
      logger: false,
    });
    try {
      const address = await server.listen();
      const browser = new TestBrowser();
      const login = await browser.get(`${address}/login`);
      const signedIn = await browser.post(`${address}/login`, {
        csrf_token: csrfToken(login.text),
        username: 'bob',
        password: PASSWORD,
      });
      expect(signedIn.status).toBe(303);
      expect(signedIn.location).toBe('/');
      const home = await browser.get(`${address}/`);
      expect(home.status).toBe(200);
      expect(home.text).toContain('bob');
    } finally {
      await server.close();
    }
  });

  it('uses only the first line of stdin', async () => {
    const run = await cli(['users', 'create', '-u', 'erin', '--password-stdin'], {
      stdin: `${PASSWORD}\r\nsecond line\n`,
    });
    expect(run.code).toBe(0);
    expect(await verifyPassword((await storedUser('erin'))!.passwordHash, PASSWORD)).toBe(true);
  });

  it('generates a password when none is given and prints it once', async () => {
    const run = await cli(['users', 'create', '-u', 'carol']);
    expect(run.code).toBe(0);
    const lines = run.out.filter((line) => line.startsWith('Password (shown only now): '));
    expect(lines).toHaveLength(1);
    const password = lines[0]!.slice('Password (shown only now): '.length);
    expect(password.length).toBeGreaterThanOrEqual(16);
    expect(run.stdout.split(password)).toHaveLength(2);
    expect(await verifyPassword((await storedUser('carol'))!.passwordHash, password)).toBe(true);
  });

  it('refuses a duplicate user name with exit 1 and a clear message', async () => {
    expect((await cli(['users', 'create', '-u', 'bob', '--password-stdin'], { stdin: PASSWORD })).code).toBe(
      0,
    );
    const again = await cli(['users', 'create', '-u', 'bob', '--password-stdin'], {
      stdin: 'another password',
    });
    expectCleanError(again, 1, /already exists/);
  });

  it.each([
    ['too short', 'short'],
    ['empty', ''],
  ])('refuses a password that is %s with exit 1', async (_label, password) => {
    const run = await cli(['users', 'create', '-u', 'dave', '--password-stdin'], { stdin: `${password}\n` });
    expectCleanError(run, 1, /password must be 8-1024 characters/);
    expect(await storedUser('dave')).toBeNull();
  });

  it('refuses a user name with spaces', async () => {
    const run = await cli(['users', 'create', '-u', 'two words', '--password-stdin'], { stdin: PASSWORD });
    expectCleanError(run, 1, /username/);
  });
});

describe('latchkey clients create', () => {
  it('prints client_id and client_secret as JSON, and the secret works at the token endpoint', async () => {
    const run = await cli(['clients', 'create', '-n', 'App', '-r', 'https://app.example.com/cb', '--json']);
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as { client_id: string; client_secret: string };
    expect(printed.client_id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(printed.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const server = await createAuthServer({
      config: { databaseUrl, logLevel: 'silent', host: '127.0.0.1', port: 0 },
      logger: false,
    });
    try {
      const address = await server.listen();
      const tokenRequest = (secret: string) =>
        fetch(`${address}/oauth/token`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`${printed.client_id}:${secret}`).toString('base64')}`,
          },
          body: new URLSearchParams({ grant_type: 'authorization_code', code: 'unknown-code' }).toString(),
        });
      // Authenticated: the failure is about the code, not the client.
      const good = await tokenRequest(printed.client_secret);
      expect(good.status).toBe(400);
      expect(((await good.json()) as { error: string }).error).toBe('invalid_grant');
      const bad = await tokenRequest(`${printed.client_secret}x`);
      expect(bad.status).toBe(401);
      expect(((await bad.json()) as { error: string }).error).toBe('invalid_client');
    } finally {
      await server.close();
    }
  });

  it('prints the secret once in text form', async () => {
    const run = await cli(['clients', 'create', '-n', 'App', '-r', 'https://app.example.com/cb']);
    expect(run.code).toBe(0);
    expect(run.out[0]).toMatch(/^client_id: +\S+$/);
    expect(run.out[1]).toMatch(/^client_secret: +[A-Za-z0-9_-]{43} +\(shown only now\)$/);
  });

  it.each([
    'javascript:alert(1)',
    'https://a.example.com/cb#frag',
    'http://evil.example.com/cb',
    'not a url',
  ])('refuses the redirect URI %s and stores nothing', async (uri) => {
    const before = await listClients();
    const run = await cli([
      'clients',
      'create',
      '-n',
      'Bad',
      '-r',
      'https://ok.example.com/cb',
      '-r',
      uri,
      '--json',
    ]);
    expectCleanError(run, 1, /redirect/i);
    expect(run.stdout).toBe('');
    expect(await listClients()).toEqual(before);
  });

  it('accepts a loopback http redirect URI', async () => {
    const run = await cli([
      'clients',
      'create',
      '-n',
      'CLI tool',
      '-r',
      'http://127.0.0.1:8765/cb',
      '--json',
    ]);
    expect(run.code).toBe(0);
  });

  it('makes a public client without a secret with --public', async () => {
    const run = await cli([
      'clients',
      'create',
      '-n',
      'SPA',
      '-r',
      'https://spa.example.com/cb',
      '--public',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(printed.client_id).toEqual(expect.any(String));
    expect(printed).not.toHaveProperty('client_secret');
    const [listed] = await listClients();
    expect(listed).toMatchObject({ client_id: printed.client_id, token_endpoint_auth_method: 'none' });

    const text = await cli([
      'clients',
      'create',
      '-n',
      'SPA 2',
      '-r',
      'https://spa.example.com/cb',
      '--public',
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).not.toContain('client_secret');
  });

  it('passes the options through to the registration', async () => {
    const run = await cli([
      'clients',
      'create',
      '-n',
      'Dashboard',
      '-r',
      'https://dash.example.com/a',
      '-r',
      'https://dash.example.com/b',
      '--client-id',
      'dashboard',
      '-s',
      'profile email',
      '--auth-method',
      'client_secret_post',
      '--skip-consent',
      '-g',
      'authorization_code',
      '--json',
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ client_id: 'dashboard' });
    expect(await listClients()).toEqual([
      {
        client_id: 'dashboard',
        client_name: 'Dashboard',
        redirect_uris: ['https://dash.example.com/a', 'https://dash.example.com/b'],
        scope: 'profile email',
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['authorization_code'],
        skip_consent: true,
      },
    ]);
  });

  it.each([
    [['--auth-method', 'private_key_jwt'], /token_endpoint_auth_method/],
    [['-g', 'bearer'], /grant_types/],
    [['-g', 'refresh_token'], /refresh_token needs/],
    [['--id-token-alg', 'none'], /id_token_signed_response_alg/],
    [['--subject-type', 'secret'], /subject_type/],
    [['--access-token-format', 'macaroon'], /access_token_format/],
    [['-g', 'refresh_token', '-g', 'client_credentials'], /refresh_token needs/],
    [['--client-id', 'has space'], /client_id/],
    [['-s', 'bad"scope'], /scope/],
  ])('refuses invalid metadata %j with exit 1', async (extra, pattern) => {
    const run = await cli(['clients', 'create', '-n', 'X', '-r', 'https://x.example.com/cb', ...extra]);
    expectCleanError(run, 1, pattern);
    expect(await listClients()).toEqual([]);
  });

  it('refuses a duplicate client_id with exit 1', async () => {
    const args = ['clients', 'create', '-n', 'X', '-r', 'https://x.example.com/cb', '--client-id', 'same'];
    expect((await cli(args)).code).toBe(0);
    expectCleanError(await cli(args), 1, /already exists/);
  });
});

describe('latchkey clients list', () => {
  it('says so when there are no clients', async () => {
    const run = await cli(['clients', 'list']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('No clients are registered.');
    expect(await listClients()).toEqual([]);
  });

  it('lists clients as text and as JSON, without secrets', async () => {
    const created = await cli([
      'clients',
      'create',
      '-n',
      'First',
      '-r',
      'https://one.example.com/cb',
      '--json',
    ]);
    const secret = (JSON.parse(created.stdout) as { client_secret: string }).client_secret;
    await cli(['clients', 'create', '-n', 'Second', '-r', 'https://two.example.com/cb', '--public']);

    const text = await cli(['clients', 'list']);
    expect(text.code).toBe(0);
    expect(text.out).toHaveLength(2);
    expect(text.stdout).toContain('First');
    expect(text.stdout).toContain('https://two.example.com/cb');
    expect(text.stdout).not.toContain(secret);

    const json = await listClients();
    expect(json.map((c) => c.client_name).sort()).toEqual(['First', 'Second']);
    expect(JSON.stringify(json)).not.toContain(secret);
    expect(json.find((c) => c.client_name === 'First')).toMatchObject({
      redirect_uris: ['https://one.example.com/cb'],
      scope: 'profile',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      skip_consent: false,
    });
  });
});

describe('a client without redirect URIs', () => {
  it('is refused for the authorization_code grant (exit 1), allowed for client_credentials alone', async () => {
    const refused = await cli(['clients', 'create', '-n', 'App']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/redirect_uris/);
    const service = await cli(['clients', 'create', '-n', 'Service', '-g', 'client_credentials', '--json']);
    expect(service.code).toBe(0);
    expect(JSON.parse(service.stdout).client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('usage errors exit 2', () => {
  it.each([
    [['frobnicate']],
    [['users', 'frobnicate']],
    [['users', 'create']],
    [['clients', 'create', '-r', 'https://app.example.com/cb']],
    [['migrate', '--bogus']],
  ])('%j', async (argv) => {
    const run = await cli(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/error/i);
  });

  it('--help exits 0', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('clients');
  });
});

describe('bad configuration exits 1 with the problem listed', () => {
  it.each([
    [{ LATCHKEY_PORT: 'abc' }, /port/],
    [{ LATCHKEY_ISSUER: 'ftp://x' }, /issuer: .*http\(s\)/],
    [{ LATCHKEY_AUTHORIZATION_CODE_TTL: '601' }, /tokens\.authorizationCodeTtl/],
  ])('%j', async (env, pattern) => {
    const run = await cli(['migrate'], { env });
    expectCleanError(run, 1, /Invalid configuration/);
    expect(run.stderr).toMatch(pattern);
  });

  it('a --config file that is not JSON', async () => {
    const file = join(root, 'broken.json');
    writeFileSync(file, '{ "port": ');
    const run = await cli(['--config', file, 'migrate']);
    expectCleanError(run, 1, /Invalid configuration/);
    expect(run.stderr).toContain(file);
  });

  it('a --config file with an unknown key', async () => {
    const file = join(root, 'unknown-key.json');
    writeFileSync(file, JSON.stringify({ port: 9000, colour: 'blue' }));
    const run = await cli(['--config', file, 'clients', 'list']);
    expectCleanError(run, 1, /Invalid configuration/);
    expect(run.stderr).toContain('colour');
  });

  it('a --config file that does not exist', async () => {
    const run = await cli(['-c', join(root, 'nope.json'), 'migrate']);
    expectCleanError(run, 1, /nope\.json/);
  });

  it('takes settings from a valid --config file', async () => {
    const file = join(root, 'good.json');
    const fromFile = await freshDatabaseUrl(root, 'from-file');
    writeFileSync(file, JSON.stringify({ databaseUrl: fromFile }));
    // The file names the database; the env must not override it here.
    const io: CliIo = {
      out: () => {},
      err: () => {},
      env: { LATCHKEY_LOG_LEVEL: 'silent' },
      readStdin: async () => '',
    };
    expect(await runCli(['--config', file, 'migrate'], io)).toBe(0);
    const { store } = await openStore(fromFile);
    await store.close();
  });

  it.each(['mysql://user:hunter2@db.example.com/latchkey', 'mongodb://db.example.com/latchkey'])(
    'an unsupported database URL %s',
    async (url) => {
      for (const argv of [['migrate'], ['clients', 'list'], ['users', 'create', '-u', 'x']]) {
        const run = await cli(argv, { env: { LATCHKEY_DATABASE_URL: url } });
        expectCleanError(run, 1, /Unsupported database URL/);
        expect(run.stderr).toContain('sqlite:');
        // Credentials in the URL are not echoed.
        expect(run.stderr).not.toContain('hunter2');
      }
    },
  );
});
