/**
 * `latchkey users create | update | show` and the OpenID Connect claims they manage, run in-process
 * through runCli with captured output and a fresh database per test.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl, TEST_ENGINE, withRawDb } from '../../test/helpers/database.js';
import { openStore } from '../store/kysely/index.js';
import type { UserRecord } from '../store/ports.js';
import { type CliIo, runCli } from './main.js';

const root = mkdtempSync(join(tmpdir(), 'latchkey-cli-users-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dbCount = 0;
let dbFile: string;
let databaseUrl: string;
beforeEach(async () => {
  dbFile = join(root, `db-${++dbCount}.db`);
  databaseUrl = await freshDatabaseUrl(root, `db-${dbCount}`);
});

/** No database was created (SQLite: no file) and nothing was written (PostgreSQL: no tables). */
async function databaseUntouched(): Promise<boolean> {
  if (TEST_ENGINE === 'sqlite') return !existsSync(dbFile);
  return (await withRawDb(databaseUrl, (db) => db.tables())).length === 0;
}

interface Run {
  code: number;
  out: string[];
  err: string[];
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], stdin = 'correct horse battery staple\n'): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: { LATCHKEY_DATABASE_URL: databaseUrl, LATCHKEY_LOG_LEVEL: 'silent' },
    readStdin: async () => stdin,
  };
  const code = await runCli(argv, io);
  return { code, out, err, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** Exit 1 with exactly one line, `error: <message>`, and no stack trace. */
function expectOneLineError(run: Run, message: string | RegExp) {
  expect(run.code).toBe(1);
  expect(run.err).toHaveLength(1);
  expect(run.err[0]).toMatch(/^error: /);
  if (typeof message === 'string') expect(run.err[0]).toBe(`error: ${message}`);
  else expect(run.err[0]).toMatch(message);
  expect(run.stderr).not.toMatch(/\n\s+at |TypeError|ReferenceError|SqliteError/);
}

async function storedUser(username: string): Promise<UserRecord | null> {
  const { store } = await openStore(databaseUrl);
  try {
    return await store.users.findByUsername(username);
  } finally {
    await store.close();
  }
}

const create = (...args: string[]) => cli(['users', 'create', '-u', 'alice', '--password-stdin', ...args]);
const update = (...args: string[]) => cli(['users', 'update', 'alice', ...args]);

const ALICE_FLAGS = [
  ['--name', 'Alice Liddell'],
  ['--given-name', 'Alice'],
  ['--family-name', 'Liddell'],
  ['--middle-name', 'Pleasance'],
  ['--nickname', 'Al'],
  ['--profile', 'https://alice.example.com/'],
  ['--picture', 'https://alice.example.com/me.png'],
  ['--website', 'https://alice.example.com/blog'],
  ['--gender', 'female'],
  ['--birthdate', '1852-05-04'],
  ['--zoneinfo', 'Europe/London'],
  ['--locale', 'en-GB'],
  ['--email', 'alice@example.com'],
  ['--email-verified'],
  ['--phone', '+44 20 7946 0000'],
  ['--phone-verified'],
  ['--address-street', 'St Aldates'],
  ['--address-locality', 'Oxford'],
  ['--address-region', 'Oxfordshire'],
  ['--address-postal-code', 'OX1 1DP'],
  ['--address-country', 'United Kingdom'],
  ['--address-formatted', 'St Aldates, Oxford OX1 1DP'],
].flat();

const ALICE_PROFILE = {
  name: 'Alice Liddell',
  given_name: 'Alice',
  family_name: 'Liddell',
  middle_name: 'Pleasance',
  nickname: 'Al',
  profile: 'https://alice.example.com/',
  picture: 'https://alice.example.com/me.png',
  website: 'https://alice.example.com/blog',
  gender: 'female',
  birthdate: '1852-05-04',
  zoneinfo: 'Europe/London',
  locale: 'en-GB',
  email: 'alice@example.com',
  email_verified: true,
  phone_number: '+44 20 7946 0000',
  phone_number_verified: true,
  address: {
    street_address: 'St Aldates',
    locality: 'Oxford',
    region: 'Oxfordshire',
    postal_code: 'OX1 1DP',
    country: 'United Kingdom',
    formatted: 'St Aldates, Oxford OX1 1DP',
  },
};

const BAD_VALUES: Array<[string[], string]> = [
  [['--email', 'alice-at-example.com'], 'email: must be an email address'],
  [['--picture', 'http://example.com/me.png'], 'picture: must be an https URL (http only on localhost)'],
  [['--website', 'javascript:alert(1)'], 'website: must be an https URL (http only on localhost)'],
  [['--profile', 'alice.example.com'], 'profile: must be an absolute https URL'],
  [['--birthdate', '04/05/1852'], 'birthdate: must be YYYY or YYYY-MM-DD'],
  [['--birthdate', '1851-02-29'], 'birthdate: is not a calendar date'],
  [['--locale', 'en_GB'], 'locale: must be a BCP 47 language tag such as en-US'],
  [['--zoneinfo', 'Mars/Olympus_Mons'], 'zoneinfo: must be a time zone such as Europe/Paris'],
  [['--phone', 'call me maybe'], 'phone_number: must be a phone number such as +44 20 7946 0000'],
  [['--name', 'x'.repeat(501)], 'name: must be at most 500 characters'],
  [['--address-locality', 'y'.repeat(501)], 'address.locality: must be at most 500 characters'],
  [['--nickname', 'Al\u001b[2J'], 'nickname: must not contain control characters'],
];

describe('latchkey users create with claims', () => {
  it('stores every claim given, and prints what it printed before', async () => {
    const before = Math.floor(Date.now() / 1000);
    const run = await create(...ALICE_FLAGS);
    expect(run.code).toBe(0);
    expect(run.out).toHaveLength(1);
    expect(run.stdout).toMatch(/^Created user alice \(id [A-Za-z0-9_-]+\)\.$/);
    const user = await storedUser('alice');
    expect(user?.profile).toEqual(ALICE_PROFILE);
    expect(user?.updatedAt).toBe(user?.createdAt);
    expect(user?.createdAt).toBeGreaterThanOrEqual(before);
  });

  it('creates a user with no claims, as before', async () => {
    expect((await create()).code).toBe(0);
    expect((await storedUser('alice'))?.profile).toEqual({});
  });

  it('records an explicit "not verified"', async () => {
    expect((await create('--email', 'a@example.com', '--no-email-verified')).code).toBe(0);
    expect((await storedUser('alice'))?.profile).toEqual({ email: 'a@example.com', email_verified: false });
  });

  it.each(BAD_VALUES)('refuses %j with one line, exit 1, and no database touched', async (args, message) => {
    const run = await create('--name', 'Alice', ...args);
    expectOneLineError(run, message);
    expect(await databaseUntouched()).toBe(true);
  });

  it('refuses bad claims even with a generated password, and prints no password', async () => {
    const run = await cli(['users', 'create', '-u', 'alice', '--email', 'nope']);
    expectOneLineError(run, 'email: must be an email address');
    expect(run.out).toEqual([]);
  });
});

describe('latchkey users update', () => {
  beforeEach(async () => {
    expect((await create(...ALICE_FLAGS)).code).toBe(0);
  });

  it('replaces the claims given and keeps the others', async () => {
    const before = await storedUser('alice');
    const run = await update('--name', 'Alice P. Liddell', '--locale', 'en-US', '--no-email-verified');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('Updated user alice.');
    const after = await storedUser('alice');
    expect(after?.profile).toEqual({
      ...ALICE_PROFILE,
      name: 'Alice P. Liddell',
      locale: 'en-US',
      email_verified: false,
    });
    expect(after?.updatedAt).toBeGreaterThanOrEqual(before!.updatedAt);
    expect(after?.passwordHash).toBe(before?.passwordHash);
    expect(after?.createdAt).toBe(before?.createdAt);
  });

  it('changes one address field and keeps the rest of the address', async () => {
    expect((await update('--address-locality', 'London', '--address-postal-code', 'SW1A 1AA')).code).toBe(0);
    expect((await storedUser('alice'))?.profile.address).toEqual({
      ...ALICE_PROFILE.address,
      locality: 'London',
      postal_code: 'SW1A 1AA',
    });
  });

  it('removes claims named with --unset (repeatable), address fields one by one or all at once', async () => {
    const run = await update(
      '--unset',
      'nickname',
      '--unset',
      'phone_number_verified',
      '--unset',
      'address.region',
    );
    expect(run.code).toBe(0);
    const profile = (await storedUser('alice'))?.profile;
    expect(profile).not.toHaveProperty('nickname');
    expect(profile).not.toHaveProperty('phone_number_verified');
    expect(profile?.address).not.toHaveProperty('region');
    expect(profile?.address?.locality).toBe('Oxford');

    expect((await update('--unset', 'address', '--unset', 'address.locality')).code).toBe(0);
    expect((await storedUser('alice'))?.profile).not.toHaveProperty('address');
  });

  it('removes a claim given as ""', async () => {
    expect((await update('--gender', '')).code).toBe(0);
    expect((await storedUser('alice'))?.profile).not.toHaveProperty('gender');
  });

  it.each([
    ...BAD_VALUES,
    [['--unset', 'shoe_size'], 'shoe_size: unknown claim'],
    [['--unset', 'address.planet'], /^error: address\.planet: unknown address field/],
    [['--unset', 'preferred_username'], 'preferred_username: is always the user name and cannot be set'],
    [['--unset', 'updated_at'], 'updated_at: is set by Latchkey and cannot be set'],
    [['--name', 'Al', '--unset', 'name'], 'name: both given and removed with --unset name'],
    [
      ['--address-country', 'FR', '--unset', 'address'],
      'address.country: both given and removed with --unset address',
    ],
  ] as Array<[string[], string | RegExp]>)(
    'refuses %j with one line, exit 1, and the user unchanged',
    async (args, message) => {
      const before = await storedUser('alice');
      // With a valid change beside the bad one: nothing at all is written.
      expectOneLineError(await update('--nickname', 'Ally', ...args), message);
      expect(await storedUser('alice')).toEqual(before);
    },
  );

  it('refuses an update that changes nothing', async () => {
    const before = await storedUser('alice');
    expectOneLineError(
      await update(),
      'nothing to change: give claim options, --unset, --admin or --no-admin',
    );
    expect(await storedUser('alice')).toEqual(before);
  });

  it('refuses an unknown user', async () => {
    expectOneLineError(await cli(['users', 'update', 'nobody', '--name', 'X']), 'No user named nobody');
  });

  it('needs the user name', async () => {
    expect((await cli(['users', 'update', '--name', 'X'])).code).toBe(2);
  });
});

describe('latchkey users show', () => {
  it('prints the account and its claims, never the password hash', async () => {
    await create(...ALICE_FLAGS);
    const run = await cli(['users', 'show', 'alice']);
    expect(run.code).toBe(0);
    expect(run.out[0]).toMatch(
      /^alice \(id [A-Za-z0-9_-]+, active, created \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)$/,
    );
    expect(run.out).toContain(`  ${'preferred_username'.padEnd(24)} alice`);
    expect(run.out).toContain(`  ${'name'.padEnd(24)} Alice Liddell`);
    expect(run.out).toContain(`  ${'email_verified'.padEnd(24)} true`);
    expect(run.out).toContain(`  ${'address.locality'.padEnd(24)} Oxford`);
    expect(run.stdout).toMatch(/updated_at {15}\d+ \(\d{4}-/);
    expect(run.stdout).not.toMatch(/argon2|password/i);
  });

  it('prints JSON with --json', async () => {
    await create('--email', 'alice@example.com', '--email-verified');
    const run = await cli(['users', 'show', 'alice', '--json']);
    expect(run.code).toBe(0);
    const shown = JSON.parse(run.stdout);
    const user = await storedUser('alice');
    expect(shown).toEqual({
      id: user?.id,
      username: 'alice',
      is_admin: false,
      disabled: false,
      created_at: user?.createdAt,
      claims: {
        preferred_username: 'alice',
        email: 'alice@example.com',
        email_verified: true,
        updated_at: user?.updatedAt,
      },
    });
    expect(run.stdout).not.toMatch(/argon2|password/i);
  });

  it('shows what survives of a damaged profile, and keeps escape sequences off the terminal', async () => {
    await create();
    const { store, db } = await openStore(databaseUrl);
    const damaged = JSON.stringify({ name: 'Alice\u001b]0;pwned\u0007', email: 42, role: 'admin' });
    await sql`update users set profile = ${damaged}`.execute(db);
    await store.close();
    const text = await cli(['users', 'show', 'alice']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Alice?]0;pwned?');
    expect(text.stdout).not.toMatch(/email|role/);
    expect(text.stdout).not.toContain('\u001b');
    const json = JSON.parse((await cli(['users', 'show', 'alice', '--json'])).stdout);
    expect(json.claims).toEqual({
      preferred_username: 'alice',
      name: 'Alice\u001b]0;pwned\u0007',
      updated_at: json.created_at,
    });
  });

  it('refuses an unknown user', async () => {
    expectOneLineError(await cli(['users', 'show', 'nobody']), 'No user named nobody');
  });
});
