/**
 * The AuditLog contract (migration 0009): recording, filtering, keyset paging and the retention
 * purge, against the ports only. SQLite in temp files; PostgreSQL is one more `auditContract` call.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl, TEST_ENGINE } from '../../../test/helpers/database.js';
import type { AuditEventRecord, Store } from '../ports.js';
import { openStore } from './index.js';

const T0 = 1_800_000_000;
let serial = 0;

function event(overrides: Partial<AuditEventRecord> = {}): AuditEventRecord {
  const n = ++serial;
  return {
    id: `event-${String(n).padStart(4, '0')}`,
    at: T0,
    actorType: 'user',
    actorId: 'user-1',
    action: 'login.success',
    targetType: 'user',
    targetId: 'user-1',
    ip: '127.0.0.1',
    userAgent: 'Mozilla/5.0',
    details: { username: 'alice', nested: { list: [1, 'two'] } },
    ...overrides,
  };
}

function auditContract(engine: string, open: () => Promise<Store>, cleanup: () => void): void {
  describe(`AuditLog contract: ${engine}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });
    afterAll(cleanup);

    it('records an event and lists it unchanged', async () => {
      const e = event({ actorType: 'anonymous', actorId: null, targetType: null, targetId: null });
      await store.audit.record(e);
      expect(await store.audit.list({ limit: 10 })).toEqual([e]);
    });

    it('lists newest first, ties broken by id, and pages with a (at, id) cursor', async () => {
      const a = event({ at: T0 });
      const b = event({ at: T0 + 5 });
      const c = event({ at: T0 + 5 });
      const d = event({ at: T0 + 9 });
      for (const e of [c, a, d, b]) await store.audit.record(e);
      const first = await store.audit.list({ limit: 2 });
      expect(first.map((e) => e.id)).toEqual([d.id, c.id]);
      const last = first.at(-1)!;
      const second = await store.audit.list({ limit: 2, before: { at: last.at, id: last.id } });
      expect(second.map((e) => e.id)).toEqual([b.id, a.id]);
      expect(await store.audit.list({ limit: 2, before: { at: a.at, id: a.id } })).toEqual([]);
    });

    it('filters by action (exact or a prefix), actor, target and time', async () => {
      const login = event({ action: 'login.failure', actorId: null, at: T0 });
      const adminUser = event({
        action: 'admin.user.updated',
        actorId: 'admin-1',
        targetId: 'user-2',
        at: T0 + 10,
      });
      const adminClient = event({
        action: 'admin.client.created',
        actorId: 'admin-1',
        targetType: 'client',
        targetId: 'app',
        at: T0 + 20,
      });
      // Sorts right after 'admin.' prefixes, and contains a LIKE wildcard: neither may match 'admin.*'.
      const lookalike = event({ action: 'admin_x.thing', at: T0 + 30 });
      for (const e of [login, adminUser, adminClient, lookalike]) await store.audit.record(e);
      const ids = async (f: Parameters<Store['audit']['list']>[0]) =>
        (await store.audit.list(f)).map((e) => e.id);
      expect(await ids({ limit: 10, action: 'login.failure' })).toEqual([login.id]);
      expect(await ids({ limit: 10, action: 'admin.*' })).toEqual([adminClient.id, adminUser.id]);
      expect(await ids({ limit: 10, action: 'admin.user.*' })).toEqual([adminUser.id]);
      expect(await ids({ limit: 10, actorId: 'admin-1' })).toEqual([adminClient.id, adminUser.id]);
      expect(await ids({ limit: 10, targetId: 'user-2' })).toEqual([adminUser.id]);
      expect(await ids({ limit: 10, targetType: 'client', targetId: 'app' })).toEqual([adminClient.id]);
      expect(await ids({ limit: 10, since: T0 + 10, until: T0 + 20 })).toEqual([
        adminClient.id,
        adminUser.id,
      ]);
      expect(await ids({ limit: 1, since: T0 + 10 })).toEqual([lookalike.id]);
    });

    it('is purged by housekeeping once older than the retention, and kept without one', async () => {
      const old = event({ at: T0 });
      const recent = event({ at: T0 + 100 });
      await store.audit.record(old);
      await store.audit.record(recent);
      const options = { codeRetention: 0, throttleWindow: 0 };
      expect((await store.housekeeping.purgeExpired(T0 + 1000, options)).auditEvents).toBe(0);
      expect(await store.audit.list({ limit: 10 })).toHaveLength(2);
      const counts = await store.housekeeping.purgeExpired(T0 + 1000, { ...options, auditRetention: 950 });
      expect(counts.auditEvents).toBe(1);
      expect((await store.audit.list({ limit: 10 })).map((e) => e.id)).toEqual([recent.id]);
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'latchkey-audit-'));
let files = 0;
auditContract(
  TEST_ENGINE === 'postgres' ? 'PostgreSQL' : 'SQLite',
  async () => (await openStore(await freshDatabaseUrl(dir, `audit-${++files}`))).store,
  () => rmSync(dir, { recursive: true, force: true }),
);
