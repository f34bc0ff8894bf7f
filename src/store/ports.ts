/**
 * The store's ports: narrow repositories shaped by the use cases that call them. Every rule that
 * must hold under concurrency is one method here, implemented as one atomic statement or
 * transaction (DESIGN.md rule 8): callers never read-then-write.
 */
import type { JWK, SigningAlgorithm } from '../crypto/keys.js';
import type { ResponseMode } from '../protocol/errors.js';
import type { Prompt } from '../protocol/oidc-core/authorization-request.js';
import type { ClaimsRequest, Client, ResponseType, StandardClaims, User } from '../protocol/types.js';

/** A create that would duplicate a unique key (a user name, a client_id): one atomic insert decides. */
export class DuplicateKeyError extends Error {
  override name = 'DuplicateKeyError';
}

/**
 * The database cannot be reached or cannot answer now (PostgreSQL down or failing over, a pool
 * exhausted past its timeout, SQLite busy or out of disk). Requests answer 503 and the store
 * recovers by itself once the database is back: nothing is cached in a broken state.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  readonly statusCode = 503;
}

export interface UserRecord extends User {
  passwordHash: string;
}

export interface SessionRecord {
  idDigest: string;
  /** The session's public id: the ID token's `sid` claim (never the cookie's secret). */
  sid: string;
  userId: string;
  authTime: number;
  createdAt: number;
  expiresAt: number;
}

/** A validated authorization request waiting for login and consent (DESIGN.md rule 4). */
export interface InteractionRecord {
  id: string;
  request: StoredAuthorizationRequest;
  browserDigest: string;
  createdAt: number;
  expiresAt: number;
}

export interface StoredAuthorizationRequest {
  clientId: string;
  /** Absent in interactions stored before the implicit grant existed: those asked for a code. */
  responseType?: ResponseType;
  redirectUri: string;
  /** Whether the request named the redirect_uri; then the token request must repeat it. */
  redirectUriSent: boolean;
  scope: string[];
  state: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | 'plain' | null;
  /**
   * OpenID Connect and response-mode parameters. Optional: interactions stored before they existed
   * (a deploy in the middle of a sign-in) read as a plain OAuth request answered in its default mode.
   */
  responseMode?: ResponseMode;
  nonce?: string | null;
  prompt?: Prompt[];
  maxAge?: number | null;
  claims?: ClaimsRequest | null;
  loginHint?: string | null;
  /** prompt=login, select_account or max_age=0: only a sign-in that replaced `replacesSession` will do. */
  forceLogin?: boolean;
  replacesSession?: string | null;
}

export interface GrantRecord {
  id: string;
  userId: string | null;
  clientId: string;
  scope: string[];
  /** When the user signed in for it (OIDC `auth_time`), and in which session (`sid`); null without a browser sign-in. */
  authTime: number | null;
  sid: string | null;
  /** The OpenID Connect `claims` request it was authorized with (its userinfo part applies to every token). */
  claims: ClaimsRequest | null;
  createdAt: number;
  revokedAt: number | null;
}

export interface CodeRecord {
  codeDigest: string;
  grantId: string;
  clientId: string;
  userId: string;
  /** Where the code was sent. */
  redirectUri: string;
  /** Whether the authorization request named redirect_uri (then the token request must repeat it). */
  redirectUriRequired: boolean;
  scope: string[];
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | 'plain' | null;
  /** OpenID Connect: the request's nonce, the sign-in's time and session, the claims request. */
  nonce: string | null;
  authTime: number | null;
  sid: string | null;
  claims: ClaimsRequest | null;
  createdAt: number;
  expiresAt: number;
  consumedAt: number | null;
}

export type TokenKind = 'access' | 'refresh';

export interface TokenRecord {
  tokenDigest: string;
  kind: TokenKind;
  grantId: string | null;
  clientId: string;
  userId: string | null;
  scope: string[];
  createdAt: number;
  expiresAt: number;
  consumedAt: number | null;
  revokedAt: number | null;
}

/** A token joined with its user, for the resource side. */
export interface TokenWithUser extends TokenRecord {
  username: string | null;
  userDisabled: boolean;
}

/** A page of a list in key order (user name, client_id): at most `limit` rows after the key `after`. */
export interface PageFilter {
  /** Part of the name or id, matched in any case; `%` and `_` are plain characters. */
  search?: string;
  limit: number;
  after?: string;
}

/** What an administrator may change on a user, all at once; absent fields stay. */
export interface UserChange {
  profile?: StandardClaims;
  isAdmin?: boolean;
  disabled?: boolean;
}

export interface Users {
  create(user: UserRecord, audit?: AuditEventRecord): Promise<void>;
  findById(id: string): Promise<UserRecord | null>;
  findByUsername(username: string): Promise<UserRecord | null>;
  count(): Promise<number>;
  /** Replaces the user's whole profile and its `updated_at`; false when the user does not exist. */
  updateProfile(id: string, profile: StandardClaims, updatedAt: number): Promise<boolean>;
  /**
   * In one transaction: replaces the password hash, ends the user's sessions (all but the one whose
   * digest is `keepSession`: a new password must sign out whoever knew the old one) and records
   * `audit`. False (and nothing written) when the user does not exist.
   */
  setPasswordHash(
    id: string,
    passwordHash: string,
    options?: { keepSession?: string | null; audit?: AuditEventRecord },
  ): Promise<boolean>;
  /** Users in user-name order (see PageFilter; `search` matches the user name). */
  list(filter: PageFilter): Promise<UserRecord[]>;
  /**
   * Applies `change` and records `audit`, in one transaction; `updatedAt` is set when the profile
   * changes. Disabling also ends every session of the user and revokes their grants and tokens: a
   * disabled account keeps no way in. The user as it is now, or null (nothing written) when unknown.
   */
  update(id: string, change: UserChange, now: number, audit?: AuditEventRecord): Promise<UserRecord | null>;
  /** Revokes every grant of the user with its tokens and unused codes, and records `audit`, together. */
  revokeGrants(id: string, now: number, audit?: AuditEventRecord): Promise<RevokedCounts>;
  /**
   * Makes sure a row with this id exists for a host application's account (issue 8), so sessions,
   * grants, consents and tokens can point at it: marked external, no password (none verifies), an
   * empty profile, a user name no built-in user can have. Never changes a row. True when the row
   * with this id is (now) an external one; false when it is a built-in user's, which a host
   * account must never adopt.
   */
  ensureExternal(id: string, now: number): Promise<boolean>;
}

/** What a bulk revocation ended: grants, and tokens (with or without a grant) not revoked before. */
export interface RevokedCounts {
  grants: number;
  tokens: number;
}

export interface Clients {
  /** Stores the client and records `audit`, together; DuplicateKeyError when the client_id is taken. */
  create(client: Client, audit?: AuditEventRecord): Promise<void>;
  findById(clientId: string): Promise<Client | null>;
  list(): Promise<Client[]>;
  /** Clients in client_id order (see PageFilter; `search` matches the client_id or the name). */
  page(filter: PageFilter): Promise<Client[]>;
  /** Replaces the secret digest and records `audit`, together; false when the client does not exist. */
  setSecretDigest(clientId: string, secretDigest: string, audit?: AuditEventRecord): Promise<boolean>;
  /**
   * Replaces the client's metadata (never its client_id, secret or creation time) if the stored row
   * still reads as `before`, and records `audit`, in one transaction. False (nothing written) when
   * it changed meanwhile or is gone: two edits cannot silently overwrite each other.
   */
  update(before: Client, after: Client, audit?: AuditEventRecord): Promise<boolean>;
  /**
   * Deletes the client with its grants, codes, tokens and consents, and records `audit`, in one
   * transaction: nothing issued to it outlives it. False when there was no such client.
   */
  delete(clientId: string, audit?: AuditEventRecord): Promise<boolean>;
  /**
   * Revokes every grant of the client and every token issued to it (client-credentials tokens too)
   * and spends its unused codes, recording `audit`, in one transaction. The client stays.
   */
  revokeGrants(clientId: string, now: number, audit?: AuditEventRecord): Promise<RevokedCounts>;
}

export interface Sessions {
  /** Stores the session and records `audit` (the sign-in), in one transaction. */
  create(session: SessionRecord, audit?: AuditEventRecord): Promise<void>;
  /** The session if it exists and has not expired at `now`. */
  findActive(idDigest: string, now: number): Promise<SessionRecord | null>;
  delete(idDigest: string): Promise<void>;
  /** Deletes every session of the user and records `audit`, in one transaction; returns how many. */
  deleteAllForUser(userId: string, audit?: AuditEventRecord): Promise<number>;
}

export interface Interactions {
  create(interaction: InteractionRecord): Promise<void>;
  findActive(id: string, now: number): Promise<InteractionRecord | null>;
  /** Deletes and returns it in one statement: an interaction completes once. */
  take(id: string, now: number): Promise<InteractionRecord | null>;
}

export interface Consents {
  /** The scopes the user has consented to for this client, or [] when none. */
  find(userId: string, clientId: string): Promise<string[]>;
  /** Adds scopes to the consent (a union with what was consented before). */
  grant(userId: string, clientId: string, scope: string[], now: number): Promise<void>;
  /** Forgets the consent (the next authorization asks again); false when there was none. */
  revoke(userId: string, clientId: string): Promise<boolean>;
  /** The user's consents with their clients' names, newest first. */
  listForUser(userId: string): Promise<ConsentListing[]>;
}

export interface ConsentListing {
  clientId: string;
  clientName: string;
  clientUri: string | null;
  scope: string[];
  createdAt: number;
  updatedAt: number;
}

/** A grant as lists show it: joined with its client and user, with what its tokens say about use. */
export interface GrantListing {
  id: string;
  clientId: string;
  clientName: string;
  clientUri: string | null;
  userId: string | null;
  username: string | null;
  scope: string[];
  createdAt: number;
  revokedAt: number | null;
  /** The newest token's created_at: when the grant was last refreshed or issued from; null before any token. */
  lastUsedAt: number | null;
  /** Not revoked, and some token or code from it is still unexpired and unused. */
  active: boolean;
}

export interface GrantListFilter {
  userId?: string;
  clientId?: string;
  /** Only grants that are active at `now`. */
  activeOnly?: boolean;
  /** Newest first; at most `limit` rows, strictly older than `before` in (createdAt, id) order. */
  limit: number;
  before?: { createdAt: number; id: string };
}

export interface Grants {
  /** Stores a new grant and the authorization code issued from it, together. */
  createWithCode(grant: GrantRecord, code: CodeRecord): Promise<void>;
  /** Stores a new grant and the tokens issued from it at once (implicit and password grants), together. */
  createWithTokens(grant: GrantRecord, tokens: TokenRecord[]): Promise<void>;
  findCode(codeDigest: string): Promise<CodeRecord | null>;
  find(grantId: string): Promise<GrantRecord | null>;
  /**
   * Marks the code consumed and stores the tokens issued for it, in one transaction. Returns false
   * (and stores nothing) when the code was consumed already: a replay.
   */
  redeemCode(codeDigest: string, now: number, tokens: TokenRecord[]): Promise<boolean>;
  /**
   * Marks a refresh token consumed and stores its replacements, in one transaction. Returns false
   * (and stores nothing) when it was no longer usable: consumed, revoked or expired.
   */
  rotateRefreshToken(tokenDigest: string, now: number, tokens: TokenRecord[]): Promise<boolean>;
  /**
   * Revokes the grant and every token issued from it, in one transaction; `audit` is recorded in it
   * when the grant was not revoked before. True when this call revoked it, false when it was unknown
   * or revoked already.
   */
  revoke(grantId: string, now: number, audit?: AuditEventRecord): Promise<boolean>;
  /**
   * "Remove access": in one transaction revokes every grant of the user for the client with their
   * tokens, forgets the consent, and records `audit` (when there was anything to remove). Returns
   * how many grants it revoked and whether a consent was forgotten.
   */
  removeAccess(
    userId: string,
    clientId: string,
    now: number,
    audit?: AuditEventRecord,
  ): Promise<{ grantsRevoked: number; consentRemoved: boolean }>;
  /** Grants by user and/or client, joined with names and usage, newest first (see GrantListFilter). */
  list(filter: GrantListFilter, now: number): Promise<GrantListing[]>;
}

export interface Tokens {
  /** Stores tokens issued outside a code or refresh exchange (client credentials). */
  insert(tokens: TokenRecord[]): Promise<void>;
  /** Revokes one token; false when it was unknown or already revoked. */
  revoke(tokenDigest: string, now: number): Promise<boolean>;
  find(tokenDigest: string): Promise<TokenRecord | null>;
  findWithUser(tokenDigest: string): Promise<TokenWithUser | null>;
}

export type AuditActorType = 'user' | 'client' | 'system' | 'anonymous';

/** Who did what to what, from where. `details` never holds a password, secret, token or hash. */
export interface AuditEventRecord {
  id: string;
  at: number;
  actorType: AuditActorType;
  /** A user id or a client_id; null for the system or an anonymous caller (a failed sign-in). */
  actorId: string | null;
  /** Dotted, lower case: 'login.success', 'grant.revoked', 'admin.client.created'… */
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
}

export interface AuditFilter {
  /** An exact action, or a prefix ending in '.*' ('admin.*'). */
  action?: string;
  actorId?: string;
  targetType?: string;
  targetId?: string;
  /** Inclusive bounds on `at`. */
  since?: number;
  until?: number;
  /** Newest first; at most `limit` rows, strictly older than `before` in (at, id) order. */
  limit: number;
  before?: { at: number; id: string };
}

export interface AuditLog {
  record(event: AuditEventRecord): Promise<void>;
  list(filter: AuditFilter): Promise<AuditEventRecord[]>;
}

export interface LoginThrottle {
  /** Failures counted for `key` in the window that contains `now` (0 once the window has passed). */
  failures(keys: string[], now: number, window: number): Promise<number[]>;
  /**
   * Counts one failure atomically and returns the new count within the window. Sign-in counts
   * every attempt before checking the password, so parallel guesses cannot all see a low count.
   */
  recordFailure(key: string, now: number, window: number): Promise<number>;
  /** Takes back one counted failure (the attempt succeeded). */
  forgive(key: string): Promise<void>;
  reset(key: string): Promise<void>;
}

/**
 * A JWT signing key pair. Per alg, the key that signs is the readable one with activatedAt <= now
 * that is not being retired (retireAt null), else the newest still-published one; ties go to the
 * greater kid (see services/signing-keys.ts). A key is published while retireAt is null or > now.
 */
export interface SigningKeyRecord {
  /** RFC 7638 thumbprint of the public key. */
  kid: string;
  alg: SigningAlgorithm;
  privateJwk: JWK;
  publicJwk: JWK;
  createdAt: number;
  /** When it started (or starts) signing. */
  activatedAt: number;
  /** When it leaves the JWKS; null while it signs or is published indefinitely. */
  retireAt: number | null;
}

/** A stored key whose JWKs do not parse: skipped for signing and publishing, shown to admins. */
export interface UnreadableSigningKey {
  kid: string;
  alg: string;
  createdAt: number;
  activatedAt: number;
  retireAt: number | null;
  /** Why it could not be read (never the key material). */
  problem: string;
}

export interface SigningKeys {
  /** Every stored key, oldest first; rows that cannot be read come back apart, never as keys. */
  list(): Promise<{ keys: SigningKeyRecord[]; unreadable: UnreadableSigningKey[] }>;
  /**
   * Stores a new key with retireAt null. DuplicateKeyError when its alg already has a key with
   * retireAt null (a unique index: instances racing to create the first key cannot both win) or
   * when the kid exists.
   */
  insert(key: SigningKeyRecord): Promise<void>;
  /**
   * In one transaction: sets retireAt on the alg's key(s) with retireAt null and stores `newKey`.
   * Returns the kids now set to retire.
   */
  rotate(alg: SigningAlgorithm, newKey: SigningKeyRecord, retireAt: number): Promise<string[]>;
  /** Sets retireAt = now (it leaves the JWKS at once); false when unknown or retired already. */
  retire(kid: string, now: number): Promise<boolean>;
  /** Deletes keys whose retireAt <= now; returns how many. */
  purgeRetired(now: number): Promise<number>;
}

export interface PurgeCounts {
  interactions: number;
  sessions: number;
  codes: number;
  tokens: number;
  loginFailures: number;
  /** Signing keys past their retireAt (no longer in the JWKS). */
  signingKeys: number;
  /** Audit events older than the retention. */
  auditEvents: number;
}

export interface Housekeeping {
  /**
   * Deletes what can no longer be used: expired interactions, sessions and tokens, codes expired
   * for longer than `codeRetention` (kept a while so a late replay still revokes its grant), and
   * throttling counters older than `throttleWindow`, and audit events older than `auditRetention`
   * (all kept when it is absent). Works in small batches so requests are not held up behind one
   * long delete.
   */
  purgeExpired(
    now: number,
    options: { codeRetention: number; throttleWindow: number; auditRetention?: number },
  ): Promise<PurgeCounts>;
}

/** Server-wide secrets every instance shares (the pairwise subject salt), made once. */
export interface ServerSecrets {
  /** The stored value for `name`, storing `candidate` first if there is none; concurrent callers all get the one stored. */
  getOrCreate(name: string, candidate: string, now: number): Promise<string>;
}

export interface Store {
  users: Users;
  clients: Clients;
  sessions: Sessions;
  interactions: Interactions;
  consents: Consents;
  grants: Grants;
  tokens: Tokens;
  throttle: LoginThrottle;
  keys: SigningKeys;
  housekeeping: Housekeeping;
  secrets: ServerSecrets;
  audit: AuditLog;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
