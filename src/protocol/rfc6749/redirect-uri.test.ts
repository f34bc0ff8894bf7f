import { describe, expect, it } from 'vitest';
import { OAuthError } from '../errors.js';
import { matchRedirectUri, redirectUriProblem, resolveRedirectUri } from './redirect-uri.js';

describe('redirectUriProblem (registration)', () => {
  it.each([
    'https://app.example.com/callback',
    'https://app.example.com/cb?tenant=1',
    'http://localhost:5000/callback',
    'http://127.0.0.1/callback',
    'http://[::1]:8080/cb',
    'com.example.app:/oauth2redirect',
  ])('accepts %s', (uri) => expect(redirectUriProblem(uri)).toBeNull());

  it.each([
    ['javascript:alert(1)', 'javascript'],
    ['data:text/html,hi', 'data'],
    ['https://app.example.com/cb#frag', 'fragment'],
    ['http://evil.example.com/cb', 'https'],
    ['/relative/path', 'absolute'],
    ['not a url', 'absolute'],
    ['https://user:pw@app.example.com/cb', 'user information'],
    ['https://app.example.com/x/../cb', 'normal form'],
    ['https://APP.example.com/cb', 'normal form'],
    ['https://app.example.com', 'normal form (https://app.example.com/)'],
  ])('refuses %s', (uri, reason) => expect(redirectUriProblem(uri)).toContain(reason));
});

describe('matchRedirectUri (RFC 9700 exact match, RFC 8252 loopback ports)', () => {
  const registered = [
    'https://app.example.com/cb',
    'http://127.0.0.1/native',
    'http://localhost:5000/callback',
  ];

  it('matches exactly', () => {
    expect(matchRedirectUri(registered, 'https://app.example.com/cb')).toBe(true);
  });

  it.each([
    'https://app.example.com/cb/',
    'https://APP.example.com/cb',
    'https://app.example.com/cb?x=1',
    'https://app.example.com/cb#x',
    'https://app.example.com/CB',
    'http://app.example.com/cb',
    'http://localhost:5001/callback',
  ])('refuses the near miss %s', (uri) => expect(matchRedirectUri(registered, uri)).toBe(false));

  it('lets a loopback IP literal use any port (RFC 8252 §7.3), nothing else', () => {
    expect(matchRedirectUri(registered, 'http://127.0.0.1:51234/native')).toBe(true);
    expect(matchRedirectUri(registered, 'http://127.0.0.1:51234/other')).toBe(false);
    expect(matchRedirectUri(registered, 'http://127.0.0.1:51234/native?x=1')).toBe(false);
  });

  it('resolves an omitted redirect_uri only when one is registered', () => {
    expect(resolveRedirectUri(['https://a.example/cb'], undefined)).toBe('https://a.example/cb');
    expect(() => resolveRedirectUri(registered, undefined)).toThrow(OAuthError);
    expect(() => resolveRedirectUri(registered, 'https://evil.example/cb')).toThrow(/not registered/);
  });
});
