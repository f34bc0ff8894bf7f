import { describe, expect, it } from 'vitest';
import { introspectionResponse } from './rfc7662-introspection.js';
import type { Client } from './types.js';

const caller = (clientId: string, canIntrospect = false) => ({ clientId, canIntrospect }) as Client;
const token = {
  kind: 'access',
  clientId: 'app',
  userId: 'u1',
  username: 'alice',
  userDisabled: false,
  scope: ['profile', 'email'],
  createdAt: 1000,
  expiresAt: 4600,
  consumedAt: null,
  revokedAt: null,
};
const ctx = { now: 2000, issuer: 'https://id.example.com' };

describe('introspection response (RFC 7662 §2.2)', () => {
  it('describes an active token to its own client', () => {
    expect(introspectionResponse(token, caller('app'), ctx)).toEqual({
      active: true,
      scope: 'profile email',
      client_id: 'app',
      sub: 'u1',
      username: 'alice',
      token_type: 'Bearer',
      exp: 4600,
      iat: 1000,
      iss: 'https://id.example.com',
    });
  });

  it('says only active:false for inactive tokens and for other clients without permission', () => {
    const inactive = { active: false };
    expect(introspectionResponse(null, caller('app'), ctx)).toEqual(inactive);
    expect(introspectionResponse({ ...token, revokedAt: 1500 }, caller('app'), ctx)).toEqual(inactive);
    expect(introspectionResponse({ ...token, consumedAt: 1500 }, caller('app'), ctx)).toEqual(inactive);
    expect(introspectionResponse(token, caller('app'), { ...ctx, now: 4600 })).toEqual(inactive);
    expect(introspectionResponse({ ...token, userDisabled: true }, caller('app'), ctx)).toEqual(inactive);
    expect(introspectionResponse(token, caller('other'), ctx)).toEqual(inactive);
    expect(introspectionResponse(token, caller('rs', true), ctx)).toMatchObject({
      active: true,
      client_id: 'app',
    });
  });

  it('leaves sub and username out for a client’s own token, and names refresh tokens', () => {
    const own = introspectionResponse({ ...token, userId: null, username: null }, caller('app'), ctx);
    expect(own).not.toHaveProperty('sub');
    expect(introspectionResponse({ ...token, kind: 'refresh' }, caller('app'), ctx).token_type).toBe(
      'refresh_token',
    );
  });
});
