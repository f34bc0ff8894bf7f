import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { type Kysely, sql } from 'kysely';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../../test/helpers/database.js';
import { parseConfig } from '../config/load.js';
import type { ConfigInput } from '../config/schema.js';
import { signJwt } from '../crypto/keys.js';
import { fakeClock } from '../protocol/clock.js';
import { OAuthError } from '../protocol/errors.js';
import { openStore } from '../store/kysely/index.js';
import type { Database } from '../store/kysely/schema.js';
import type { Store } from '../store/ports.js';
import { registerClient } from './clients.js';
import type { ServiceDeps } from './deps.js';
import { purgeExpired } from './housekeeping.js';
import {
  CLOCK_SKEW_SECONDS,
  chooseSigningKey,
  ensureSigningKeys,
  KEY_CACHE_SECONDS,
  listSigningKeys,
  maxAccessTokenLifetime,
  publishedJwks,
  purgeRetiredKeys,
  retireSigningKey,
  rotateSigningKeys,
  signingKey,
} from './signing-keys.js';

const root = mkdtempSync(join(tmpdir(), 'latchkey-signing-keys-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let files = 0;
let url: string;
let db: Kysely<Database>;
let deps: ServiceDeps & { clock: ReturnType<typeof fakeClock> };
const opened: Store[] = [];

async function open(config: ConfigInput = {}, clock = fakeClock()) {
  const { store, db: kysely } = await openStore(url);
  opened.push(store);
  return { deps: { store, clock, config: parseConfig({ databaseUrl: url, ...config }) }, db: kysely };
}

beforeEach(async () => {
  url = await freshDatabaseUrl(root, `keys-${++files}`);
  ({ deps, db } = await open());
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

const kids = async (d = deps) => (await publishedJwks(d)).keys.map((k) => k.kid).sort();
const rowCount = async () =>
  Number((await sql<{ n: number }>`select count(*) as n from signing_keys`.execute(db)).rows[0]!.n);
const retention = (lifetime: number) => lifetime + KEY_CACHE_SECONDS + CLOCK_SKEW_SECONDS;

describe('ensureSigningKeys and signingKey', () => {
  it('makes a key at the first start only, and signs with it', async () => {
    const first = await ensureSigningKeys(deps, ['ES256']);
    expect(first.created).toHaveLength(1);
    expect(await ensureSigningKeys(deps, ['ES256'])).toEqual({ created: [], unreadable: [] });
    const key = await signingKey(deps, 'ES256');
    expect(key.kid).toBe(first.created[0]);
    const jwt = await signJwt(key, 'at+jwt', { sub: 'alice' });
    const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(await publishedJwks(deps)));
    expect(payload.sub).toBe('alice');
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' });
  });

  it('makes the key of a new alg on first use, once for a burst of uses', async () => {
    const keys = await Promise.all(Array.from({ length: 5 }, () => signingKey(deps, 'EdDSA')));
    expect(new Set(keys.map((k) => k.kid)).size).toBe(1);
    expect(keys[0]!.alg).toBe('EdDSA');
    expect(await rowCount()).toBe(1);
  });

  it('lets two instances starting together on an empty table agree on one key per alg', async () => {
    const { deps: other } = await open();
    const [a, b] = await Promise.all([
      ensureSigningKeys(deps, ['ES256', 'RS256']),
      ensureSigningKeys(other, ['RS256', 'ES256']),
    ]);
    expect([...a.created, ...b.created]).toHaveLength(2);
    expect(await rowCount()).toBe(2);
    for (const alg of ['ES256', 'RS256'] as const)
      expect((await signingKey(deps, alg)).kid).toBe((await signingKey(other, alg)).kid);
  });
});

describe('publishedJwks', () => {
  it('publishes every alg’s public key with kid, alg and use, and no private member', async () => {
    await ensureSigningKeys(deps, ['ES256', 'RS256', 'EdDSA']);
    const { keys } = await publishedJwks(deps);
    expect(keys.map((k) => k.alg).sort()).toEqual(['ES256', 'EdDSA', 'RS256']);
    for (const jwk of keys) {
      expect(jwk).toMatchObject({ use: 'sig', kid: expect.any(String) });
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth']) expect(jwk).not.toHaveProperty(member);
    }
    expect(JSON.stringify(keys)).not.toMatch(/"d"/);
  });
});

describe('rotateSigningKeys', () => {
  it('keeps the old key published until its tokens have expired, then it is gone and purged', async () => {
    const old = await signingKey(deps, 'ES256');
    deps.clock.advance(10);
    const now = deps.clock.now();
    const [result] = await rotateSigningKeys(deps, { alg: 'ES256' });
    expect(result).toMatchObject({ alg: 'ES256', retiring: [old.kid], retireAt: now + retention(3600) });
    const next = await signingKey(deps, 'ES256');
    expect(next.kid).toBe(result!.kid);
    expect(await kids()).toEqual([old.kid, next.kid].sort());
    // A token the old key signed just before the rotation still verifies in its last second.
    const late = await signJwt(old, 'at+jwt', { exp: now + 3600 });
    deps.clock.set(now + 3599);
    await expect(
      jwtVerify(late, createLocalJWKSet(await publishedJwks(deps)), {
        currentDate: new Date((now + 3599) * 1000),
      }),
    ).resolves.toBeTruthy();
    deps.clock.set(result!.retireAt - 1);
    expect(await kids()).toEqual([old.kid, next.kid].sort());
    expect(await purgeExpired(deps)).toMatchObject({ signingKeys: 0 });
    deps.clock.set(result!.retireAt);
    expect(await kids()).toEqual([next.kid]);
    expect((await listSigningKeys(deps)).map((k) => [k.kid, k.status])).toEqual([
      [old.kid, 'retired'],
      [next.kid, 'signing'],
    ]);
    expect(await purgeExpired(deps)).toMatchObject({ signingKeys: 1 });
    expect(await rowCount()).toBe(1);
  });

  it('waits for the longest lifetime any grant or client allows', async () => {
    ({ deps } = await open({
      tokens: { accessTokenTtl: 600, accessTokenTtlByGrant: { client_credentials: 7200 } },
    }));
    expect(await maxAccessTokenLifetime(deps)).toBe(7200);
    await registerClient(deps, {
      client_name: 'Long-lived',
      grant_types: ['client_credentials'],
      access_token_ttl: 86_400,
    });
    expect(await maxAccessTokenLifetime(deps)).toBe(86_400);
    await signingKey(deps, 'ES256');
    const [result] = await rotateSigningKeys(deps, { alg: 'ES256' });
    expect(result!.retireAt).toBe(deps.clock.now() + retention(86_400));
  });

  it('rotates every alg in use by default, and none when there is none', async () => {
    expect(await rotateSigningKeys(deps)).toEqual([]);
    await ensureSigningKeys(deps, ['ES256', 'EdDSA']);
    const results = await rotateSigningKeys(deps);
    expect(results.map((r) => r.alg)).toEqual(['ES256', 'EdDSA']);
    for (const r of results) expect((await signingKey(deps, r.alg)).kid).toBe(r.kid);
  });

  it('reaches another instance within the cache time, without a lookup per token', async () => {
    const { deps: other } = await open({}, deps.clock);
    const old = await signingKey(deps, 'ES256');
    const [result] = await rotateSigningKeys(other, { alg: 'ES256' });
    expect((await signingKey(other, 'ES256')).kid).toBe(result!.kid);
    expect((await signingKey(deps, 'ES256')).kid).toBe(old.kid);
    deps.clock.advance(KEY_CACHE_SECONDS - 1);
    expect((await signingKey(deps, 'ES256')).kid).toBe(old.kid);
    deps.clock.advance(1);
    expect((await signingKey(deps, 'ES256')).kid).toBe(result!.kid);
    expect(await kids()).toEqual([old.kid, result!.kid].sort());
  });
});

describe('retireSigningKey', () => {
  it('takes the signing key out of the JWKS at once, and a fresh key signs', async () => {
    const old = await signingKey(deps, 'ES256');
    const result = await retireSigningKey(deps, old.kid);
    expect(result).toMatchObject({ kid: old.kid, alg: 'ES256', wasSigning: true });
    const fresh = await signingKey(deps, 'ES256');
    expect(fresh.kid).not.toBe(old.kid);
    expect(result.signingKid).toBe(fresh.kid);
    expect(await kids()).toEqual([fresh.kid]);
    expect(await purgeRetiredKeys(deps)).toBe(1);
  });

  it('replaces the signing key even while a rotated-out key is still published', async () => {
    const first = await signingKey(deps, 'ES256');
    const [rotated] = await rotateSigningKeys(deps, { alg: 'ES256' });
    const result = await retireSigningKey(deps, rotated!.kid);
    expect(result.wasSigning).toBe(true);
    expect(result.signingKid).not.toBe(first.kid);
    expect((await signingKey(deps, 'ES256')).kid).toBe(result.signingKid);
  });

  it('retires a rotated-out key without touching the signing one', async () => {
    const first = await signingKey(deps, 'ES256');
    const [rotated] = await rotateSigningKeys(deps, { alg: 'ES256' });
    expect(await retireSigningKey(deps, first.kid)).toEqual({
      kid: first.kid,
      alg: 'ES256',
      wasSigning: false,
      signingKid: rotated!.kid,
    });
    expect(await kids()).toEqual([rotated!.kid]);
  });

  it('refuses an unknown kid and a key retired already, clearly', async () => {
    await expect(retireSigningKey(deps, 'nope')).rejects.toThrow(
      new OAuthError('invalid_request', 'There is no signing key with kid nope'),
    );
    const key = await signingKey(deps, 'ES256');
    await retireSigningKey(deps, key.kid);
    const again = await retireSigningKey(deps, key.kid).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(OAuthError);
    expect((again as OAuthError).description).toBe(`The signing key ${key.kid} is retired already`);
  });
});

describe('a stored key that cannot be read', () => {
  const corrupt = (kid: string) =>
    sql`update signing_keys set private_jwk = ${'{"kty":'} where kid = ${kid}`.execute(db);

  it('is skipped: an older published key signs meanwhile, and it is reported', async () => {
    const first = await signingKey(deps, 'ES256');
    const [rotated] = await rotateSigningKeys(deps, { alg: 'ES256' });
    await corrupt(rotated!.kid);
    const { deps: restarted } = await open({}, deps.clock);
    const ensured = await ensureSigningKeys(restarted, ['ES256']);
    expect(ensured.unreadable.map((k) => [k.kid, k.problem])).toEqual([
      [rotated!.kid, 'private_jwk is not valid JSON'],
    ]);
    expect((await signingKey(restarted, 'ES256')).kid).toBe(first.kid);
    expect(await kids(restarted)).toEqual([first.kid]);
    expect((await listSigningKeys(restarted)).find((k) => k.kid === rotated!.kid)?.status).toBe('unreadable');
  });

  it('fails with a clear error naming the fix when no usable key is left, and retiring it mends that', async () => {
    const key = await signingKey(deps, 'ES256');
    await corrupt(key.kid);
    const { deps: restarted } = await open({}, deps.clock);
    const message = `No usable ES256 signing key: key ${key.kid} cannot be read (private_jwk is not valid JSON). Run "latchkey keys retire ${key.kid}" to replace it.`;
    await expect(ensureSigningKeys(restarted, ['ES256'])).rejects.toThrow(message);
    await expect(signingKey(restarted, 'ES256')).rejects.toThrow(message);
    expect(await publishedJwks(restarted)).toEqual({ keys: [] });
    const result = await retireSigningKey(restarted, key.kid);
    expect(result.signingKid).not.toBeNull();
    expect((await signingKey(restarted, 'ES256')).kid).toBe(result.signingKid);
  });
});

describe('chooseSigningKey', () => {
  const k = (kid: string, activatedAt: number, retireAt: number | null) => ({
    kid,
    alg: 'ES256' as const,
    privateJwk: { kty: 'EC' },
    publicJwk: { kty: 'EC' },
    createdAt: activatedAt,
    activatedAt,
    retireAt,
  });

  it('prefers the key not being retired, then the newest, then the greater kid, whatever the order', () => {
    const keys = [k('b', 10, 500), k('c', 10, 500), k('a', 5, null), k('d', 20, 50)];
    expect(chooseSigningKey(keys, 'ES256', 100)?.kid).toBe('a');
    const fallback = keys.filter((x) => x.kid !== 'a');
    expect(chooseSigningKey(fallback, 'ES256', 100)?.kid).toBe('c');
    expect(chooseSigningKey([...fallback].reverse(), 'ES256', 100)?.kid).toBe('c');
    expect(chooseSigningKey(fallback, 'ES256', 40)?.kid).toBe('d');
    expect(chooseSigningKey(fallback, 'ES256', 500)).toBeNull();
    expect(chooseSigningKey(keys, 'RS256', 100)).toBeNull();
  });
});
