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

export interface Users {
  create(user: UserRecord): Promise<void>;
  findById(id: string): Promise<UserRecord | null>;
  findByUsername(username: string): Promise<UserRecord | null>;
  count(): Promise<number>;
  /** Replaces the user's whole profile and its `updated_at`; false when the user does not exist. */
  updateProfile(id: string, profile: StandardClaims, updatedAt: number): Promise<boolean>;
}

export interface Clients {
  create(client: Client): Promise<void>;
  findById(clientId: string): Promise<Client | null>;
  list(): Promise<Client[]>;
  /** Replaces the secret digest; false when the client does not exist. */
  setSecretDigest(clientId: string, secretDigest: string): Promise<boolean>;
}

export interface Sessions {
  create(session: SessionRecord): Promise<void>;
  /** The session if it exists and has not expired at `now`. */
  findActive(idDigest: string, now: number): Promise<SessionRecord | null>;
  delete(idDigest: string): Promise<void>;
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
  /** Revokes the grant and every token issued from it. */
  revoke(grantId: string, now: number): Promise<void>;
}

export interface Tokens {
  /** Stores tokens issued outside a code or refresh exchange (client credentials). */
  insert(tokens: TokenRecord[]): Promise<void>;
  /** Revokes one token; false when it was unknown or already revoked. */
  revoke(tokenDigest: string, now: number): Promise<boolean>;
  find(tokenDigest: string): Promise<TokenRecord | null>;
  findWithUser(tokenDigest: string): Promise<TokenWithUser | null>;
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
}

export interface Housekeeping {
  /**
   * Deletes what can no longer be used: expired interactions, sessions and tokens, codes expired
   * for longer than `codeRetention` (kept a while so a late replay still revokes its grant), and
   * throttling counters older than `throttleWindow`. Works in small batches so requests are not
   * held up behind one long delete.
   */
  purgeExpired(now: number, options: { codeRetention: number; throttleWindow: number }): Promise<PurgeCounts>;
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
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
