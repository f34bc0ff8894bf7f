/**
 * A host application's own Kysely instance as the database (createAuthServer({ database: db })):
 * Latchkey migrates it, uses it, and leaves it open — whatever plugins the host set on it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CamelCasePlugin, type Kysely, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../../../test/helpers/database.js';
import { openDatabase } from './database.js';
import { openStore } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-host-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a host's Kysely instance", () => {
  it('works with the plugins the host uses for its own tables (CamelCasePlugin), and stays open', async () => {
    const base = openDatabase(await freshDatabaseUrl(dir, 'host'));
    const host = base.withPlugin(new CamelCasePlugin()) as unknown as Kysely<Record<string, never>>;
    const { store } = await openStore(host);
    const now = 1_800_000_000;
    await store.clients.create({
      clientId: 'app',
      clientName: 'App',
      secretDigest: null,
      tokenEndpointAuthMethod: 'none',
      redirectUris: ['https://app.example/cb'],
      grantTypes: ['authorization_code'],
      responseTypes: ['code'],
      scope: ['openid'],
      createdAt: now,
    } as never);
    expect((await store.clients.findById('app'))?.clientName).toBe('App');
    const token = {
      tokenDigest: 'digest-1',
      kind: 'access' as const,
      grantId: null,
      clientId: 'app',
      userId: null,
      scope: ['openid'],
      createdAt: now,
      expiresAt: now + 60,
      consumedAt: null,
      revokedAt: null,
    };
    await store.tokens.insert([token]);
    expect(await store.tokens.find('digest-1')).toEqual(token);
    expect(await store.tokens.findWithUser('digest-1')).toMatchObject({
      tokenDigest: 'digest-1',
      username: null,
    });
    await store.close();
    // The host's instance is still usable after Latchkey closed its store.
    expect((await sql<{ one: number }>`select 1 as one`.execute(host)).rows[0]?.one).toBe(1);
    await base.destroy();
  });
});
