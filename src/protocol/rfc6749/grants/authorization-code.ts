/**
 * RFC 6749 §4.1.3 Access Token Request for the authorization code grant, with RFC 7636 §4.5-4.6.
 */
import { OAuthError } from '../../errors.js';
import { type CodeChallengeMethod, verifyCodeVerifier } from '../../rfc7636-pkce.js';
import type { Client } from '../../types.js';

/** What the checks need to know about a stored code. */
export interface PresentedCode {
  clientId: string;
  redirectUri: string;
  redirectUriRequired: boolean;
  codeChallenge: string | null;
  codeChallengeMethod: CodeChallengeMethod | null;
  expiresAt: number;
  consumedAt: number | null;
}

const invalidCode = () =>
  new OAuthError('invalid_grant', 'The authorization code is invalid, expired or already used');

/**
 * RFC 6749 §4.1.2: "If an authorization code is used more than once, the authorization server
 * MUST deny the request and SHOULD revoke (when possible) all tokens previously issued based on
 * that authorization code."
 */
export function isCodeReplay(code: PresentedCode): boolean {
  return code.consumedAt !== null;
}

export function codeReplayError(): OAuthError {
  return invalidCode();
}

/**
 * The checks of §4.1.3, in order; each throws invalid_grant. The descriptions say which check
 * failed: that helps a client's developer and tells nothing to someone guessing 256-bit codes.
 */
export function checkAuthorizationCode(
  params: Record<string, string>,
  code: PresentedCode | null,
  client: Client,
  now: number,
): void {
  checkCodePresent(code);
  checkCodeClient(code, client);
  checkCodeExpiry(code, now);
  checkCodeRedirectUri(code, params.redirect_uri);
  verifyCodeVerifier(params.code_verifier, code);
}

function checkCodePresent(code: PresentedCode | null): asserts code is PresentedCode {
  if (!code || isCodeReplay(code)) throw invalidCode();
}

// §4.1.3: "ensure that the authorization code was issued to the authenticated confidential client".
function checkCodeClient(code: PresentedCode, client: Client): void {
  if (code.clientId !== client.clientId) {
    throw new OAuthError('invalid_grant', 'The authorization code was issued to another client');
  }
}

function checkCodeExpiry(code: PresentedCode, now: number): void {
  if (now >= code.expiresAt) throw new OAuthError('invalid_grant', 'The authorization code has expired');
}

// §4.1.3: redirect_uri is "REQUIRED, if the redirect_uri parameter was included in the
// authorization request … and their values MUST be identical." Sent when it was optional, it must
// still be the one the code went to.
function checkCodeRedirectUri(code: PresentedCode, redirectUri: string | undefined): void {
  if (redirectUri === undefined) {
    if (code.redirectUriRequired) {
      throw new OAuthError(
        'invalid_grant',
        'redirect_uri is required: the authorization request included it',
      );
    }
    return;
  }
  if (redirectUri !== code.redirectUri) {
    throw new OAuthError('invalid_grant', 'redirect_uri does not match the authorization request');
  }
}
