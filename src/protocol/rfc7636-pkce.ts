/**
 * RFC 7636 Proof Key for Code Exchange.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { OAuthError } from './errors.js';

export type CodeChallengeMethod = 'S256' | 'plain';

// RFC 7636 §4.1: code-verifier = 43*128unreserved; §4.2: the challenge has the same syntax.
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export interface PkceRequest {
  codeChallenge: string | null;
  codeChallengeMethod: CodeChallengeMethod | null;
}

/**
 * Checks code_challenge at the authorization endpoint.
 * RFC 7636 §4.3: the method defaults to "plain" when absent; Latchkey accepts plain only when
 * configured (RFC 9700 §2.1.1: S256 is the method to use), so an absent method is an error then.
 */
export function checkCodeChallenge(
  challenge: string | undefined,
  method: string | undefined,
  options: { required: boolean; allowPlain: boolean },
): PkceRequest {
  if (challenge === undefined) {
    if (method !== undefined)
      throw new OAuthError('invalid_request', 'code_challenge_method was sent without code_challenge');
    if (options.required)
      throw new OAuthError('invalid_request', 'code_challenge is required (PKCE, RFC 7636)');
    return { codeChallenge: null, codeChallengeMethod: null };
  }
  const effective = method ?? 'plain';
  if (effective !== 'S256' && !(effective === 'plain' && options.allowPlain)) {
    throw new OAuthError('invalid_request', 'code_challenge_method must be S256');
  }
  if (!VERIFIER.test(challenge)) {
    throw new OAuthError('invalid_request', 'code_challenge must be 43-128 characters of [A-Za-z0-9-._~]');
  }
  return { codeChallenge: challenge, codeChallengeMethod: effective };
}

/** RFC 7636 §4.6: the server verifies code_verifier against the stored challenge. */
export function verifyCodeVerifier(verifier: string | undefined, pkce: PkceRequest): void {
  if (pkce.codeChallenge === null) {
    // RFC 9700 §2.1.1: a verifier for a code issued without a challenge is a downgrade attempt.
    if (verifier !== undefined)
      throw new OAuthError('invalid_grant', 'code_verifier was sent but the code has no challenge');
    return;
  }
  if (verifier === undefined) throw new OAuthError('invalid_grant', 'code_verifier is required');
  if (!VERIFIER.test(verifier)) throw new OAuthError('invalid_grant', 'code_verifier is malformed');
  const computed = pkce.codeChallengeMethod === 'S256' ? s256(verifier) : verifier;
  const a = Buffer.from(computed);
  const b = Buffer.from(pkce.codeChallenge);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge');
  }
}

/** BASE64URL-ENCODE(SHA256(ASCII(code_verifier))), RFC 7636 §4.2. */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}
