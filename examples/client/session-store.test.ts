import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSessionStore, isSessionId } from './session-store.js';

describe('session store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'example-sessions-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates, reads, saves and destroys sessions', () => {
    const store = createSessionStore({ path: ':memory:' });
    const session = store.create();
    expect(isSessionId(session.id)).toBe(true);
    expect(session.data.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(store.get(session.id)?.data).toEqual(session.data);

    session.data.tokens = { accessToken: 'at', tokenType: 'bearer', refreshToken: 'rt' };
    store.save(session);
    expect(store.get(session.id)?.data.tokens?.refreshToken).toBe('rt');

    store.destroy(session.id);
    expect(store.get(session.id)).toBeUndefined();
    store.close();
  });

  it('ignores unknown and malformed ids', () => {
    const store = createSessionStore({ path: ':memory:' });
    for (const id of [undefined, '', 'short', 'A'.repeat(43), `${'A'.repeat(42)}!`, "' OR 1=1 --"]) {
      expect(store.get(id)).toBeUndefined();
    }
    store.destroy('not an id');
    store.close();
  });

  it('expires sessions after their lifetime and sweeps them', () => {
    let clock = 1_000_000;
    const path = join(dir, 'expiry.db');
    const store = createSessionStore({ path, ttlMs: 60_000, now: () => clock });
    const session = store.create();
    clock += 59_999;
    expect(store.get(session.id)).toBeDefined();
    clock += 1;
    expect(store.get(session.id)).toBeUndefined();
    // Saving an expired session must not bring it back.
    store.save(session);
    expect(store.get(session.id)).toBeUndefined();

    store.create();
    const db = new Database(path, { readonly: true });
    const ids = db.prepare('SELECT id FROM sessions').all() as Array<{ id: string }>;
    expect(ids.map((row) => row.id)).not.toContain(session.id);
    db.close();
    store.close();
  });

  it('uses WAL and survives a corrupt row', () => {
    const path = join(dir, 'wal.db');
    const store = createSessionStore({ path });
    const session = store.create();
    const db = new Database(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.prepare('UPDATE sessions SET data = ? WHERE id = ?').run('{not json', session.id);
    db.close();
    expect(store.get(session.id)).toBeUndefined();
    store.close();
  });
});
