/**
 * OpenID Connect Discovery 1.0 §3: the provider metadata at /.well-known/openid-configuration,
 * the RFC 8414 document plus the OpenID members. Every value is what this server does.
 */
import { authorizationServerMetadata, type MetadataInput } from '../rfc8414-metadata.js';
import { SUPPORTED_CLAIMS } from './claims.js';

export const USERINFO_PATH = '/oauth/userinfo';
export const END_SESSION_PATH = '/oauth/end-session';
export const ID_TOKEN_ALGS = ['RS256', 'ES256', 'EdDSA'] as const;

export function openidConfiguration(input: MetadataInput): Record<string, unknown> {
  return {
    ...authorizationServerMetadata(input),
    userinfo_endpoint: `${input.issuer}${USERINFO_PATH}`,
    end_session_endpoint: `${input.issuer}${END_SESSION_PATH}`,
    scopes_supported: ['openid', 'profile', 'email', 'address', 'phone'],
    subject_types_supported: ['public', 'pairwise'],
    // RS256 first: OIDC Core §15.1 makes it the one every relying party supports.
    id_token_signing_alg_values_supported: [...ID_TOKEN_ALGS],
    claims_supported: [
      ...SUPPORTED_CLAIMS,
      'iss',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'nonce',
      'azp',
      'at_hash',
      'sid',
      'amr',
    ],
    claim_types_supported: ['normal'],
    claims_parameter_supported: true,
    // Discovery §3 defaults request_uri_parameter_supported to true: say plainly it is not.
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
  };
}
