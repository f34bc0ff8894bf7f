import { describe, expect, it } from 'vitest';
import { OAuthError } from './errors.js';
import {
  bearerChallenge,
  checkScope,
  extractBearerToken,
  invalidTokenError,
  isScopeToken,
  missingTokenError,
  withBearerChallenge,
} from './rfc6750-bearer.js';

function thrown(fn: () => unknown): OAuthError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    return error as OAuthError;
  }
  throw new Error('expected an OAuthError');
}

function expectInvalidRequest(authorization: string | string[]): OAuthError {
  const error = thrown(() => extractBearerToken(authorization));
  expect(error.code).toBe('invalid_request');
  expect(error.status).toBe(400);
  return error;
}

describe('extractBearerToken (RFC 6750 §2.1)', () => {
  it('returns null when there is no Authorization header', () => {
    expect(extractBearerToken(undefined)).toBeNull();
    expect(extractBearerToken([])).toBeNull();
  });

  it('reads the token of a Bearer header', () => {
    expect(extractBearerToken('Bearer abc.DEF-123_~+/xyz')).toBe('abc.DEF-123_~+/xyz');
  });

  it('accepts the scheme in any case', () => {
    expect(extractBearerToken('bearer tok')).toBe('tok');
    expect(extractBearerToken('BEARER tok')).toBe('tok');
  });

  it('accepts trailing = padding', () => {
    expect(extractBearerToken('Bearer dG9rZW4=')).toBe('dG9rZW4=');
    expect(extractBearerToken('Bearer dG9r==')).toBe('dG9r==');
  });

  it('accepts several spaces after the scheme (1*SP) and outer whitespace', () => {
    expect(extractBearerToken('Bearer   tok')).toBe('tok');
    expect(extractBearerToken(' Bearer tok \t')).toBe('tok');
  });

  it('accepts one header given as a one-element array', () => {
    expect(extractBearerToken(['Bearer tok'])).toBe('tok');
  });

  it('treats another scheme as no bearer credentials (§3.1: unsupported method, no error code)', () => {
    expect(extractBearerToken('Basic dXNlcjpwYXNz')).toBeNull();
    expect(extractBearerToken('Digest username="a", realm="b"')).toBeNull();
    expect(extractBearerToken('Bearerx tok')).toBeNull();
  });

  it('rejects two Authorization headers', () => {
    const error = expectInvalidRequest(['Bearer one', 'Bearer two']);
    expect(error.description).toMatch(/more than one/);
  });

  it('rejects an empty token', () => {
    expectInvalidRequest('Bearer');
    expectInvalidRequest('Bearer ');
    expectInvalidRequest('Bearer    ');
  });

  it('rejects an empty header', () => {
    expectInvalidRequest('');
  });

  it('rejects a token with spaces', () => {
    expectInvalidRequest('Bearer abc def');
    expectInvalidRequest('Bearer abc\tdef');
  });

  it('rejects a tab between scheme and token', () => {
    expectInvalidRequest('Bearer\tabc');
  });

  it('rejects a token with illegal characters', () => {
    for (const token of ['abc"def', 'a,b', 'tok;', 'to%6B', 'tök', 'a\\b', 'a:b', 'a@b']) {
      expectInvalidRequest(`Bearer ${token}`);
    }
  });

  it('rejects = anywhere but at the end, and a token of padding only', () => {
    expectInvalidRequest('Bearer ab=c');
    expectInvalidRequest('Bearer ==');
  });

  it('rejects a malformed scheme', () => {
    expectInvalidRequest('(Bearer) tok');
  });

  it('never echoes the token in the description', () => {
    const error = expectInvalidRequest('Bearer secret-value!');
    expect(error.description).not.toContain('secret-value');
  });
});

describe('bearerChallenge (RFC 6750 §3)', () => {
  it('is the bare scheme without attributes', () => {
    expect(bearerChallenge()).toBe('Bearer');
  });

  it('writes realm, error, error_description and scope in order', () => {
    expect(
      bearerChallenge({
        realm: 'example',
        error: 'insufficient_scope',
        description: 'need more',
        scope: ['read', 'write'],
      }),
    ).toBe(
      'Bearer realm="example", error="insufficient_scope", error_description="need more", scope="read write"',
    );
  });

  it('escapes " and \\ in the realm as quoted-pairs', () => {
    expect(bearerChallenge({ realm: 'a "b" \\c' })).toBe('Bearer realm="a \\"b\\" \\\\c"');
  });

  it('leaves out an attribute with nothing left once made safe', () => {
    expect(bearerChallenge({ description: '"\\', scope: ['é'] })).toBe('Bearer');
  });

  it('drops " and \\ from error_description, which must not contain them', () => {
    expect(bearerChallenge({ description: 'say "hi" \\ bye' })).toBe(
      'Bearer error_description="say hi  bye"',
    );
  });

  it('drops non-ASCII and control characters, so the header cannot be split', () => {
    expect(bearerChallenge({ realm: 'ré\r\nalm', description: 'x\r\nSet-Cookie: a=b', scope: ['ü'] })).toBe(
      'Bearer realm="ralm", error_description="xSet-Cookie: a=b"',
    );
  });

  it('leaves out an empty scope list', () => {
    expect(bearerChallenge({ realm: 'r', scope: [] })).toBe('Bearer realm="r"');
  });
});

describe('checkScope (RFC 6750 §3.1 insufficient_scope)', () => {
  it('passes when every required scope is granted', () => {
    expect(() => checkScope(['a', 'b', 'c'], ['c', 'a'])).not.toThrow();
    expect(() => checkScope([], [])).not.toThrow();
  });

  it('throws 403 naming the missing scopes, with the required scope in the challenge', () => {
    const error = thrown(() => checkScope(['read'], ['read', 'write', 'admin'], { realm: 'api' }));
    expect(error.code).toBe('insufficient_scope');
    expect(error.status).toBe(403);
    expect(error.description).toBe('the access token lacks the scope: write admin');
    expect(error.headers['WWW-Authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", ' +
        'error_description="the access token lacks the scope: write admin", scope="read write admin"',
    );
  });

  it('works without a realm', () => {
    const error = thrown(() => checkScope([], ['profile']));
    expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer error="insufficient_scope"/);
  });
});

describe('bearer errors', () => {
  it('missing token: 401 with only the realm in the challenge (§3.1)', () => {
    const error = missingTokenError('api');
    expect(error.status).toBe(401);
    expect(error.headers['WWW-Authenticate']).toBe('Bearer realm="api"');
    expect(missingTokenError().headers['WWW-Authenticate']).toBe('Bearer');
  });

  it('invalid token: 401 invalid_token, one description for every cause', () => {
    const error = invalidTokenError('api', 'revoked');
    expect(error.code).toBe('invalid_token');
    expect(error.status).toBe(401);
    expect(error.detail).toBe('revoked');
    expect(error.description).toBe(invalidTokenError('api', 'expired').description);
    expect(error.headers['WWW-Authenticate']).toBe(
      'Bearer realm="api", error="invalid_token", error_description="the access token is invalid, expired or revoked"',
    );
  });

  it('withBearerChallenge keeps status, description, detail and other headers', () => {
    const original = new OAuthError('invalid_request', 'bad', {
      status: 400,
      detail: 'log me',
      headers: { 'X-Other': '1' },
    });
    const error = withBearerChallenge(original, { realm: 'r', scope: ['ignored'] });
    expect(error.status).toBe(400);
    expect(error.description).toBe('bad');
    expect(error.detail).toBe('log me');
    expect(error.headers).toEqual({
      'X-Other': '1',
      'WWW-Authenticate': 'Bearer realm="r", error="invalid_request", error_description="bad"',
    });
  });

  it('withBearerChallenge leaves errors outside §3.1 unchanged', () => {
    const original = new OAuthError('temporarily_unavailable', 'down');
    expect(withBearerChallenge(original, { realm: 'r' })).toBe(original);
  });

  it('isScopeToken follows RFC 6749 §3.3', () => {
    expect(isScopeToken('read:all')).toBe(true);
    expect(isScopeToken('read write')).toBe(false);
    expect(isScopeToken('')).toBe(false);
    expect(isScopeToken('a"b')).toBe(false);
  });
});
