/**
 * The administration commands added with the admin API: users create --admin, update
 * --admin/--no-admin, list, disable, enable, set-password; clients show, update, delete,
 * rotate-secret, list --search. Each goes through the services the API uses, so each change is
 * audited (actor system/cli), and a refusal exits 1 with one line and changes nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../../test/helpers/database.js';
import { verifyPassword } from '../accounts/passwords.js';
import { digest } from '../crypto/digest.js';
import { openStore } from '../store/kysely/index.js';
import type { Store } from '../store/ports.js';
import { type CliIo, runCli } from './main.js';

const root = mkdtempSync(join(tmpdir(), 'latchkey-cli-admin-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let databaseUrl: string;
let count = 0;
beforeEach(async () => {
  databaseUrl = await freshDatabaseUrl(join(root, `db-${++count}`));
});

const PASSWORD = 'correct horse battery staple';

async function cli(argv: string[], stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: { LATCHKEY_DATABASE_URL: databaseUrl, LATCHKEY_LOG_LEVEL: 'silent' },
    readStdin: async () => stdin,
  };
  const code = await runCli(argv, io);
  return { code, out, stdout: out.join('\n'), stderr: err.join('\n') };
}

async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const { store } = await openStore(databaseUrl);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** The audit events as actor:action, sorted (events within one second have no order). */
const actions = () =>
  withStore(async (store) =>
    (await store.audit.list({ limit: 100 })).map((e) => `${e.actorId}:${e.action}`).sort(),
  );

describe('latchkey users (administration)', () => {
  it('creates an administrator, and takes the flag away and back', async () => {
    const created = await cli(['users', 'create', '-u', 'root', '--admin', '--password-stdin'], PASSWORD);
    expect(created).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Created administrator root/) });
    expect((await withStore((s) => s.users.findByUsername('root')))?.isAdmin).toBe(true);

    expect((await cli(['users', 'update', 'root', '--no-admin'])).code).toBe(0);
    expect((await withStore((s) => s.users.findByUsername('root')))?.isAdmin).toBeUndefined();
    expect((await cli(['users', 'update', 'root', '--admin'])).code).toBe(0);
    const shown = JSON.parse((await cli(['users', 'show', 'root', '--json'])).stdout);
    expect(shown).toMatchObject({ username: 'root', is_admin: true, disabled: false });
    expect(await actions()).toEqual([
      'cli:admin.user.created',
      'cli:admin.user.updated',
      'cli:admin.user.updated',
    ]);
  });

  it('lists and searches users, never with their hashes', async () => {
    for (const name of ['anna', 'bob', 'annabel']) await cli(['users', 'create', '-u', name]);
    const text = await cli(['users', 'list', '--search', 'ANN']);
    expect(text.out).toEqual([
      expect.stringMatching(/^anna {2}\(id .+, active\)$/),
      expect.stringMatching(/^annabel {2}\(id .+, active\)$/),
    ]);
    const json = JSON.parse((await cli(['users', 'list', '--json'])).stdout) as Array<
      Record<string, unknown>
    >;
    expect(json.map((u) => u.username)).toEqual(['anna', 'annabel', 'bob']);
    expect(JSON.stringify(json)).not.toMatch(/argon|password/i);
    expect((await cli(['users', 'list', '--search', 'zed'])).stdout).toBe('No user matches.');
  });

  it('disables and enables a user, and sets a password that signs them out', async () => {
    await cli(['users', 'create', '-u', 'carl', '--password-stdin'], PASSWORD);
    const disabled = await cli(['users', 'disable', 'carl']);
    expect(disabled.code).toBe(0);
    expect((await withStore((s) => s.users.findByUsername('carl')))?.disabled).toBe(true);
    expect((await cli(['users', 'list'])).stdout).toMatch(/carl {2}\(id .+, disabled\)/);
    expect((await cli(['users', 'enable', 'carl'])).code).toBe(0);
    expect((await withStore((s) => s.users.findByUsername('carl')))?.disabled).toBe(false);

    const set = await cli(['users', 'set-password', 'carl']);
    expect(set.code).toBe(0);
    const generated = /Password \(shown only now\): (\S+)/.exec(set.stdout)![1]!;
    const hash = (await withStore((s) => s.users.findByUsername('carl')))!.passwordHash;
    expect(await verifyPassword(hash, generated)).toBe(true);
    expect(await verifyPassword(hash, PASSWORD)).toBe(false);
    expect(await actions()).toEqual([
      'cli:admin.user.created',
      'cli:admin.user.disabled',
      'cli:admin.user.password_set',
      'cli:admin.user.updated',
    ]);
  });

  it('refuses bad input with one line and changes nothing', async () => {
    await cli(['users', 'create', '-u', 'dora', '--password-stdin'], PASSWORD);
    const before = await withStore((s) => s.users.findByUsername('dora'));
    for (const [argv, message] of [
      [['users', 'set-password', 'dora', '--password-stdin'], /password must be/],
      [['users', 'disable', 'nobody'], /No user named nobody/],
      [['users', 'update', 'dora'], /nothing to change/],
    ] as const) {
      const run = await cli([...argv], 'short');
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(message);
    }
    expect(await withStore((s) => s.users.findByUsername('dora'))).toEqual(before);
  });
});

describe('latchkey clients (administration)', () => {
  async function createWeb() {
    const run = await cli([
      'clients',
      'create',
      '-n',
      'Web',
      '--client-id',
      'web',
      '-r',
      'https://web.example/cb',
      '--json',
    ]);
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout) as { client_id: string; client_secret: string };
  }

  it("takes a client_id that starts with '-' as the id, not as an option", async () => {
    const created = await cli([
      'clients',
      'create',
      '-n',
      'Dash',
      '--client-id=-Dash_1',
      '-r',
      'https://d.example/cb',
    ]);
    expect(created.code).toBe(0);
    expect(JSON.parse((await cli(['clients', 'show', '-Dash_1'])).stdout)).toMatchObject({
      client_id: '-Dash_1',
    });
    // A command with options of its own needs `--`, and says so when it is missing.
    const missing = await cli(['clients', 'rotate-secret', '-Dash_1']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/goes after '--'/);
    expect((await cli(['clients', 'rotate-secret', '--', '-Dash_1'])).code).toBe(0);
    expect(await cli(['clients', 'delete', '-Dash_1'])).toMatchObject({ code: 0 });
    expect(await withStore((s) => s.clients.findById('-Dash_1'))).toBeNull();
  });

  it('shows a client without its secret and updates it, keeping the secret', async () => {
    const { client_secret: secret } = await createWeb();
    const shown = JSON.parse((await cli(['clients', 'show', 'web'])).stdout);
    expect(shown).toMatchObject({ client_id: 'web', client_name: 'Web', created_at: expect.any(Number) });
    expect(JSON.stringify(shown)).not.toContain(secret);

    const updated = await cli([
      'clients',
      'update',
      'web',
      '-n',
      'Web 2',
      '--skip-consent',
      '--client-uri',
      'https://web.example',
    ]);
    expect(updated).toMatchObject({ code: 0, stdout: 'Updated client web.' });
    const stored = await withStore((s) => s.clients.findById('web'));
    expect(stored).toMatchObject({
      clientName: 'Web 2',
      skipConsent: true,
      clientUri: 'https://web.example',
    });
    expect(stored?.secretDigest).toBe(digest(secret));
    expect((await cli(['clients', 'update', 'web', '--no-client-uri', '--no-skip-consent'])).code).toBe(0);
    expect(await withStore((s) => s.clients.findById('web'))).toMatchObject({
      clientUri: null,
      skipConsent: false,
    });
  });

  it('refuses a bad update with the registration rules and changes nothing', async () => {
    await createWeb();
    const before = await withStore((s) => s.clients.findById('web'));
    for (const [flags, message] of [
      [
        ['-r', 'javascript:alert(1)'],
        /^error: redirect_uris\[0\]: javascript:alert\(1\) must not use the javascript: scheme$/,
      ],
      [['--public'], /token_endpoint_auth_method: cannot change/],
      [['-g', 'refresh_token'], /refresh_token needs/],
      [[], /nothing to change/],
    ] as const) {
      const run = await cli(['clients', 'update', 'web', ...flags]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(message);
    }
    expect(await withStore((s) => s.clients.findById('web'))).toEqual(before);
  });

  it('rotates a secret once and deletes a client', async () => {
    const { client_secret: old } = await createWeb();
    const rotated = JSON.parse((await cli(['clients', 'rotate-secret', 'web', '--json'])).stdout);
    expect(rotated.client_secret).not.toBe(old);
    expect((await withStore((s) => s.clients.findById('web')))?.secretDigest).toBe(
      digest(rotated.client_secret),
    );

    expect((await cli(['clients', 'list', '--search', 'WE'])).out).toHaveLength(1);
    expect((await cli(['clients', 'list', '--search', 'nothing'])).stdout).toBe('No client matches.');
    const deleted = await cli(['clients', 'delete', 'web']);
    expect(deleted.code).toBe(0);
    expect(await withStore((s) => s.clients.findById('web'))).toBeNull();
    const again = await cli(['clients', 'delete', 'web']);
    expect(again).toMatchObject({ code: 1, stderr: 'error: No client with client_id web' });
    expect(await actions()).toEqual([
      'cli:admin.client.created',
      'cli:admin.client.deleted',
      'cli:admin.client.secret_rotated',
    ]);
  });
});
