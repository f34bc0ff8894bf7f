import { describe, expect, it } from 'vitest';
import { storedRequestFromRow } from './interaction-request.js';

const good = {
  clientId: 'c',
  responseType: 'code',
  redirectUri: 'https://app.example.com/cb',
  redirectUriSent: true,
  scope: ['openid'],
  state: null,
  codeChallenge: 'x',
  codeChallengeMethod: 'S256',
  responseMode: 'form_post',
  nonce: 'n',
  prompt: ['login'],
  maxAge: 0,
  claims: { id_token: { email: null } },
  loginHint: null,
  forceLogin: true,
  replacesSession: null,
};

describe('storedRequestFromRow', () => {
  it('reads what the server wrote, and rows from before the OpenID fields existed', () => {
    expect(storedRequestFromRow(JSON.stringify(good))).toEqual(good);
    const {
      responseType,
      responseMode,
      nonce,
      prompt,
      maxAge,
      claims,
      loginHint,
      forceLogin,
      replacesSession,
      ...old
    } = good;
    expect(storedRequestFromRow(JSON.stringify(old))).toEqual(old);
  });

  it.each([
    ['not JSON', '{'],
    ['an array', '[]'],
    ['null', 'null'],
    ['a missing clientId', JSON.stringify({ ...good, clientId: undefined })],
    ['a scope that is a string', JSON.stringify({ ...good, scope: 'openid' })],
    ['an unknown prompt', JSON.stringify({ ...good, prompt: ['sudo'] })],
    ['a negative maxAge', JSON.stringify({ ...good, maxAge: -1 })],
    ['claims that are an array', JSON.stringify({ ...good, claims: [] })],
    ['an unknown response mode', JSON.stringify({ ...good, responseMode: 'web_message' })],
    ['a PKCE method of another kind', JSON.stringify({ ...good, codeChallengeMethod: 'S512' })],
  ])('reads a damaged row (%s) as no interaction', (_name, text) => {
    expect(storedRequestFromRow(text)).toBeNull();
  });
});
