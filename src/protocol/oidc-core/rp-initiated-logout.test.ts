import { describe, expect, it } from 'vitest';
import { OAuthError } from '../errors.js';
import {
  checkPostLogoutRedirectUri,
  type LogoutParams,
  logoutClientId,
  logoutParamPairs,
  MAX_ID_TOKEN_HINT,
  parseLogoutParams,
  postLogoutRedirectUrl,
} from './rp-initiated-logout.js';

const NONE: LogoutParams = {
  idTokenHint: null,
  logoutHint: null,
  clientId: null,
  postLogoutRedirectUri: null,
  state: null,
  uiLocales: null,
};
const params = (overrides: Partial<LogoutParams>): LogoutParams => ({ ...NONE, ...overrides });
const URI = 'https://app.example.com/signed-out';

function refusal(run: () => unknown): OAuthError {
  try {
    run();
  } catch (error) {
    if (error instanceof OAuthError) return error;
    throw error;
  }
  throw new Error('expected an OAuthError');
}

describe('parseLogoutParams', () => {
  it('reads every parameter of §2 and ignores unknown ones', () => {
    expect(
      parseLogoutParams({
        id_token_hint: 'a.b.c',
        logout_hint: 'alice',
        client_id: 'app',
        post_logout_redirect_uri: URI,
        state: 's 1',
        ui_locales: 'fr en',
        csrf_token: 'x',
        decision: 'logout',
      }),
    ).toEqual({
      idTokenHint: 'a.b.c',
      logoutHint: 'alice',
      clientId: 'app',
      postLogoutRedirectUri: URI,
      state: 's 1',
      uiLocales: 'fr en',
    });
  });

  it('treats absent, empty and missing input as no parameters', () => {
    expect(parseLogoutParams({})).toEqual(NONE);
    expect(parseLogoutParams({ state: '', client_id: undefined })).toEqual(NONE);
    expect(parseLogoutParams(undefined)).toEqual(NONE);
  });

  it('refuses a repeated parameter (RFC 6749 §3.1)', () => {
    const error = refusal(() =>
      parseLogoutParams({ post_logout_redirect_uri: [URI, 'https://evil.example'] }),
    );
    expect(error.code).toBe('invalid_request');
    expect(error.status).toBe(400);
    expect(error.description).toContain('post_logout_redirect_uri');
    expect(refusal(() => parseLogoutParams({ state: ['a', 'b'] })).code).toBe('invalid_request');
  });

  it('refuses a parameter that is not a string', () => {
    expect(refusal(() => parseLogoutParams({ client_id: { x: 1 } })).code).toBe('invalid_request');
  });

  it('refuses over-long parameters', () => {
    expect(refusal(() => parseLogoutParams({ id_token_hint: 'a'.repeat(MAX_ID_TOKEN_HINT + 1) })).code).toBe(
      'invalid_request',
    );
    expect(parseLogoutParams({ id_token_hint: 'a'.repeat(MAX_ID_TOKEN_HINT) }).idTokenHint).toHaveLength(
      MAX_ID_TOKEN_HINT,
    );
    expect(refusal(() => parseLogoutParams({ state: 's'.repeat(2049) })).code).toBe('invalid_request');
    expect(refusal(() => parseLogoutParams({ client_id: 'c'.repeat(257) })).code).toBe('invalid_request');
  });
});

describe('logoutParamPairs', () => {
  it('gives back the parameters present, by their wire names, so they parse to the same request', () => {
    const sent = params({ clientId: 'app', postLogoutRedirectUri: URI, state: '<&>"' });
    const pairs = logoutParamPairs(sent);
    expect(pairs).toEqual([
      ['client_id', 'app'],
      ['post_logout_redirect_uri', URI],
      ['state', '<&>"'],
    ]);
    expect(parseLogoutParams(Object.fromEntries(pairs))).toEqual(sent);
    expect(logoutParamPairs(NONE)).toEqual([]);
  });
});

describe('logoutClientId', () => {
  it('is the client_id, or else the verified hint’s audience', () => {
    expect(logoutClientId(params({ clientId: 'app' }), null)).toBe('app');
    expect(logoutClientId(params({ idTokenHint: 't' }), { clientIds: ['app'] })).toBe('app');
    expect(logoutClientId(params({ idTokenHint: 't', clientId: 'app' }), { clientIds: ['app'] })).toBe('app');
    expect(logoutClientId(NONE, null)).toBeNull();
  });

  it('refuses a client_id that is not the hint’s audience (§2)', () => {
    const error = refusal(() =>
      logoutClientId(params({ idTokenHint: 't', clientId: 'other' }), { clientIds: ['app'] }),
    );
    expect(error.code).toBe('invalid_request');
    expect(error.description).toContain('client_id');
  });

  it('accepts a client_id among several audiences, but does not guess one of them', () => {
    const hint = { clientIds: ['app', 'api'] };
    expect(logoutClientId(params({ idTokenHint: 't', clientId: 'api' }), hint)).toBe('api');
    expect(logoutClientId(params({ idTokenHint: 't' }), hint)).toBeNull();
    expect(
      refusal(() => logoutClientId(params({ idTokenHint: 't', postLogoutRedirectUri: URI }), hint)).code,
    ).toBe('invalid_request');
  });

  it('refuses a hint that did not verify (§4: failed information is not used)', () => {
    const error = refusal(() => logoutClientId(params({ idTokenHint: 't', clientId: 'app' }), null));
    expect(error.code).toBe('invalid_request');
    expect(error.description).toContain('id_token_hint');
  });

  it('refuses a post_logout_redirect_uri that no client vouches for (§3)', () => {
    const error = refusal(() => logoutClientId(params({ postLogoutRedirectUri: URI, state: 'x' }), null));
    expect(error.code).toBe('invalid_request');
    expect(error.redirect).toBeUndefined();
  });
});

describe('checkPostLogoutRedirectUri', () => {
  const client = { postLogoutRedirectUris: [URI, 'https://app.example.com/bye?from=op'] };

  it('is null when none is asked for', () => {
    expect(checkPostLogoutRedirectUri(NONE, client)).toBeNull();
    expect(checkPostLogoutRedirectUri(NONE, null)).toBeNull();
  });

  it('accepts a registered URI, exactly', () => {
    expect(checkPostLogoutRedirectUri(params({ postLogoutRedirectUri: URI }), client)).toBe(URI);
    const withQuery = 'https://app.example.com/bye?from=op';
    expect(checkPostLogoutRedirectUri(params({ postLogoutRedirectUri: withQuery }), client)).toBe(withQuery);
  });

  it.each([
    'https://evil.example/signed-out',
    `${URI}/`,
    `${URI}?x=1`,
    'https://APP.example.com/signed-out',
    'https://app.example.com/signed-out#x',
    'https://app.example.com/Signed-Out',
    'https://app.example.com/bye',
  ])('refuses %s, never redirecting to it (§3)', (uri) => {
    const error = refusal(() => checkPostLogoutRedirectUri(params({ postLogoutRedirectUri: uri }), client));
    expect(error.code).toBe('invalid_request');
    expect(error.status).toBe(400);
    expect(error.redirect).toBeUndefined();
  });

  it('refuses any URI for a client that registered none, or no client', () => {
    const asked = params({ postLogoutRedirectUri: URI });
    expect(refusal(() => checkPostLogoutRedirectUri(asked, { postLogoutRedirectUris: [] })).code).toBe(
      'invalid_request',
    );
    expect(refusal(() => checkPostLogoutRedirectUri(asked, null)).code).toBe('invalid_request');
  });
});

describe('postLogoutRedirectUrl', () => {
  it('is the URI itself without a state', () => {
    expect(postLogoutRedirectUrl(URI, null)).toBe(URI);
    expect(postLogoutRedirectUrl('https://a.example/x?y=%20z', null)).toBe('https://a.example/x?y=%20z');
  });

  it('adds the state, encoded, keeping the registered query as it is (§3, RFC 6749 §3.1.2)', () => {
    expect(postLogoutRedirectUrl(URI, 'abc')).toBe(`${URI}?state=abc`);
    expect(postLogoutRedirectUrl('https://a.example/x?y=%20z', 'a b&c=d')).toBe(
      'https://a.example/x?y=%20z&state=a%20b%26c%3Dd',
    );
    expect(postLogoutRedirectUrl('https://a.example/x?', 's')).toBe('https://a.example/x?state=s');
    expect(new URL(postLogoutRedirectUrl(URI, 'é/?#')).searchParams.get('state')).toBe('é/?#');
  });
});
