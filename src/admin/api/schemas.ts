/**
 * The admin API's request and response shapes, written once in zod: requests are validated with
 * them, and openapi.ts turns them into the OpenAPI document. They check shape and type (and bound
 * every size); the rules of what is valid — redirect URIs, grant combinations, claims — are the
 * services', shared with the CLI. Enumerations come from the services' own lists. The users'
 * shapes are in schemas-users.ts.
 */
import { z } from 'zod';
import { SIGNING_ALGORITHMS } from '../../crypto/keys.js';
import { PAGE_LIMIT_MAX } from '../../services/admin-paging.js';
import { AUDIT_LIMIT_MAX } from '../../services/audit.js';
import { AUTH_METHODS, GRANT_TYPES } from '../../services/clients.js';
import { GRANT_LIMIT_MAX } from '../../services/grants.js';

/** Named schemas: openapi.ts lists them under components.schemas and refers to them by name. */
export const registry = z.registry<{ id: string; description?: string }>();
export const named = <S extends z.ZodType>(id: string, schema: S, description?: string): S => {
  registry.add(schema, description ? { id, description } : { id });
  return schema;
};

// Size bounds of the transport, generous beside the services' own limits: nothing unbounded
// reaches a service, and a rule's exact limit stays in one place.
export const ID = z.string().min(1).max(200);
const NAME = z.string().max(1000);
const URI = z.string().max(2000);
const URI_LIST = z.array(URI).max(100);
export const SECONDS = z.number().int().describe('seconds since the epoch');
/** A query parameter holding a whole number (query strings are text). */
const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) => {
  const error = `must be a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

export const ErrorBody = named(
  'Error',
  z.object({
    error: z.string().describe('an RFC 6749 §5.2-style error code'),
    error_description: z.string().optional(),
    field: z
      .string()
      .optional()
      .describe('the request field at fault, as a path: redirect_uris[0], profile.email'),
  }),
);

// ---------------------------------------------------------------------------------------------
// Clients (RFC 7591 metadata names)

/** zod wants a non-empty tuple; the services' lists are plain readonly arrays. */
const oneOf = <T extends string>(values: readonly T[]) => z.enum(values as unknown as [T, ...T[]]);
const grantType = oneOf(GRANT_TYPES);
const authMethod = oneOf(AUTH_METHODS);
const responseType = z.enum(['code', 'token']);
const tokenFormat = z.enum(['opaque', 'jwt']);
const idTokenAlg = oneOf(SIGNING_ALGORITHMS);
const subjectType = z.enum(['public', 'pairwise']);

const clientMetadataFields = {
  client_name: NAME,
  client_uri: URI.nullable().optional(),
  redirect_uris: URI_LIST.optional(),
  post_logout_redirect_uris: URI_LIST.optional(),
  grant_types: z.array(grantType).max(10).optional(),
  response_types: z.array(responseType).max(10).optional(),
  scope: z.string().max(2000).optional().describe('space-separated scopes the client may request'),
  token_endpoint_auth_method: authMethod.optional(),
  skip_consent: z.boolean().optional(),
  require_pkce: z.boolean().optional(),
  introspect: z.boolean().optional().describe('may introspect any token, not only its own'),
  access_token_ttl: z.number().int().nullable().optional(),
  refresh_token_ttl: z.number().int().nullable().optional(),
  access_token_format: tokenFormat.nullable().optional(),
  id_token_signed_response_alg: idTokenAlg.nullable().optional(),
  subject_type: subjectType.optional(),
};

export const ClientCreate = named(
  'ClientCreate',
  z.strictObject({ client_id: ID.optional(), ...clientMetadataFields }),
  'Registration metadata; client_id is generated when absent.',
);

export const ClientPatch = named(
  'ClientPatch',
  z.strictObject({ ...clientMetadataFields, client_name: NAME.optional() }),
  'The fields to change; the others stay. null resets an optional field to its default.',
);

export const Client = named(
  'Client',
  z.object({
    client_id: z.string(),
    client_name: z.string(),
    client_uri: z.string().nullable(),
    redirect_uris: z.array(z.string()),
    post_logout_redirect_uris: z.array(z.string()),
    grant_types: z.array(grantType),
    response_types: z.array(responseType),
    scope: z.string(),
    token_endpoint_auth_method: authMethod,
    skip_consent: z.boolean(),
    require_pkce: z.boolean(),
    introspect: z.boolean(),
    access_token_ttl: z.number().int().nullable(),
    refresh_token_ttl: z.number().int().nullable(),
    access_token_format: tokenFormat.nullable(),
    id_token_signed_response_alg: idTokenAlg.nullable(),
    subject_type: subjectType,
    created_at: SECONDS,
  }),
);

export const ClientCreated = named(
  'ClientCreated',
  Client.extend({
    client_secret: z.string().nullable().describe('shown only in this response; null for a public client'),
  }),
);

export const ClientSecret = named(
  'ClientSecret',
  z.object({ client_id: z.string(), client_secret: z.string().describe('shown only in this response') }),
);

export const RevokedCounts = named(
  'RevokedCounts',
  z.object({ grants_revoked: z.number().int(), tokens_revoked: z.number().int() }),
);

export const page = <S extends z.ZodType>(id: string, item: S) =>
  named(id, z.object({ items: z.array(item), next_cursor: z.string().nullable() }));

export const ClientList = page('ClientList', Client);

export const PageQuery = z.object({
  search: z.string().max(100).optional().describe('part of the name or id, any case'),
  limit: wholeNumber(1, PAGE_LIMIT_MAX).optional(),
  cursor: z.string().max(400).optional().describe('next_cursor of the previous page'),
});

export const ClientParams = z.object({ client_id: ID });

// ---------------------------------------------------------------------------------------------
// Grants

export const Grant = named(
  'Grant',
  z.object({
    id: z.string(),
    client_id: z.string(),
    client_name: z.string(),
    client_uri: z.string().nullable(),
    user_id: z.string().nullable(),
    username: z.string().nullable(),
    scope: z.string(),
    created_at: SECONDS,
    revoked_at: SECONDS.nullable(),
    last_used_at: SECONDS.nullable().describe('when a token was last issued from it'),
    active: z.boolean().describe('not revoked, and some token or code from it still usable'),
  }),
);

export const GrantList = page('GrantList', Grant);

export const GrantQuery = z
  .object({
    user_id: ID.optional(),
    client_id: ID.optional(),
    active: z.enum(['true', 'false']).optional().describe('true: only grants still usable'),
    limit: wholeNumber(1, GRANT_LIMIT_MAX).optional(),
    cursor: z.string().max(400).optional(),
  })
  .refine((q) => (q.user_id === undefined) !== (q.client_id === undefined), {
    path: ['user_id'],
    message: 'give user_id or client_id (one of them)',
  });

export const GrantParams = z.object({ id: ID });

// ---------------------------------------------------------------------------------------------
// Signing keys

export const SigningKey = named(
  'SigningKey',
  z.object({
    kid: z.string(),
    alg: z.string(),
    status: z.enum(['signing', 'published', 'retired', 'unreadable']),
    created_at: SECONDS,
    retire_at: SECONDS.nullable(),
    problem: z.string().optional().describe('why an unreadable key cannot be read'),
  }),
);

export const KeyList = named('KeyList', z.object({ items: z.array(SigningKey) }));

export const KeyRotate = named(
  'KeyRotate',
  z.strictObject({ alg: idTokenAlg.optional().describe('default: every algorithm in use') }),
);

export const KeyRotation = named(
  'KeyRotation',
  z.object({
    rotated: z.array(
      z.object({
        alg: z.string(),
        kid: z.string().describe('the new signing key'),
        retiring: z.array(z.string()).describe('the keys it replaces, published until retire_at'),
        retire_at: SECONDS,
      }),
    ),
  }),
);

export const KeyRetirement = named(
  'KeyRetirement',
  z.object({
    kid: z.string(),
    alg: z.string(),
    was_signing: z.boolean(),
    signing_kid: z.string().nullable().describe('the key that signs for this alg now'),
  }),
);

export const KeyParams = z.object({ kid: ID });

// ---------------------------------------------------------------------------------------------
// Audit log

export const AuditEvent = named(
  'AuditEvent',
  z.object({
    id: z.string(),
    at: SECONDS,
    actor_type: z.enum(['user', 'client', 'system', 'anonymous']),
    actor_id: z.string().nullable(),
    action: z.string().describe("dotted, such as 'admin.client.updated'"),
    target_type: z.string().nullable(),
    target_id: z.string().nullable(),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).describe('before/after and context; never a secret'),
  }),
);

export const AuditList = page('AuditList', AuditEvent);

export const AuditQuery = z.object({
  action: z.string().max(100).optional().describe("an action, or a prefix ending in '.*' such as admin.*"),
  actor_id: ID.optional(),
  target_type: ID.optional(),
  target_id: ID.optional(),
  since: wholeNumber(0).optional().describe('seconds since the epoch, inclusive'),
  until: wholeNumber(0).optional().describe('seconds since the epoch, inclusive'),
  limit: wholeNumber(1, AUDIT_LIMIT_MAX).optional(),
  cursor: z.string().max(400).optional(),
});

// ---------------------------------------------------------------------------------------------
// Who is calling

export const Me = named(
  'Me',
  z.object({
    via: z.enum(['bearer', 'session']),
    user_id: z.string().nullable(),
    username: z.string().nullable(),
    client_id: z.string().nullable(),
    scope: z.string(),
    csrf_token: z
      .string()
      .nullable()
      .describe('with a session: send it as X-CSRF-Token on every POST, PATCH and DELETE'),
  }),
);
