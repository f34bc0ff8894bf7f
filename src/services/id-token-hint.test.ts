import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, importJWK, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../../test/helpers/database.js';
import { parseConfig } from '../config/load.js';
import { type SigningAlgorithm, signJwt } from '../crypto/keys.js';
import { fakeClock } from '../protocol/clock.js';
import { openStore } from '../store/kysely/index.js';
import type { Store } from '../store/ports.js';
import { registerClient } from './clients.js';
import type { ServiceDeps } from './deps.js';
import { hintMatchesUser, readIdTokenHint } from './id-token-hint.js';
import { retireSigningKey, signingKey } from './signing-keys.js';
import { subjectFor } from './subject.js';

const ISSUER = 'https://id.example.com';
const root = mkdtempSync(join(tmpdir(), 'latchkey-id-token-hint-'));
let store: Store;
let deps: ServiceDeps & { clock: ReturnType<typeof fakeClock> };

beforeAll(async () => {
  const url = await freshDatabaseUrl(root, 'hint');
  ({ store } = await openStore(url));
  deps = { store, clock: fakeClock(), config: parseConfig({ databaseUrl: url, issuer: ISSUER }) };
});
afterAll(async () => {
  await store.close();
  rmSync(root, { recursive: true, force: true });
});

function claims(overrides: JWTPayload = {}): JWTPayload {
  const now = deps.clock.now();
  return {
    iss: ISSUER,
    sub: 'user-1',
    aud: 'app',
    azp: 'app',
    iat: now,
    exp: now + 3600,
    auth_time: now,
    sid: 'sid-1',
    ...overrides,
  };
}

async function idToken(overrides: JWTPayload = {}, alg: SigningAlgorithm = 'RS256', typ = 'JWT') {
  return signJwt(await signingKey(deps, alg), typ, claims(overrides));
}

describe('readIdTokenHint', () => {
  it.each(['RS256', 'ES256', 'EdDSA'] as const)(
    'reads an ID token this provider signed with %s',
    async (alg) => {
      expect(await readIdTokenHint(deps, await idToken({}, alg))).toEqual({
        sub: 'user-1',
        clientIds: ['app'],
        sid: 'sid-1',
      });
    },
  );

  it('gives every audience, and no sid when the token has none', async () => {
    const token = await idToken({ aud: ['app', 'api'], sid: undefined });
    expect(await readIdTokenHint(deps, token)).toEqual({
      sub: 'user-1',
      clientIds: ['app', 'api'],
      sid: null,
    });
  });

  it('accepts an expired ID token (RP-Initiated Logout §2)', async () => {
    const token = await idToken();
    deps.clock.advance(30 * 86400);
    try {
      expect((await readIdTokenHint(deps, token))?.sub).toBe('user-1');
    } finally {
      deps.clock.advance(-30 * 86400);
    }
  });

  it('accepts a token without a typ, as older ID tokens are', async () => {
    const key = await signingKey(deps, 'ES256');
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .sign(await importJWK(key.privateJwk, key.alg));
    expect((await readIdTokenHint(deps, token))?.sub).toBe('user-1');
  });

  it.each(['at+jwt', 'application/at+jwt', 'logout+jwt', 'JOSE'])('refuses a JWT of typ %s', async (typ) => {
    expect(await readIdTokenHint(deps, await idToken({}, 'ES256', typ))).toBeNull();
  });

  it('refuses a token signed by a key this provider does not publish, even under its kid', async () => {
    const real = await signingKey(deps, 'RS256');
    const { privateKey } = await generateKeyPair('RS256');
    for (const kid of [real.kid, 'unknown-kid']) {
      const forged = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .sign(privateKey);
      expect(await readIdTokenHint(deps, forged)).toBeNull();
    }
  });

  it('refuses a token whose signature was tampered with or whose claims were changed', async () => {
    const [header, payload, signature] = (await idToken()).split('.');
    const other = Buffer.from(JSON.stringify(claims({ sub: 'admin' }))).toString('base64url');
    expect(await readIdTokenHint(deps, `${header}.${other}.${signature}`)).toBeNull();
    expect(await readIdTokenHint(deps, `${header}.${payload}.${signature!.slice(0, -4)}AAAA`)).toBeNull();
  });

  it('refuses an unsigned token and an HMAC one', async () => {
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
      JSON.stringify(claims()),
    ).toString('base64url')}.`;
    expect(await readIdTokenHint(deps, none)).toBeNull();
    const hs = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-long!'));
    expect(await readIdTokenHint(deps, hs)).toBeNull();
  });

  it('refuses another issuer’s token, and one without sub or aud', async () => {
    expect(await readIdTokenHint(deps, await idToken({ iss: 'https://other.example.com' }))).toBeNull();
    expect(await readIdTokenHint(deps, await idToken({ iss: undefined }))).toBeNull();
    expect(await readIdTokenHint(deps, await idToken({ sub: undefined }))).toBeNull();
    expect(await readIdTokenHint(deps, await idToken({ aud: undefined }))).toBeNull();
    expect(await readIdTokenHint(deps, await idToken({ aud: [] }))).toBeNull();
  });

  it('refuses a token issued in the future, or without iat', async () => {
    const now = deps.clock.now();
    expect(await readIdTokenHint(deps, await idToken({ iat: now + 3600, exp: now + 7200 }))).toBeNull();
    expect(await readIdTokenHint(deps, await idToken({ iat: undefined }))).toBeNull();
    // Another instance's clock a little ahead is fine.
    expect(await readIdTokenHint(deps, await idToken({ iat: now + 30, exp: now + 3630 }))).not.toBeNull();
  });

  it.each([
    ['empty', ''],
    ['garbage', 'not a jwt'],
    ['three dots', 'a.b.c'],
    ['bad JSON', `${Buffer.from('{').toString('base64url')}.e30.x`],
    ['longer than 8 KiB', `${'a'.repeat(9000)}.b.c`],
  ])('refuses %s without throwing', async (_name, token) => {
    expect(await readIdTokenHint(deps, token)).toBeNull();
  });

  it('refuses a token signed with a key retired since (out of the JWKS)', async () => {
    const token = await idToken({}, 'EdDSA');
    expect(await readIdTokenHint(deps, token)).not.toBeNull();
    await retireSigningKey(deps, (await signingKey(deps, 'EdDSA')).kid);
    expect(await readIdTokenHint(deps, token)).toBeNull();
  });
});

describe('hintMatchesUser', () => {
  it('compares a public client’s sub with the user id', async () => {
    const { client } = await registerClient(deps, {
      client_name: 'Public',
      redirect_uris: ['https://public.example.com/cb'],
    });
    const hint = { sub: 'user-1', clientIds: [client.clientId], sid: null };
    expect(await hintMatchesUser(deps, hint, 'user-1', client)).toBe(true);
    expect(await hintMatchesUser(deps, hint, 'user-2', client)).toBe(false);
    expect(await hintMatchesUser(deps, hint, 'user-1', null)).toBe(true);
  });

  it('compares a pairwise client’s sub with the user’s pairwise value for it', async () => {
    const { client } = await registerClient(deps, {
      client_name: 'Pairwise',
      redirect_uris: ['https://pairwise.example.com/cb'],
      subject_type: 'pairwise',
    });
    const sub = await subjectFor(deps, client, 'user-1');
    expect(sub).not.toBe('user-1');
    const hint = { sub, clientIds: [client.clientId], sid: null };
    expect(await hintMatchesUser(deps, hint, 'user-1', client)).toBe(true);
    expect(await hintMatchesUser(deps, hint, 'user-2', client)).toBe(false);
    expect(await hintMatchesUser(deps, { ...hint, sub: 'user-1' }, 'user-1', client)).toBe(false);
  });
});
