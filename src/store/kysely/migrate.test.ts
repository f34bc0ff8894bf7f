/** Schema preparation at start: migrate, or (migrateOnStart off) refuse a schema that lacks migrations. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../../../test/helpers/database.js';
import { openDatabase } from './database.js';
import { openStore } from './index.js';
import { migrateToLatest, prepareSchema, SchemaNotReadyError, schemaStatus } from './migrate.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-migrate-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const freshUrl = () => freshDatabaseUrl(dir, `m-${++n}`);

describe('preparing the schema', () => {
  it('with migrateOnStart off, refuses an empty database and names the command to run', async () => {
    const url = await freshUrl();
    await expect(openStore(url, { migrateOnStart: false })).rejects.toThrow(SchemaNotReadyError);
    await expect(openStore(url, { migrateOnStart: false })).rejects.toThrow(/latchkey migrate/);
    // Nothing was created: the refusal is not a half-migrated schema.
    const db = openDatabase(url);
    try {
      expect((await schemaStatus(db)).pending.length).toBeGreaterThan(0);
      expect((await schemaStatus(db)).pending[0]).toBe('0001-initial');
    } finally {
      await db.destroy();
    }
  });

  it('with migrateOnStart off, opens a database `latchkey migrate` brought up to date', async () => {
    const url = await freshUrl();
    const db = openDatabase(url);
    try {
      expect((await migrateToLatest(db)).length).toBeGreaterThan(0);
      expect(await schemaStatus(db)).toEqual({ pending: [], newer: [] });
    } finally {
      await db.destroy();
    }
    const { store, schema } = await openStore(url, { migrateOnStart: false });
    expect(schema).toEqual({ pending: [], newer: [] });
    await store.ping();
    await store.close();
  });

  it('accepts a schema a newer build migrated (a rolling upgrade), reporting the newer migrations', async () => {
    const url = await freshUrl();
    const db = openDatabase(url);
    try {
      await migrateToLatest(db);
      await sql`insert into latchkey_migrations (name, timestamp) values ('9999-from-the-future', '2030-01-01T00:00:00.000Z')`.execute(
        db,
      );
      for (const migrateOnStart of [true, false]) {
        expect(await prepareSchema(db, { migrateOnStart })).toEqual({
          pending: [],
          newer: ['9999-from-the-future'],
        });
      }
    } finally {
      await db.destroy();
    }
  });

  it('migrates once when several instances start together', async () => {
    const url = await freshUrl();
    const opened = await Promise.all([1, 2, 3].map(() => openStore(url)));
    for (const { schema } of opened) expect(schema.pending).toEqual([]);
    for (const { store } of opened) await store.close();
  });
});
