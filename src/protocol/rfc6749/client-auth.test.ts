import { describe, expect, it } from 'vitest';
import { digest } from '../../crypto/digest.js';
import type { OAuthError } from '../errors.js';
import type { Client } from '../types.js';
import { authenticateClient, presentedClient } from './client-auth.js';

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

const client = (method: Client['tokenEndpointAuthMethod'], secret: string | null): Client => ({
  clientId: 'app 1',
  secretDigest: secret ? digest(secret) : null,
  clientName: 'App',
  clientUri: null,
  redirectUris: ['https://a.example/cb'],
  grantTypes: ['authorization_code'],
  responseTypes: ['code'],
  scope: ['profile'],
  tokenEndpointAuthMethod: method,
  skipConsent: false,
  requirePkce: true,
  canIntrospect: false,
  accessTokenTtl: null,
  refreshTokenTtl: null,
  accessTokenFormat: null,
  postLogoutRedirectUris: [],
  idTokenSignedResponseAlg: null,
  subjectType: 'public',
  createdAt: 0,
});

function failure(fn: () => unknown): OAuthError {
  try {
    fn();
  } catch (error) {
    return error as OAuthError;
  }
  throw new Error('expected a failure');
}

describe('client authentication (RFC 6749 §2.3)', () => {
  it('form-decodes Basic credentials (§2.3.1)', () => {
    const presented = presentedClient(basic('app 1', 's&cret +/='), {});
    expect(presented).toEqual({
      clientId: 'app 1',
      clientSecret: 's&cret +/=',
      method: 'client_secret_basic',
    });
    expect(authenticateClient(presented, client('client_secret_basic', 's&cret +/=')).clientId).toBe('app 1');
  });

  it('answers a bad Basic header with 401 and a Basic challenge', () => {
    for (const header of [
      'Basic',
      'Basic !!!',
      `Basic ${Buffer.from('no-colon').toString('base64')}`,
      'Basic %%%',
    ]) {
      const error = failure(() => presentedClient(header, {}));
      expect(error.code).toBe('invalid_client');
      expect(error.status).toBe(401);
      expect(error.headers['WWW-Authenticate']).toMatch(/^Basic /);
    }
  });

  it('refuses two methods at once (§2.3)', () => {
    expect(failure(() => presentedClient(basic('a', 'b'), { client_secret: 'b' })).code).toBe(
      'invalid_request',
    );
    expect(failure(() => presentedClient(basic('a', 'b'), { client_id: 'c' })).code).toBe('invalid_request');
    expect(failure(() => presentedClient(['x', 'y'], {})).code).toBe('invalid_request');
  });

  it('reads client_secret_post and public clients from the body', () => {
    expect(presentedClient(undefined, { client_id: 'a', client_secret: 's' }).method).toBe(
      'client_secret_post',
    );
    expect(presentedClient(undefined, { client_id: 'a' }).method).toBe('none');
    expect(failure(() => presentedClient(undefined, {})).status).toBe(401);
  });

  it('refuses wrong secrets, unknown clients and the wrong method', () => {
    const registered = client('client_secret_basic', 'right');
    expect(
      failure(() => authenticateClient(presentedClient(basic('app 1', 'wrong'), {}), registered)).code,
    ).toBe('invalid_client');
    expect(failure(() => authenticateClient(presentedClient(basic('app 1', 'right'), {}), null)).status).toBe(
      401,
    );
    const post = presentedClient(undefined, { client_id: 'app 1', client_secret: 'right' });
    expect(failure(() => authenticateClient(post, registered)).description).toContain('client_secret_basic');
    const none = presentedClient(undefined, { client_id: 'app 1' });
    expect(failure(() => authenticateClient(none, registered)).code).toBe('invalid_client');
    expect(authenticateClient(none, client('none', null)).clientId).toBe('app 1');
  });
});
