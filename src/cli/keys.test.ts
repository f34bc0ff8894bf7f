/** `latchkey keys list|rotate|retire`, run in-process through runCli on a temp SQLite. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../../test/helpers/database.js';
import { type CliIo, runCli } from './main.js';

const root = mkdtempSync(join(tmpdir(), 'latchkey-cli-keys-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dbCount = 0;
let databaseUrl: string;
beforeEach(async () => {
  databaseUrl = await freshDatabaseUrl(join(root, `db-${++dbCount}`));
});

async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: { LATCHKEY_DATABASE_URL: databaseUrl, LATCHKEY_LOG_LEVEL: 'silent' },
    readStdin: async () => '',
  };
  const code = await runCli(argv, io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

interface ListedKey {
  kid: string;
  alg: string;
  status: string;
  created_at: number;
  retire_at: number | null;
}

async function listed(): Promise<ListedKey[]> {
  const run = await cli(['keys', 'list', '--json']);
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as ListedKey[];
}

/** One line, no stack trace, no internal class names. */
function expectCleanError(run: { code: number; stderr: string }, code: number, pattern: RegExp) {
  expect(run.code).toBe(code);
  expect(run.stderr).toMatch(pattern);
  expect(run.stderr.split('\n')).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at |TypeError|SqliteError|OAuthError/);
}

describe('latchkey keys list', () => {
  it('says so when there are no keys, and lists them as text and JSON without key material', async () => {
    expect((await cli(['keys', 'list'])).stdout).toMatch(/no signing keys yet/);
    expect((await cli(['keys', 'rotate', '--alg', 'ES256'])).code).toBe(0);
    const [key] = await listed();
    expect(key).toMatchObject({ alg: 'ES256', status: 'signing', retire_at: null });
    const text = await cli(['keys', 'list']);
    expect(text.stdout).toMatch(new RegExp(`^${key!.kid}  ES256  signing  \\(created \\d{4}-\\d\\d-\\d\\dT`));
    expect(text.stdout + (await cli(['keys', 'list', '--json'])).stdout).not.toMatch(/"d"|"x"|"y"/);
  });
});

describe('latchkey keys rotate', () => {
  it('makes a new signing key and says when the old one leaves the JWKS', async () => {
    await cli(['keys', 'rotate', '--alg', 'ES256']);
    await cli(['keys', 'rotate', '--alg', 'EdDSA']);
    const before = await listed();
    const es = before.find((k) => k.alg === 'ES256');
    const ed = before.find((k) => k.alg === 'EdDSA');
    const run = await cli(['keys', 'rotate']);
    expect(run.code).toBe(0);
    const after = await listed();
    const newEs = after.find((k) => k.alg === 'ES256' && k.status === 'signing')!;
    const newEd = after.find((k) => k.alg === 'EdDSA' && k.status === 'signing')!;
    expect(after.find((k) => k.kid === es!.kid)).toMatchObject({ status: 'published' });
    const leaves = new Date(after.find((k) => k.kid === es!.kid)!.retire_at! * 1000).toISOString();
    expect(run.stdout).toContain(`ES256: ${newEs.kid} signs from now on.`);
    expect(run.stdout).toContain(`ES256: ${es!.kid} signs no more and leaves the JWKS at ${leaves}.`);
    expect(run.stdout).toContain(`EdDSA: ${newEd.kid} signs from now on.`);
    expect(run.stdout).toContain(`EdDSA: ${ed!.kid} signs no more`);
    expect(run.stdout).not.toContain('RS256');
    expect((await cli(['keys', 'list'])).stdout).toMatch(
      new RegExp(`${es!.kid}  ES256  published until \\d{4}-`),
    );
  });

  it('says there is nothing to rotate on an empty database', async () => {
    const run = await cli(['keys', 'rotate']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/no signing keys to rotate/);
  });

  it('refuses an unknown algorithm as a usage error', async () => {
    expectCleanError(
      await cli(['keys', 'rotate', '--alg', 'HS256']),
      2,
      /HS256.*invalid.*ES256, RS256, EdDSA/,
    );
    expect(await listed()).toEqual([]);
  });
});

describe('latchkey keys retire', () => {
  it('retires the signing key at once and a fresh one signs', async () => {
    await cli(['keys', 'rotate', '--alg', 'RS256']);
    const [old] = await listed();
    const run = await cli(['keys', 'retire', old!.kid]);
    expect(run.code).toBe(0);
    const after = await listed();
    const fresh = after.find((k) => k.status === 'signing')!;
    expect(fresh.kid).not.toBe(old!.kid);
    expect(after.find((k) => k.kid === old!.kid)).toMatchObject({ status: 'retired' });
    expect(run.stdout).toContain(`${old!.kid} (RS256) is retired: it has left the JWKS.`);
    expect(run.stdout).toContain(`RS256: ${fresh.kid} signs from now on`);
    expect((await cli(['keys', 'list'])).stdout).toMatch(
      new RegExp(`${old!.kid}  RS256  retired at \\d{4}-`),
    );
  });

  it('refuses an unknown kid and a key retired already with exit 1', async () => {
    expectCleanError(
      await cli(['keys', 'retire', 'no-such-kid']),
      1,
      /^error: There is no signing key with kid no-such-kid$/,
    );
    await cli(['keys', 'rotate', '--alg', 'ES256']);
    const [key] = await listed();
    expect((await cli(['keys', 'retire', key!.kid])).code).toBe(0);
    expectCleanError(await cli(['keys', 'retire', key!.kid]), 1, /is retired already/);
  });

  it('needs a kid', async () => {
    expectCleanError(await cli(['keys', 'retire']), 2, /missing required argument 'kid'/);
  });
});
