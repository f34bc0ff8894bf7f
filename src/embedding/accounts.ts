/**
 * Your users: the account adapter a host application gives Latchkey instead of (or as) the
 * built-in accounts. Latchkey stores no password or profile of a host's account: it asks the
 * adapter for the claims whenever it needs them, so a change in the host's user table shows in
 * the next token.
 */
import type { IncomingMessage } from 'node:http';
import type { StandardClaims } from '../protocol/types.js';

/** An account as Latchkey needs it: who it is and what OpenID Connect may release about it. */
export interface Account {
  /** The account's stable id in the host application; becomes the `sub` claim (OIDC Core §2). */
  id: string;
  /** The name shown on Latchkey's pages and released as `preferred_username`; the id when absent. */
  username?: string;
  /** OIDC Core §5.1 standard claims, released by consented scope (§5.4). Ill-typed ones are dropped. */
  claims?: StandardClaims;
  /** When the claims last changed, seconds since the epoch (the `updated_at` claim); omitted when absent. */
  updatedAt?: number;
}

/** Who is signed in to the host application, as its own session says. */
export interface CurrentUser {
  /** The id `findAccount` knows the account by. */
  accountId: string;
  /**
   * When the user signed in to the host, seconds since the epoch: the ID token's `auth_time`, and
   * what `max_age` and `prompt=login` are judged by (OIDC Core §3.1.2.1).
   */
  authTime: number;
  /**
   * An opaque id of the host's session, if it has one — not the session cookie's value (a random
   * id the session store keys by, or a digest of the cookie). Latchkey never shows it: the ID
   * token's `sid` is an HMAC of it under a server secret, so one session's tokens can be told
   * apart from another's.
   */
  sessionId?: string;
}

/** Why a sign-in failed, for the audit log and the `loginFailed` event (never shown to the user). */
export type LoginFailureReason = 'unknown_user' | 'wrong_password' | 'disabled';

/**
 * What `verifyCredentials` answers: the account id when the password is right; null, or a
 * failure with its reason, when it is not. Latchkey shows one generic message either way.
 *
 * A failure may name the account the user name resolved to (`accountId`): when the host
 * normalises names (case, spaces, an email's aliases), failures under every spelling then count
 * against that one account, so spelling variants do not multiply the per-account limit.
 */
export type CredentialsResult = string | null | { failure: LoginFailureReason; accountId?: string };

/** Passed to `loginUrl`: what the sign-in at the host is for. */
export interface LoginRedirect {
  /**
   * The client asked for a fresh sign-in (`prompt=login`, `max_age`): the host should ask for the
   * password even if the user is signed in, then send the browser back with a new `authTime`.
   */
  reauthenticate: boolean;
  /** The client's `login_hint` (OIDC Core §3.1.2.1), to pre-fill the user name; untrusted text. */
  loginHint: string | null;
}

/** A value or a promise of it: adapters and hooks may be synchronous or not. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * The host application's users. `findAccount` is required. Who is signed in is told one of two
 * ways:
 * - `getCurrentUser` + `loginUrl`: Latchkey asks the host's own session, and sends a browser with
 *   nobody signed in to the host's login page with a path to come back to (like Django OAuth
 *   Toolkit with Django's session);
 * - `verifyCredentials`: Latchkey's own login page (or a custom one) asks for a user name and
 *   password and the host checks them; Latchkey keeps the session, throttled per account and IP.
 *
 * `Req` is the request the host's framework sees: the Fastify request when Latchkey is mounted
 * with `fastifyPlugin`, the Node (or Express) request with `handler`.
 */
export interface AccountAdapter<Req = IncomingMessage> {
  /** The account with this id, or null when it no longer exists or may not sign in (disabled). */
  findAccount: (id: string) => MaybePromise<Account | null>;
  /** The user signed in to the host for this request, or null. */
  getCurrentUser?: (request: Req) => MaybePromise<CurrentUser | null>;
  /**
   * The host's login page for a browser that must sign in, as a path (`/login?next=…`) or an
   * absolute URL. `returnTo` is a path on this origin to send the browser back to afterwards.
   */
  loginUrl?: (returnTo: string, context: LoginRedirect) => string;
  /** Ends the host's session (RP-initiated logout, "Not you?"). Without it only Latchkey forgets. */
  signOut?: (request: Req) => MaybePromise<void>;
  /** Checks a user name and password (the login page, the password grant). */
  verifyCredentials?: (username: string, password: string) => MaybePromise<CredentialsResult>;
}
