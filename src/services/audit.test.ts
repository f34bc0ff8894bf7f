import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../../test/helpers/database.js';
import { parseConfig } from '../config/load.js';
import { fakeClock } from '../protocol/clock.js';
import { OAuthError } from '../protocol/errors.js';
import { openStore } from '../store/kysely/index.js';
import {
  AUDIT_LIMIT_DEFAULT,
  auditEvent,
  listAudit,
  parseAuditQuery,
  recordAudit,
  redactSecrets,
  SYSTEM_ACTOR,
} from './audit.js';
import type { ServiceDeps } from './deps.js';
import { purgeExpired } from './housekeeping.js';

const root = mkdtempSync(join(tmpdir(), 'latchkey-audit-service-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let files = 0;
let deps: ServiceDeps & { clock: ReturnType<typeof fakeClock> };

beforeEach(async () => {
  const url = await freshDatabaseUrl(root, `audit-${++files}`);
  const { store } = await openStore(url);
  deps = { store, clock: fakeClock(), config: parseConfig({ databaseUrl: url }) };
});
afterEach(() => deps.store.close());

const invalid = (field: string) =>
  expect.objectContaining({
    code: 'invalid_request',
    description: expect.stringMatching(new RegExp(`^${field}: `)),
  });

describe('redactSecrets', () => {
  it('hides every secret-named value, at any depth, and keeps the rest', () => {
    expect(
      redactSecrets({
        password: 'hunter22',
        client_secret: 'abc',
        secretDigest: 'def',
        passwordHash: '$argon2id$…',
        refreshToken: 'r',
        before: { clientSecret: 'x', tokenEndpointAuthMethod: 'client_secret_basic', accessTokenTtl: 600 },
        keys: [{ privateJwk: { d: 'secret' }, kid: 'k1' }],
        issueRefreshTokens: true,
      }),
    ).toEqual({
      password: '[redacted]',
      client_secret: '[redacted]',
      secretDigest: '[redacted]',
      passwordHash: '[redacted]',
      refreshToken: '[redacted]',
      before: {
        clientSecret: '[redacted]',
        tokenEndpointAuthMethod: 'client_secret_basic',
        accessTokenTtl: 600,
      },
      keys: [{ privateJwk: '[redacted]', kid: 'k1' }],
      issueRefreshTokens: true,
    });
  });

  it('keeps null as null (a field cleared by a change), and undefined as null', () => {
    expect(
      redactSecrets({
        before: { client_uri: 'https://a.example' },
        after: { client_uri: null, x: undefined },
      }),
    ).toEqual({
      before: { client_uri: 'https://a.example' },
      after: { client_uri: null, x: null },
    });
  });

  it('cuts long strings and arrays and bounds depth', () => {
    const out = redactSecrets({
      s: 'x'.repeat(600),
      a: Array.from({ length: 80 }, (_, i) => i),
      d: { e: { f: { g: { h: 1 } } } },
    });
    expect((out as { s: string }).s).toHaveLength(501);
    expect((out as { a: number[] }).a).toHaveLength(50);
    expect(out).toMatchObject({ d: { e: { f: { g: '[…]' } } } });
  });
});

describe('auditEvent and recordAudit', () => {
  it('stamps the time from the clock, cuts the user agent to 300 characters, and stores it', async () => {
    deps.clock.set(1_900_000_000);
    await recordAudit(deps, {
      actor: { type: 'user', id: 'u1', ip: '203.0.113.9', userAgent: 'A'.repeat(1000) },
      action: 'password.changed',
      target: { type: 'user', id: 'u1' },
      details: { newPassword: 'do not keep' },
    });
    const [stored] = (await listAudit(deps, {})).events;
    expect(stored).toMatchObject({
      at: 1_900_000_000,
      actorType: 'user',
      actorId: 'u1',
      ip: '203.0.113.9',
      action: 'password.changed',
      targetType: 'user',
      targetId: 'u1',
      details: { newPassword: '[redacted]' },
    });
    expect(stored?.userAgent).toHaveLength(300);
  });

  it('refuses a malformed action: a programming error, not an event', () => {
    for (const action of ['Login', 'login', 'login success', '.x', 'a..b'])
      expect(() => auditEvent(deps, { actor: SYSTEM_ACTOR, action })).toThrow(OAuthError);
  });
});

describe('listAudit', () => {
  it('pages newest first with an opaque cursor, and filters', async () => {
    for (let i = 0; i < 5; i++) {
      deps.clock.advance(10);
      await recordAudit(deps, {
        actor: SYSTEM_ACTOR,
        action: i % 2 ? 'admin.user.updated' : 'login.success',
      });
    }
    const first = await listAudit(deps, { limit: '2' });
    expect(first.events.map((e) => e.at)).toEqual([1_800_000_050, 1_800_000_040]);
    const second = await listAudit(deps, { limit: 2, cursor: first.nextCursor! });
    expect(second.events.map((e) => e.at)).toEqual([1_800_000_030, 1_800_000_020]);
    const third = await listAudit(deps, { limit: 2, cursor: second.nextCursor! });
    expect(third.events).toHaveLength(1);
    expect(third.nextCursor).toBeNull();
    expect((await listAudit(deps, { action: 'admin.*' })).events).toHaveLength(2);
    expect((await listAudit(deps, { since: '1800000030', until: 1_800_000_040 })).events).toHaveLength(2);
  });

  it('answers bad filters with invalid_request naming the field', () => {
    expect(parseAuditQuery({}).limit).toBe(AUDIT_LIMIT_DEFAULT);
    expect(parseAuditQuery({ limit: '', action: '' })).toEqual({ limit: AUDIT_LIMIT_DEFAULT });
    for (const limit of [0, 201, '1.5', 'ten', -1])
      expect(() => parseAuditQuery({ limit })).toThrow(invalid('limit'));
    for (const cursor of ['x', '12', '12.', 'a.b', '1.a b'])
      expect(() => parseAuditQuery({ cursor })).toThrow(invalid('cursor'));
    for (const action of ['ADMIN', 'admin.%', 'admin*', "login'--"])
      expect(() => parseAuditQuery({ action })).toThrow(invalid('action'));
    expect(() => parseAuditQuery({ since: 'yesterday' })).toThrow(invalid('since'));
    expect(() => parseAuditQuery({ since: 10, until: 5 })).toThrow(invalid('since'));
    expect(() => parseAuditQuery({ targetId: 'x'.repeat(201) })).toThrow(invalid('targetId'));
  });
});

describe('retention', () => {
  it('purges events once audit.retentionDays (90 by default) have passed, with the housekeeping', async () => {
    await recordAudit(deps, { actor: SYSTEM_ACTOR, action: 'login.success' });
    deps.clock.advance(90 * 86_400 - 1);
    await recordAudit(deps, { actor: SYSTEM_ACTOR, action: 'login.failure' });
    expect((await purgeExpired(deps)).auditEvents).toBe(0);
    deps.clock.advance(1);
    expect((await purgeExpired(deps)).auditEvents).toBe(1);
    expect((await listAudit(deps, {})).events.map((e) => e.action)).toEqual(['login.failure']);
  });
});
