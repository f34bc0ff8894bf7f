/**
 * The one typed, validated Config. Every option is documented here and in the README's
 * configuration table; `load.ts` maps files and LATCHKEY_* variables onto this schema.
 */

import { z } from 'zod';
import { isLoopbackHost } from '../protocol/rfc6749/redirect-uri.js';

const seconds = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const httpUrl = z
  .string()
  .url()
  .refine((v) => /^https?:\/\//.test(v), 'must be an http(s) URL')
  .refine((v) => !v.includes('#') && !v.includes('?'), 'must not contain a query or fragment')
  .transform((v) => v.replace(/\/+$/, ''));

export const configSchema = z
  .object({
    /**
     * The issuer identifier (RFC 8414 §2): the public base URL of this server.
     * Default: http://localhost:<port>.
     */
    issuer: httpUrl.optional(),
    /** Interface to listen on. 127.0.0.1 by default; use 0.0.0.0 in a container. */
    host: z.string().min(1).default('127.0.0.1'),
    port: z.coerce.number().int().min(0).max(65535).default(9000),
    /** `sqlite:<path>` (or `sqlite::memory:`), or `postgres://user:password@host:5432/db`. */
    databaseUrl: z.string().min(1).default('sqlite:./data/latchkey.db'),
    database: z
      .strictObject({
        /**
         * PostgreSQL connections per instance. N instances open up to N × poolSize connections:
         * keep that under the server's max_connections (docs/deployment.md).
         */
        poolSize: z.coerce.number().int().min(1).max(500).default(10),
        /** How long to wait for a PostgreSQL connection before answering 503 (milliseconds). */
        connectTimeoutMs: z.coerce.number().int().min(100).max(60_000).default(2000),
        /** Longest a PostgreSQL statement may run before it is cancelled and answered 503 (ms). */
        statementTimeoutMs: z.coerce.number().int().min(100).max(600_000).default(5000),
        /**
         * Apply pending migrations at start. Turn off when deployments run `latchkey migrate`
         * before rolling out; a build then refuses to start on a schema it has not been migrated to.
         */
        migrateOnStart: z.boolean().default(true),
      })
      .prefault({}),
    /** Display name on pages. */
    providerName: z.string().min(1).max(100).default('Latchkey'),
    /**
     * The provider's logo, shown beside its name on every page: an https URL (http only on
     * localhost), or a path on this server. Its origin is added to the pages' CSP img-src.
     */
    logoUrl: z
      .string()
      .max(2000)
      .refine(
        (v) =>
          /^\/[^/\\]/.test(v) ||
          (URL.canParse(v) &&
            (new URL(v).protocol === 'https:' ||
              (new URL(v).protocol === 'http:' && isLoopbackHost(new URL(v).hostname)))),
        'must be an https URL (http only on localhost) or a path starting with /',
      )
      .optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Trust X-Forwarded-* from a reverse proxy (only behind one). */
    trustProxy: z.boolean().default(false),
    /** Largest accepted request body, in bytes. OAuth requests are small. */
    bodyLimit: z.coerce.number().int().min(1024).max(1_048_576).default(16_384),
    tokens: z
      .strictObject({
        /** Access token lifetime (seconds), unless the grant or the client sets its own. */
        accessTokenTtl: seconds(60, 86_400).default(3600),
        /** Access token lifetime per grant type (the seeds' OAUTH2_TOKEN_EXPIRES_IN table). */
        accessTokenTtlByGrant: z
          .strictObject({
            authorization_code: seconds(60, 86_400).optional(),
            refresh_token: seconds(60, 86_400).optional(),
            client_credentials: seconds(60, 86_400).optional(),
            password: seconds(60, 86_400).optional(),
            implicit: seconds(60, 86_400).optional(),
          })
          .prefault({}),
        /** Refresh token lifetime (seconds); each rotation starts a new one. */
        refreshTokenTtl: seconds(300, 31_536_000).default(2_592_000),
        /** OpenID Connect ID token lifetime (seconds). */
        idTokenTtl: seconds(60, 86_400).default(3600),
        /** Authorization code lifetime (seconds). RFC 6749 §4.1.2: at most 10 minutes. */
        authorizationCodeTtl: seconds(10, 600).default(60),
        /** Whether refresh tokens are issued with the authorization code grant. */
        issueRefreshTokens: z.boolean().default(true),
        /** Access tokens as opaque strings (looked up) or RFC 9068 JWTs (verified by signature); per client too. */
        accessTokenFormat: z.enum(['opaque', 'jwt']).default('opaque'),
        /** The algorithm JWT access tokens are signed with; ES256 is the fastest to sign. */
        accessTokenSigningAlg: z.enum(['ES256', 'RS256', 'EdDSA']).default('ES256'),
        /** The `aud` of JWT access tokens (RFC 9068 §2.2); the issuer when unset. */
        accessTokenAudience: z.string().min(1).max(2000).optional(),
      })
      .prefault({}),
    pkce: z
      .strictObject({
        /** Accept `code_challenge_method=plain` (RFC 7636 §4.2). Off: S256 only. */
        allowPlain: z.boolean().default(false),
      })
      .prefault({}),
    sessions: z
      .strictObject({
        /** Login session lifetime (seconds). */
        ttl: seconds(300, 2_592_000).default(28_800),
        /** How long a user has to finish login and consent (seconds). */
        interactionTtl: seconds(60, 3600).default(900),
      })
      .prefault({}),
    throttle: z
      .strictObject({
        /** Failed logins allowed per account within the window before it is locked out. */
        maxFailuresPerAccount: z.coerce.number().int().min(1).max(1000).default(5),
        /** Failed logins allowed per client IP within the window. */
        maxFailuresPerIp: z.coerce.number().int().min(1).max(100_000).default(50),
        /** Window and lockout length (seconds). */
        window: seconds(10, 86_400).default(900),
      })
      .prefault({}),
    housekeeping: z
      .strictObject({
        /** Seconds between purges of expired codes, tokens, sessions and interactions; 0 turns the job off. */
        purgeInterval: seconds(0, 86_400).default(600),
      })
      .prefault({}),
    audit: z
      .strictObject({
        /** Days audit events are kept; housekeeping deletes older ones. */
        retentionDays: z.coerce.number().int().min(1).max(3650).default(90),
      })
      .prefault({}),
    admin: z
      .strictObject({
        /** User name of the admin account created on first start with an empty database. */
        username: z.string().min(1).max(100).default('admin'),
        /** Its password; when unset a random one is generated and printed once. */
        password: z.string().min(8).max(1024).optional(),
      })
      .prefault({}),
  })
  .strict()
  .transform((c) => ({ ...c, issuer: c.issuer ?? `http://localhost:${c.port}` }));

export type Config = z.infer<typeof configSchema>;
/** What a config file or the programmatic API may pass: every field optional. */
export type ConfigInput = z.input<typeof configSchema>;
