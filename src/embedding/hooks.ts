/**
 * Your hooks: events (the seeds' `save_token` and Django's `app_authorized` signal), a hook that
 * adds claims to tokens, and one that decides consent. The runner here is what the services call;
 * with no hook set each call is one property check, so the token endpoint pays nothing for them.
 */
import type { GrantType } from '../protocol/types.js';
import type { LoginFailureReason, MaybePromise } from './accounts.js';

/** Everything an event says. Tokens, codes and passwords are never part of one. */
export interface AuthEvents {
  /** Tokens were issued and stored (any grant, or the implicit response). */
  tokenIssued: {
    clientId: string;
    /** Null for client credentials: no user. */
    accountId: string | null;
    grantType: GrantType;
    grantId: string | null;
    scope: string[];
    /** The access token's expiry, seconds since the epoch. */
    expiresAt: number;
    refreshToken: boolean;
    idToken: boolean;
  };
  /** A token was revoked: by the client (RFC 7009), or with its grant after reuse was detected. */
  tokenRevoked: {
    clientId: string;
    accountId: string | null;
    grantId: string | null;
    kind: 'access' | 'refresh' | 'code';
    /** The whole grant went with it. */
    grantRevoked: boolean;
    reason: 'revocation_request' | 'reuse_detected';
  };
  /** The user allowed a client on the consent page. */
  consentGranted: { accountId: string; clientId: string; scope: string[] };
  /** The user (account page) or an administrator removed a client's access. */
  consentRemoved: { accountId: string; clientId: string };
  /** A user name and password were accepted (login page or password grant). */
  loginSucceeded: {
    accountId: string;
    username: string;
    ip: string;
    method: 'login_page' | 'password_grant';
    clientId: string | null;
  };
  /** A sign-in was refused; `reason` says why (the user only ever sees one generic message). */
  loginFailed: {
    /** What was typed, cut to 100 characters. */
    username: string;
    ip: string;
    reason: LoginFailureReason | 'throttled' | 'rejected';
    method: 'login_page' | 'password_grant';
    clientId: string | null;
  };
}

/** The name of an event. */
export type AuthEventName = keyof AuthEvents;

/** Every event carries its name and time (seconds since the epoch) besides its own fields. */
export type AuthEvent<K extends AuthEventName> = AuthEvents[K] & { type: K; at: number };

/**
 * Listeners, one per event. They run after the change is stored; what they return is not awaited
 * by the request, and a listener that throws (or rejects) is logged and changes nothing.
 */
export type AuthEventListeners = { [K in AuthEventName]?: (event: AuthEvent<K>) => MaybePromise<void> };

/**
 * Claims Latchkey sets itself (RFC 7519 §4.1, OIDC Core §2, RFC 9068 §2.2): a claims hook may not
 * return them. Returning one fails the token request, so a mistake shows at once in development.
 */
export const RESERVED_CLAIMS = [
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'azp',
  'auth_time',
  'nonce',
  'at_hash',
  'c_hash',
  'sid',
  'amr',
  'acr',
  'client_id',
  'scope',
  'username',
  'cnf',
] as const;

/** One of RESERVED_CLAIMS. */
export type ReservedClaim = (typeof RESERVED_CLAIMS)[number];

/** A JSON value, as a claim may hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Extra claims for a token: any JSON values, never a reserved claim. */
export type ExtraClaims = { [name: string]: JsonValue } & { [K in ReservedClaim]?: never };

/** What the claims hook is told. */
export interface ClaimsContext {
  /** The ID token, or an RFC 9068 JWT access token (opaque access tokens carry no claims). */
  token: 'id_token' | 'access_token';
  clientId: string;
  /** Null for a client-credentials access token. */
  accountId: string | null;
  scope: readonly string[];
}

/** What the consent hook is told. */
export interface ConsentContext {
  clientId: string;
  clientName: string;
  accountId: string;
  /** The scopes the client asks for. */
  scope: readonly string[];
  /** Scopes the user consented to before for this client. */
  consented: readonly string[];
}

/**
 * `ask`: show the consent page; `skip`: treat as allowed without asking (a first-party app);
 * `default`: Latchkey's own rule (ask unless an earlier consent covers the scopes or the client is
 * registered with skip-consent). Public clients are always asked whatever the hook says: anyone
 * can send their client_id (RFC 8252 §8.6).
 */
export type ConsentDecision = 'ask' | 'skip' | 'default';

/** The hooks option of createAuthServer. */
export interface AuthServerHooks {
  /** Event listeners. */
  events?: AuthEventListeners;
  /** Extra claims for ID tokens and JWT access tokens; undefined adds none. */
  claims?: (context: ClaimsContext) => MaybePromise<ExtraClaims | undefined>;
  /** Decides whether the user is asked; a hook that throws is logged and the user is asked. */
  consent?: (context: ConsentContext) => MaybePromise<ConsentDecision>;
}
