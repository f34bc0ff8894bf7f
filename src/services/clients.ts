/**
 * Client registration (RFC 7591 field names and error codes): the one set of rules the CLI,
 * `npm start`, the programmatic API and the admin API all go through. Every message starts with
 * the field at fault, which the admin API reports as `field`.
 */
import { digest } from '../crypto/digest.js';
import { randomId, randomToken } from '../crypto/random.js';
import { OAuthError } from '../protocol/errors.js';
import { redirectUriProblem } from '../protocol/rfc6749/redirect-uri.js';
import { isScopeToken } from '../protocol/rfc6749/scope.js';
import {
  type AccessTokenFormat,
  type Client,
  type GrantType,
  RESPONSE_TYPE_GRANTS,
  type ResponseType,
  type TokenEndpointAuthMethod,
} from '../protocol/types.js';
import { DuplicateKeyError } from '../store/ports.js';
import { type AuditActor, auditEvent, SYSTEM_ACTOR } from './audit.js';
import { checkOidcMetadata, type OidcClientRegistration } from './client-metadata-oidc.js';
import type { ServiceDeps } from './deps.js';

/** Registration input with the RFC 7591 (and OIDC Registration) wire names. */
export interface ClientRegistration extends OidcClientRegistration {
  client_id?: string;
  client_name: string;
  client_uri?: string | null;
  /** Required with the authorization_code grant. */
  redirect_uris?: string[];
  grant_types?: GrantType[];
  response_types?: ResponseType[];
  scope?: string;
  token_endpoint_auth_method?: TokenEndpointAuthMethod;
  skip_consent?: boolean;
  require_pkce?: boolean;
  /** Latchkey extension: the client may introspect any token, not only its own (a resource server). */
  introspect?: boolean;
  /** Latchkey extension: this client's access and refresh token lifetimes in seconds (default: the server's). */
  access_token_ttl?: number | null;
  refresh_token_ttl?: number | null;
  /** Latchkey extension: `jwt` for RFC 9068 access tokens, `opaque`, or null for the server's setting. */
  access_token_format?: AccessTokenFormat | null;
}

export interface RegisteredClient {
  client: Client;
  /** Shown once; only its digest is stored. Null for public clients. */
  clientSecret: string | null;
}

export const AUTH_METHODS: readonly TokenEndpointAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'none',
];
export const GRANT_TYPES: readonly GrantType[] = [
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'password',
  'implicit',
];
const CLIENT_ID = /^[A-Za-z0-9._~-]{1,100}$/;
export const DEFAULT_CLIENT_SCOPE = ['profile'];

const metadataError = (description: string) => new OAuthError('invalid_client_metadata', description);

function checkRedirectUris(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new OAuthError('invalid_redirect_uri', 'redirect_uris must list at least one URI');
  }
  for (const [index, uri] of value.entries()) {
    const problem = typeof uri === 'string' ? redirectUriProblem(uri) : 'must be a string';
    if (problem) {
      throw new OAuthError(
        'invalid_redirect_uri',
        `redirect_uris[${index}]: ${String(uri).slice(0, 200)} ${problem}`,
      );
    }
  }
  return [...new Set(value as string[])];
}

/** Given and not empty: a client without a redirecting grant may send [] or null for none. */
const listsSome = (value: unknown): boolean =>
  value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);

function checkClientUri(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || !/^https?:\/\//.test(value) || !URL.canParse(value)) {
    throw metadataError('client_uri must be an http(s) URL');
  }
  return value;
}

function checkScope(value: unknown): string[] {
  if (value === undefined) return [...DEFAULT_CLIENT_SCOPE];
  if (typeof value !== 'string') throw metadataError('scope must be a space-separated string');
  const scope = [...new Set(value.split(' ').filter(Boolean))];
  if (scope.length === 0 || !scope.every(isScopeToken))
    throw metadataError('scope must list valid scope tokens');
  return scope;
}

function checkTtl(name: string, value: unknown, min: number, max: number): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw metadataError(`${name} must be a whole number of seconds from ${min} to ${max}`);
  }
  return value;
}

function checkFormat(value: unknown): AccessTokenFormat | null {
  if (value === undefined || value === null) return null;
  if (value !== 'opaque' && value !== 'jwt') throw metadataError('access_token_format must be opaque or jwt');
  return value;
}

function checkOneOf<T extends string>(
  name: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T[],
): T[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => allowed.includes(v as T))) {
    throw metadataError(`${name} must be a non-empty list of: ${allowed.join(', ')}`);
  }
  return [...new Set(value as T[])];
}

/**
 * grant_types, response_types and redirect_uris, which must agree (RFC 7591 §2.1): response type
 * `code` goes with the authorization_code grant and `token` with implicit, and only those two
 * grants, which redirect the browser, need redirect URIs.
 */
function checkGrants(input: ClientRegistration, method: TokenEndpointAuthMethod) {
  const grantTypes = checkOneOf('grant_types', input.grant_types, GRANT_TYPES, [
    'authorization_code',
    'refresh_token',
  ]);
  const implied = (Object.keys(RESPONSE_TYPE_GRANTS) as ResponseType[]).filter((type) =>
    grantTypes.includes(RESPONSE_TYPE_GRANTS[type]),
  );
  const responseTypes =
    input.response_types === undefined || (implied.length === 0 && input.response_types.length === 0)
      ? implied
      : checkOneOf<ResponseType>('response_types', input.response_types, ['code', 'token'], implied);
  if (responseTypes.length !== implied.length || !implied.every((type) => responseTypes.includes(type))) {
    throw metadataError(
      implied.length === 0
        ? 'response_types must be empty without the authorization_code or implicit grant'
        : `response_types must be ${implied.join(' and ')} for these grant_types (code goes with authorization_code, token with implicit)`,
    );
  }
  if (
    grantTypes.includes('refresh_token') &&
    !grantTypes.includes('authorization_code') &&
    !grantTypes.includes('password')
  ) {
    throw metadataError(
      'grant_types: refresh_token needs the authorization_code or password grant (client credentials and implicit get no refresh tokens)',
    );
  }
  // RFC 6749 §4.4: "The client credentials grant type MUST only be used by confidential clients."
  if (grantTypes.includes('client_credentials') && method === 'none') {
    throw metadataError('grant_types: a public client cannot use the client_credentials grant');
  }
  const redirects = implied.length > 0;
  const redirectUris =
    redirects || listsSome(input.redirect_uris) ? checkRedirectUris(input.redirect_uris) : [];
  return { grantTypes, responseTypes, redirectUris };
}

/** Validates registration input into a Client (without secret). */
export function clientFromRegistration(input: ClientRegistration, now: number): Client {
  if (!input || typeof input !== 'object' || Array.isArray(input))
    throw metadataError('The registration must be an object');
  const clientId = input.client_id ?? randomId();
  if (typeof clientId !== 'string' || !CLIENT_ID.test(clientId)) {
    throw metadataError('client_id must be 1-100 characters of [A-Za-z0-9._~-]');
  }
  if (
    typeof input.client_name !== 'string' ||
    input.client_name.trim() === '' ||
    input.client_name.length > 200
  ) {
    throw metadataError('client_name is required (at most 200 characters)');
  }
  const method = input.token_endpoint_auth_method ?? 'client_secret_basic';
  if (!AUTH_METHODS.includes(method)) {
    throw metadataError(`token_endpoint_auth_method must be one of: ${AUTH_METHODS.join(', ')}`);
  }
  const { grantTypes, responseTypes, redirectUris } = checkGrants(input, method);
  for (const flag of ['skip_consent', 'require_pkce', 'introspect'] as const) {
    if (input[flag] !== undefined && typeof input[flag] !== 'boolean')
      throw metadataError(`${flag} must be a boolean`);
  }
  // RFC 8252 §8.6: a public client's identity is not assured, so its users are always asked.
  if (method === 'none' && input.skip_consent)
    throw metadataError('skip_consent: a public client cannot skip consent');
  return {
    clientId,
    secretDigest: null,
    clientName: input.client_name.trim(),
    clientUri: checkClientUri(input.client_uri),
    redirectUris,
    grantTypes,
    responseTypes,
    scope: checkScope(input.scope),
    tokenEndpointAuthMethod: method,
    skipConsent: input.skip_consent ?? false,
    // Public clients always need PKCE (RFC 9700 §2.1.1); it is on by default for all.
    requirePkce: method === 'none' ? true : (input.require_pkce ?? true),
    canIntrospect: input.introspect ?? false,
    accessTokenTtl: checkTtl('access_token_ttl', input.access_token_ttl, 60, 86_400),
    refreshTokenTtl: checkTtl('refresh_token_ttl', input.refresh_token_ttl, 300, 31_536_000),
    accessTokenFormat: checkFormat(input.access_token_format),
    ...checkOidcMetadata(input, redirectUris),
    createdAt: now,
  };
}

/**
 * A stored client as registration metadata (the inverse of clientFromRegistration): what the admin
 * API shows, what an update is merged into, and what the audit log records. Never the secret.
 */
export function clientMetadata(client: Client): Required<Omit<ClientRegistration, 'client_id'>> & {
  client_id: string;
} {
  return {
    client_id: client.clientId,
    client_name: client.clientName,
    client_uri: client.clientUri,
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    grant_types: client.grantTypes,
    response_types: client.responseTypes,
    scope: client.scope.join(' '),
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    skip_consent: client.skipConsent,
    require_pkce: client.requirePkce,
    introspect: client.canIntrospect,
    access_token_ttl: client.accessTokenTtl,
    refresh_token_ttl: client.refreshTokenTtl,
    access_token_format: client.accessTokenFormat,
    id_token_signed_response_alg: client.idTokenSignedResponseAlg,
    subject_type: client.subjectType,
  };
}

export const clientNotFound = (clientId: string) =>
  new OAuthError('not_found', `No client with client_id ${clientId.slice(0, 100)}`);

export async function registerClient(
  deps: ServiceDeps,
  input: ClientRegistration,
  actor: AuditActor = SYSTEM_ACTOR,
): Promise<RegisteredClient> {
  const client = clientFromRegistration(input, deps.clock.now());
  const clientSecret = client.tokenEndpointAuthMethod === 'none' ? null : randomToken();
  const stored = { ...client, secretDigest: clientSecret ? digest(clientSecret) : null };
  const audit = auditEvent(deps, {
    actor,
    action: 'admin.client.created',
    target: { type: 'client', id: client.clientId },
    details: { after: clientMetadata(stored) },
  });
  try {
    await deps.store.clients.create(stored, audit);
  } catch (error) {
    if (error instanceof DuplicateKeyError) {
      throw new OAuthError('invalid_client_metadata', `client_id ${client.clientId} already exists`, {
        status: 409,
      });
    }
    throw error;
  }
  return { client: stored, clientSecret };
}
