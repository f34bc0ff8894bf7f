/**
 * Table shapes as Kysely sees them. Column names are snake_case; the mappers in this folder turn
 * rows into camelCase domain records (DESIGN.md rule 6). Times are whole seconds since the epoch;
 * booleans are 0/1 integers so SQLite and PostgreSQL share every query.
 */
import type { Generated } from 'kysely';

export interface UsersTable {
  id: string;
  username: string;
  password_hash: string;
  disabled: number;
  /** 1: may use the admin API and console with a session (migration 0008). */
  is_admin: number;
  /** 1: a host application's account (issue 8), not a built-in user (migration 0010). */
  external: number;
  /** JSON object of OIDC standard claims (OIDC Core §5.1); read through sanitizeClaims. */
  profile: string;
  /** When the profile last changed; null only in rows no write has touched since migration 0007. */
  updated_at: number | null;
  created_at: number;
}

export interface ClientsTable {
  client_id: string;
  secret_digest: string | null;
  client_name: string;
  client_uri: string | null;
  /** JSON array of strings. */
  redirect_uris: string;
  /** Space-separated. */
  grant_types: string;
  response_types: string;
  scope: string;
  token_endpoint_auth_method: string;
  skip_consent: number;
  require_pkce: number;
  introspect: number;
  access_token_ttl: number | null;
  refresh_token_ttl: number | null;
  access_token_format: string | null;
  /** JSON array of strings. */
  post_logout_redirect_uris: string;
  id_token_signed_response_alg: string | null;
  subject_type: string | null;
  created_at: number;
}

export interface SessionsTable {
  id_digest: string;
  sid: string;
  user_id: string;
  auth_time: number;
  created_at: number;
  expires_at: number;
}

export interface InteractionsTable {
  id: string;
  /** JSON of the validated authorization request. */
  request: string;
  /** Digest of the browser-binding value kept in a cookie: an interaction is finished only by the browser that started it. */
  browser_digest: string;
  created_at: number;
  expires_at: number;
}

export interface GrantsTable {
  id: string;
  user_id: string | null;
  client_id: string;
  scope: string;
  auth_time: number | null;
  sid: string | null;
  /** JSON of the OpenID Connect claims request, or null. */
  claims: string | null;
  created_at: number;
  revoked_at: number | null;
}

export interface AuthorizationCodesTable {
  code_digest: string;
  grant_id: string;
  client_id: string;
  user_id: string;
  /** The redirect URI the code was sent to. */
  redirect_uri: string;
  /** 1 when the authorization request named it, so the token request must too (RFC 6749 §4.1.3). */
  redirect_uri_required: number;
  scope: string;
  code_challenge: string | null;
  code_challenge_method: string | null;
  nonce: string | null;
  auth_time: number | null;
  sid: string | null;
  /** JSON of the OpenID Connect claims request, or null. */
  claims: string | null;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

export interface TokensTable {
  token_digest: string;
  /** 'access' or 'refresh'. */
  kind: string;
  grant_id: string | null;
  client_id: string;
  user_id: string | null;
  scope: string;
  created_at: number;
  expires_at: number;
  /** Set when a refresh token is rotated: using it again is reuse. */
  consumed_at: number | null;
  revoked_at: number | null;
}

export interface ConsentsTable {
  user_id: string;
  client_id: string;
  scope: string;
  created_at: number;
  updated_at: number;
}

export interface LoginFailuresTable {
  key: string;
  failures: number;
  window_start: number;
}

export interface SigningKeysTable {
  /** RFC 7638 thumbprint of the public key. */
  kid: string;
  /** 'ES256', 'RS256' or 'EdDSA'. */
  alg: string;
  /** JSON of the private JWK. */
  private_jwk: string;
  /** JSON of the public JWK. */
  public_jwk: string;
  created_at: number;
  activated_at: number;
  /** When it leaves the JWKS; null while it signs. At most one null per alg (a partial unique index). */
  retire_at: number | null;
}

export interface ServerSecretsTable {
  name: string;
  value: string;
  created_at: number;
}

export interface AuditEventsTable {
  id: string;
  at: number;
  /** 'user', 'client', 'system' or 'anonymous'. */
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  /** JSON object; never secrets (the service strips them before writing). */
  details: string;
}

export interface Database {
  server_secrets: ServerSecretsTable;
  users: UsersTable;
  clients: ClientsTable;
  sessions: SessionsTable;
  interactions: InteractionsTable;
  grants: GrantsTable;
  authorization_codes: AuthorizationCodesTable;
  tokens: TokensTable;
  consents: ConsentsTable;
  login_failures: LoginFailuresTable;
  signing_keys: SigningKeysTable;
  audit_events: AuditEventsTable;
}

export type { Generated };
