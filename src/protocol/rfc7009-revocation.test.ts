import { describe, expect, it } from 'vitest';
import { OAuthError } from './errors.js';
import { revocationAction, revocationToken } from './rfc7009-revocation.js';
import type { Client } from './types.js';

const client = { clientId: 'app' } as Client;
const token = { kind: 'access', clientId: 'app', grantId: 'g1', revokedAt: null };

describe('revocation (RFC 7009)', () => {
  it('requires the token parameter', () => {
    expect(() => revocationToken({})).toThrow(OAuthError);
    expect(revocationToken({ token: 't' })).toBe('t');
  });

  it('revokes an access token alone and a refresh token with its grant', () => {
    expect(revocationAction(token, client)).toBe('revoke-token');
    expect(revocationAction({ ...token, kind: 'refresh' }, client)).toBe('revoke-grant');
    expect(revocationAction({ ...token, kind: 'refresh', grantId: null }, client)).toBe('revoke-token');
  });

  it('treats unknown and already revoked tokens as done (§2.2)', () => {
    expect(revocationAction(null, client)).toBe('none');
    expect(revocationAction({ ...token, revokedAt: 5 }, client)).toBe('none');
  });

  it('refuses another client’s token (§2.1)', () => {
    expect(() => revocationAction({ ...token, clientId: 'other' }, client)).toThrow(
      /not issued to this client/,
    );
  });
});
