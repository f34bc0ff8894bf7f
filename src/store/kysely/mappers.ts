/** Row ↔ record conversion: the only place snake_case columns meet camelCase records. */
import { sanitizeClaims } from '../../protocol/oidc-core/standard-claims.js';
import type {
  ClaimsRequest,
  Client,
  GrantType,
  JwsAlgorithm,
  ResponseType,
  TokenEndpointAuthMethod,
} from '../../protocol/types.js';
import type { CodeRecord, TokenKind, TokenRecord, UserRecord } from '../ports.js';
import type { AuthorizationCodesTable, ClientsTable, TokensTable, UsersTable } from './schema.js';

export const splitScope = (value: string): string[] => (value === '' ? [] : value.split(' '));
export const joinScope = (scope: string[]): string => scope.join(' ');

/**
 * A LIKE pattern matching `search` anywhere, in lower case, with its own `%`, `_` and `\` taken
 * literally: use with `escape '\'` on a lower()ed column (SQLite's LIKE ignores ASCII case and
 * PostgreSQL's does not, so both sides are lowered).
 */
export const containsPattern = (search: string): string =>
  `%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
const num = (v: number | string | bigint): number => Number(v);
const numOrNull = (v: number | string | bigint | null): number | null => (v === null ? null : Number(v));

/** JSON from a row; a corrupted value reads as `fallback` rather than failing every request that touches it. */
function parseJson<T>(value: string | null, valid: (parsed: unknown) => boolean, fallback: T): T {
  if (value === null) return fallback;
  try {
    const parsed: unknown = JSON.parse(value);
    return valid(parsed) ? (parsed as T) : fallback;
  } catch {
    return fallback;
  }
}

const isStringArray = (v: unknown) => Array.isArray(v) && v.every((item) => typeof item === 'string');
const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

export const claimsFromRow = (value: string | null): ClaimsRequest | null =>
  parseJson<ClaimsRequest | null>(value, isObject, null);
export const claimsToRow = (claims: ClaimsRequest | null): string | null =>
  claims === null ? null : JSON.stringify(claims);

const ID_TOKEN_ALGS: readonly string[] = ['RS256', 'ES256', 'EdDSA'];

export function toUser(row: UsersTable): UserRecord {
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash,
    disabled: row.disabled === 1,
    // Present only when set: "absent means no" (User.isAdmin), as in records made before admins.
    ...(row.is_admin === 1 && { isAdmin: true }),
    // A damaged profile must not lock its user out: keep what is well-typed, drop the rest.
    profile: sanitizeClaims(parseJson<unknown>(row.profile, () => true, {})),
    updatedAt: num(row.updated_at ?? row.created_at),
    createdAt: num(row.created_at),
  };
}

export function fromUser(user: UserRecord): UsersTable {
  return {
    id: user.id,
    username: user.username,
    password_hash: user.passwordHash,
    disabled: user.disabled ? 1 : 0,
    is_admin: user.isAdmin ? 1 : 0,
    // Built-in users only: host accounts' rows are written by ensureExternal.
    external: 0,
    profile: JSON.stringify(sanitizeClaims(user.profile)),
    updated_at: user.updatedAt,
    created_at: user.createdAt,
  };
}

export function toClient(row: ClientsTable): Client {
  return {
    clientId: row.client_id,
    secretDigest: row.secret_digest,
    clientName: row.client_name,
    clientUri: row.client_uri,
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    grantTypes: splitScope(row.grant_types) as GrantType[],
    responseTypes: splitScope(row.response_types) as ResponseType[],
    scope: splitScope(row.scope),
    tokenEndpointAuthMethod: row.token_endpoint_auth_method as TokenEndpointAuthMethod,
    skipConsent: row.skip_consent === 1,
    requirePkce: row.require_pkce === 1,
    canIntrospect: row.introspect === 1,
    accessTokenTtl: numOrNull(row.access_token_ttl),
    refreshTokenTtl: numOrNull(row.refresh_token_ttl),
    // Anything but a known format (a hand-edited row) falls back to the server's setting.
    accessTokenFormat:
      row.access_token_format === 'jwt' || row.access_token_format === 'opaque'
        ? row.access_token_format
        : null,
    postLogoutRedirectUris: parseJson<string[]>(row.post_logout_redirect_uris, isStringArray, []),
    idTokenSignedResponseAlg: ID_TOKEN_ALGS.includes(row.id_token_signed_response_alg ?? '')
      ? (row.id_token_signed_response_alg as JwsAlgorithm)
      : null,
    subjectType: row.subject_type === 'pairwise' ? 'pairwise' : 'public',
    createdAt: num(row.created_at),
  };
}

export function fromClient(client: Client): ClientsTable {
  return {
    client_id: client.clientId,
    secret_digest: client.secretDigest,
    client_name: client.clientName,
    client_uri: client.clientUri,
    redirect_uris: JSON.stringify(client.redirectUris),
    grant_types: joinScope(client.grantTypes),
    response_types: joinScope(client.responseTypes),
    scope: joinScope(client.scope),
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    skip_consent: client.skipConsent ? 1 : 0,
    require_pkce: client.requirePkce ? 1 : 0,
    introspect: client.canIntrospect ? 1 : 0,
    access_token_ttl: client.accessTokenTtl,
    refresh_token_ttl: client.refreshTokenTtl,
    access_token_format: client.accessTokenFormat,
    post_logout_redirect_uris: JSON.stringify(client.postLogoutRedirectUris),
    id_token_signed_response_alg: client.idTokenSignedResponseAlg,
    subject_type: client.subjectType,
    created_at: client.createdAt,
  };
}

export function toCode(row: AuthorizationCodesTable): CodeRecord {
  return {
    codeDigest: row.code_digest,
    grantId: row.grant_id,
    clientId: row.client_id,
    userId: row.user_id,
    redirectUri: row.redirect_uri,
    redirectUriRequired: row.redirect_uri_required === 1,
    scope: splitScope(row.scope),
    codeChallenge: row.code_challenge,
    codeChallengeMethod: row.code_challenge_method as CodeRecord['codeChallengeMethod'],
    nonce: row.nonce,
    authTime: numOrNull(row.auth_time),
    sid: row.sid,
    claims: claimsFromRow(row.claims),
    createdAt: num(row.created_at),
    expiresAt: num(row.expires_at),
    consumedAt: numOrNull(row.consumed_at),
  };
}

export function fromCode(code: CodeRecord): AuthorizationCodesTable {
  return {
    code_digest: code.codeDigest,
    grant_id: code.grantId,
    client_id: code.clientId,
    user_id: code.userId,
    redirect_uri: code.redirectUri,
    redirect_uri_required: code.redirectUriRequired ? 1 : 0,
    scope: joinScope(code.scope),
    code_challenge: code.codeChallenge,
    code_challenge_method: code.codeChallengeMethod,
    nonce: code.nonce,
    auth_time: code.authTime,
    sid: code.sid,
    claims: claimsToRow(code.claims),
    created_at: code.createdAt,
    expires_at: code.expiresAt,
    consumed_at: code.consumedAt,
  };
}

export function toToken(row: TokensTable): TokenRecord {
  return {
    tokenDigest: row.token_digest,
    kind: row.kind as TokenKind,
    grantId: row.grant_id,
    clientId: row.client_id,
    userId: row.user_id,
    scope: splitScope(row.scope),
    createdAt: num(row.created_at),
    expiresAt: num(row.expires_at),
    consumedAt: numOrNull(row.consumed_at),
    revokedAt: numOrNull(row.revoked_at),
  };
}

export function fromToken(token: TokenRecord): TokensTable {
  return {
    token_digest: token.tokenDigest,
    kind: token.kind,
    grant_id: token.grantId,
    client_id: token.clientId,
    user_id: token.userId,
    scope: joinScope(token.scope),
    created_at: token.createdAt,
    expires_at: token.expiresAt,
    consumed_at: token.consumedAt,
    revoked_at: token.revokedAt,
  };
}
