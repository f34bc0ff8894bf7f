/**
 * RFC 8414 Authorization Server Metadata, served at /.well-known/oauth-authorization-server.
 * Every value is derived from what this server actually does.
 */
import { SUPPORTED_GRANT_TYPES } from './rfc6749/token.js';

const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'];

export interface MetadataInput {
  issuer: string;
  allowPlainPkce: boolean;
}

export function authorizationServerMetadata({
  issuer,
  allowPlainPkce,
}: MetadataInput): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    // The keys that sign JWT access tokens (RFC 9068 §4), and ID tokens once OpenID Connect exists.
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    // Implicit and password exist for clients that register them (RFC 9700 §2.1.2, §2.4 advise
    // against both); every other client is refused them.
    response_types_supported: ['code', 'token'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    grant_types_supported: [...SUPPORTED_GRANT_TYPES, 'implicit'],
    token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    // RFC 7662 §2.1: introspection needs real client credentials.
    introspection_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS.filter((m) => m !== 'none'),
    code_challenge_methods_supported: allowPlainPkce ? ['S256', 'plain'] : ['S256'],
    // RFC 9207 §3: the authorization response carries `iss`.
    authorization_response_iss_parameter_supported: true,
  };
}
