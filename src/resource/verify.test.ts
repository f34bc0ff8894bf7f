import { describe, expect, it } from 'vitest';
import { fakeClock } from '../protocol/clock.js';
import { OAuthError } from '../protocol/errors.js';
import type { AccessTokenInfo } from '../protocol/types.js';
import { assertScopeList, type TokenVerifier, verifyAccessToken } from './verify.js';

const clock = fakeClock(1_800_000_000);

const alice: AccessTokenInfo = {
  clientId: 'app',
  userId: 'u1',
  username: 'alice',
  scope: ['openid', 'profile'],
  issuedAt: clock.now() - 10,
  expiresAt: clock.now() + 3600,
};

const verify: TokenVerifier = async (token) => (token === 'good-token' ? alice : null);

function request(authorization?: string | string[]) {
  return { headers: authorization === undefined ? {} : { authorization } };
}

async function rejection(promise: Promise<unknown>): Promise<OAuthError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(OAuthError);
  return error as OAuthError;
}

describe('verifyAccessToken', () => {
  it('resolves to the token details', async () => {
    await expect(verifyAccessToken(request('Bearer good-token'), { verify, clock })).resolves.toBe(alice);
  });

  it('checks the required scopes', async () => {
    const options = { verify, clock, realm: 'api' };
    await expect(
      verifyAccessToken(request('Bearer good-token'), { ...options, scopes: ['profile'] }),
    ).resolves.toBe(alice);
    const error = await rejection(
      verifyAccessToken(request('Bearer good-token'), { ...options, scopes: ['profile', 'email'] }),
    );
    expect(error.status).toBe(403);
    expect(error.headers['WWW-Authenticate']).toContain('scope="profile email"');
  });

  it('missing header: 401 with a bare challenge', async () => {
    const error = await rejection(verifyAccessToken(request(), { verify, clock, realm: 'api' }));
    expect(error.status).toBe(401);
    expect(error.headers['WWW-Authenticate']).toBe('Bearer realm="api"');
  });

  it('Basic credentials: 401 with a bare challenge naming the Bearer scheme', async () => {
    const error = await rejection(
      verifyAccessToken(request('Basic dXNlcjpw'), { verify, clock, realm: 'api' }),
    );
    expect(error.status).toBe(401);
    expect(error.headers['WWW-Authenticate']).toBe('Bearer realm="api"');
  });

  it('malformed header: 400 invalid_request with the challenge', async () => {
    const error = await rejection(verifyAccessToken(request('Bearer a b'), { verify, clock, realm: 'api' }));
    expect(error.status).toBe(400);
    expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer realm="api", error="invalid_request"/);
  });

  it('unknown token: 401 invalid_token', async () => {
    const error = await rejection(verifyAccessToken(request('Bearer nope'), { verify, clock }));
    expect(error.code).toBe('invalid_token');
    expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer error="invalid_token"/);
  });

  it('rejects an expired token even when the verifier returns it', async () => {
    const stale = { ...alice, expiresAt: clock.now() };
    const error = await rejection(
      verifyAccessToken(request('Bearer t'), { verify: async () => stale, clock }),
    );
    expect(error.code).toBe('invalid_token');
  });

  it('finds the header under any spelling, and counts two spellings as a repeat', async () => {
    const headers = { Authorization: 'Bearer good-token' };
    await expect(verifyAccessToken({ headers }, { verify, clock })).resolves.toBe(alice);
    const both = { headers: { Authorization: 'Bearer good-token', authorization: 'Bearer good-token' } };
    expect((await rejection(verifyAccessToken(both, { verify, clock }))).code).toBe('invalid_request');
  });

  it('lets a verifier outage propagate unchanged', async () => {
    const outage = new Error('database is down');
    const failing: TokenVerifier = async () => {
      throw outage;
    };
    await expect(verifyAccessToken(request('Bearer t'), { verify: failing, clock })).rejects.toBe(outage);
  });

  it('adds the challenge to an invalid_token the verifier throws', async () => {
    const throwing: TokenVerifier = async () => {
      throw new OAuthError('invalid_token', 'token audience mismatch');
    };
    const error = await rejection(
      verifyAccessToken(request('Bearer t'), { verify: throwing, clock, realm: 'r' }),
    );
    expect(error.headers['WWW-Authenticate']).toBe(
      'Bearer realm="r", error="invalid_token", error_description="token audience mismatch"',
    );
  });

  it('never calls the verifier without a well-formed token', async () => {
    let calls = 0;
    const counting: TokenVerifier = async () => {
      calls += 1;
      return alice;
    };
    await rejection(verifyAccessToken(request('Bearer "x"'), { verify: counting, clock }));
    await rejection(verifyAccessToken(request(), { verify: counting, clock }));
    expect(calls).toBe(0);
  });
});

describe('assertScopeList', () => {
  it('rejects a scope that is not one scope-token', () => {
    expect(() => assertScopeList(['read write'])).toThrow(TypeError);
    expect(() => assertScopeList(['read', 'write'])).not.toThrow();
    expect(() => assertScopeList(undefined)).not.toThrow();
  });
});
