/**
 * The OpenID Connect part of client registration: OIDC Registration §2 (`subject_type`,
 * `id_token_signed_response_alg`) and RP-Initiated Logout §3.1 (`post_logout_redirect_uris`).
 */
import { OAuthError } from '../protocol/errors.js';
import { isLoopbackHost, redirectUriProblem } from '../protocol/rfc6749/redirect-uri.js';
import type { JwsAlgorithm, SubjectType } from '../protocol/types.js';

export interface OidcClientRegistration {
  post_logout_redirect_uris?: string[];
  id_token_signed_response_alg?: JwsAlgorithm | null;
  subject_type?: SubjectType;
}

const metadataError = (description: string) => new OAuthError('invalid_client_metadata', description);
const ID_TOKEN_ALGS: JwsAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];

export function checkOidcMetadata(
  input: OidcClientRegistration,
  redirectUris: string[],
): {
  postLogoutRedirectUris: string[];
  idTokenSignedResponseAlg: JwsAlgorithm | null;
  subjectType: SubjectType;
} {
  return {
    postLogoutRedirectUris: checkPostLogoutRedirectUris(input.post_logout_redirect_uris),
    idTokenSignedResponseAlg: checkIdTokenAlg(input.id_token_signed_response_alg),
    subjectType: checkSubjectType(input.subject_type, redirectUris),
  };
}

/** The same rules as redirect URIs: absolute, no fragment, https except loopback, normal form. */
function checkPostLogoutRedirectUris(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw new OAuthError('invalid_redirect_uri', 'post_logout_redirect_uris must be a list');
  for (const uri of value) {
    const problem = typeof uri === 'string' ? redirectUriProblem(uri) : 'must be a string';
    if (problem) {
      throw new OAuthError(
        'invalid_redirect_uri',
        `post_logout_redirect_uris: ${String(uri).slice(0, 200)} ${problem}`,
      );
    }
  }
  return [...new Set(value as string[])];
}

/** `none` is never accepted: an unsigned ID token proves nothing (OIDC Core §3.1.3.7 step 6 allows it only by agreement). */
function checkIdTokenAlg(value: unknown): JwsAlgorithm | null {
  if (value === undefined || value === null) return null;
  if (!ID_TOKEN_ALGS.includes(value as JwsAlgorithm)) {
    throw metadataError(`id_token_signed_response_alg must be one of: ${ID_TOKEN_ALGS.join(', ')}`);
  }
  return value as JwsAlgorithm;
}

/**
 * OIDC Core §8.1: a pairwise subject is computed per sector, the host of the redirect URIs. Without
 * sector_identifier_uri support, every redirect URI must share one host, or two of the client's
 * own URIs would see different subjects for one user.
 */
function checkSubjectType(value: unknown, redirectUris: string[]): SubjectType {
  if (value === undefined || value === null || value === 'public') return 'public';
  if (value !== 'pairwise') throw metadataError('subject_type must be public or pairwise');
  const urls = redirectUris.map((uri) => new URL(uri));
  // A private-use scheme has no host and loopback hosts are everyone's: such a "sector" would give
  // unrelated clients the same subjects. Without sector_identifier_uri support, they are refused.
  if (urls.some((url) => !/^https?:$/.test(url.protocol) || isLoopbackHost(url.hostname))) {
    throw metadataError(
      'subject_type pairwise needs https redirect_uris on a real host (not loopback or a private-use scheme)',
    );
  }
  if (new Set(urls.map((url) => url.hostname)).size !== 1) {
    throw metadataError('subject_type pairwise needs redirect_uris that all share one host (the sector)');
  }
  return 'pairwise';
}
