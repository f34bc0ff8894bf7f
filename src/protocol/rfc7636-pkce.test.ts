import { describe, expect, it } from 'vitest';
import { checkCodeChallenge, s256, verifyCodeVerifier } from './rfc7636-pkce.js';

// RFC 7636 Appendix B's example.
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('PKCE (RFC 7636)', () => {
  it('computes S256 as in Appendix B', () => {
    expect(s256(VERIFIER)).toBe(CHALLENGE);
  });

  it('requires a challenge when asked to, and S256 unless plain is allowed', () => {
    const strict = { required: true, allowPlain: false };
    expect(checkCodeChallenge(CHALLENGE, 'S256', strict)).toEqual({
      codeChallenge: CHALLENGE,
      codeChallengeMethod: 'S256',
    });
    expect(() => checkCodeChallenge(undefined, undefined, strict)).toThrow(/required/);
    expect(() => checkCodeChallenge(CHALLENGE, 'plain', strict)).toThrow(/S256/);
    // §4.3: an absent method means plain, which is off.
    expect(() => checkCodeChallenge(CHALLENGE, undefined, strict)).toThrow(/S256/);
    expect(() => checkCodeChallenge('short', 'S256', strict)).toThrow(/43-128/);
    expect(() => checkCodeChallenge(undefined, 'S256', { required: false, allowPlain: false })).toThrow();
    expect(
      checkCodeChallenge(CHALLENGE, undefined, { required: true, allowPlain: true }).codeChallengeMethod,
    ).toBe('plain');
  });

  it('verifies the verifier in constant time and refuses every near miss', () => {
    const pkce = { codeChallenge: CHALLENGE, codeChallengeMethod: 'S256' as const };
    expect(() => verifyCodeVerifier(VERIFIER, pkce)).not.toThrow();
    expect(() => verifyCodeVerifier(undefined, pkce)).toThrow(/required/);
    expect(() => verifyCodeVerifier(`${VERIFIER.slice(0, -1)}l`, pkce)).toThrow(/does not match/);
    expect(() => verifyCodeVerifier('too-short', pkce)).toThrow(/malformed/);
    expect(() => verifyCodeVerifier(CHALLENGE, pkce)).toThrow(/does not match/);
  });

  it('refuses a verifier for a code issued without a challenge (downgrade, RFC 9700 §2.1.1)', () => {
    const none = { codeChallenge: null, codeChallengeMethod: null };
    expect(() => verifyCodeVerifier(undefined, none)).not.toThrow();
    expect(() => verifyCodeVerifier(VERIFIER, none)).toThrow(/no challenge/);
  });
});
