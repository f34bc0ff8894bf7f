import { describe, expect, it } from 'vitest';
import { OAuthError } from './errors.js';

describe('OAuthError', () => {
  it('uses the usual status for each code', () => {
    expect(new OAuthError('invalid_client').status).toBe(401);
    expect(new OAuthError('invalid_grant').status).toBe(400);
    expect(new OAuthError('insufficient_scope').status).toBe(403);
    expect(new OAuthError('invalid_client', 'x', { status: 400 }).status).toBe(400);
  });

  it('keeps the error_description within RFC 6749 §5.2 characters and never sends the detail', () => {
    const error = new OAuthError('invalid_request', 'Bad "value" \\ here — é', { detail: 'secret detail' });
    expect(error.toJSON()).toEqual({ error: 'invalid_request', error_description: 'Bad value  here  ' });
    expect(JSON.stringify(error.toJSON())).not.toContain('secret');
    expect(new OAuthError('access_denied').toJSON()).toEqual({ error: 'access_denied' });
  });

  it('can be sent back to a redirect URI', () => {
    const error = new OAuthError('invalid_scope', 'nope').redirectTo({
      redirectUri: 'https://a.example/cb',
      state: 's',
    });
    expect(error.redirect).toEqual({ redirectUri: 'https://a.example/cb', state: 's' });
    expect(error.code).toBe('invalid_scope');
  });
});
