/**
 * Signing in and out. Sessions live in the database; the cookie holds only a random id whose
 * digest is the row's key. Failures are throttled per account and per IP and answered with one
 * generic message, so the page never reveals whether an account exists. Every attempt is audited
 * ('login.success', 'login.failure' with the reason, which only the audit log shows).
 */
import { digest } from '../crypto/digest.js';
import { randomId, randomToken } from '../crypto/random.js';
import { OAuthError } from '../protocol/errors.js';
import type { User } from '../protocol/types.js';
import type { RefusedAccount, SignInSession } from './accounts.js';
import { auditEvent, recordAudit } from './audit.js';
import { accountsOf, type ServiceDeps } from './deps.js';
import { emitEvent } from './events.js';

export const LOGIN_FAILED = 'Incorrect user name or password.';
export const LOGIN_THROTTLED = 'Too many failed sign-in attempts. Wait a few minutes and try again.';

/** Who a request is made by: an account (built-in or the host's) and the sign-in it came with. */
export interface SignedIn {
  user: User;
  session: SignInSession;
}

const accountKey = (username: string) => `account:${username.toLowerCase()}`;
/** The account a name resolved to: spelling variants a host normalises all count here too. */
const accountIdKey = (id: string) => `account-id:${id}`;
const ipKey = (ip: string) => `ip:${ip}`;

export interface Credentials {
  username: string;
  password: string;
  ip: string;
  /** For the audit log: the browser's User-Agent header. */
  userAgent?: string | null;
  /** For the audit log: set when a client asks through the password grant. */
  clientId?: string;
}

type FailureReason = 'throttled' | 'unknown_user' | 'wrong_password' | 'disabled' | 'rejected';

/**
 * A failed attempt, for the audit log. An unknown user has no id: the attempted name is kept,
 * cut to the longest valid user name, so a password typed into the wrong field is not kept whole.
 */
function recordFailure(deps: ServiceDeps, input: Credentials, user: User | null, reason: FailureReason) {
  emitEvent(deps, 'loginFailed', () => ({
    username: input.username.slice(0, 100),
    ip: input.ip,
    reason,
    method: input.clientId === undefined ? 'login_page' : 'password_grant',
    clientId: input.clientId ?? null,
  }));
  return recordAudit(deps, {
    actor: { type: 'anonymous', id: null, ip: input.ip, userAgent: input.userAgent ?? null },
    action: 'login.failure',
    target: user ? { type: 'user', id: user.id } : null,
    details: {
      username: input.username.slice(0, 100),
      reason,
      ...(input.clientId !== undefined && { method: 'password_grant', clientId: input.clientId }),
    },
  });
}

/** A password grant's successful sign-in, recorded once its tokens are stored and before they are returned. */
export async function recordPasswordGrantSignIn(
  deps: ServiceDeps,
  user: { id: string; username: string },
  context: { ip: string; clientId: string },
): Promise<void> {
  await recordAudit(deps, {
    actor: { type: 'user', id: user.id, ip: context.ip },
    action: 'login.success',
    target: { type: 'user', id: user.id },
    details: { username: user.username, method: 'password_grant', clientId: context.clientId },
  });
  emitEvent(deps, 'loginSucceeded', () => ({
    accountId: user.id,
    username: user.username,
    ip: context.ip,
    method: 'password_grant',
    clientId: context.clientId,
  }));
}

/**
 * Checks a user name and password, throttled per account and per IP. Resolves to the user; throws
 * OAuthError `too_many_requests` (with Retry-After) or `access_denied` (one generic message). The
 * login page and the password grant both call this, so both are throttled by the same counters.
 */
export async function verifyCredentials(deps: ServiceDeps, input: Credentials): Promise<User> {
  const { store, clock, config } = deps;
  const now = clock.now();
  const { window, maxFailuresPerAccount, maxFailuresPerIp } = config.throttle;
  const [account, ip] = [accountKey(input.username), ipKey(input.ip)];
  // Count the attempt first, in one atomic upsert per key: parallel guesses each see their own
  // count, so no burst gets more tries than the limit (DESIGN.md rule 8).
  const [accountCount, ipCount] = await Promise.all([
    store.throttle.recordFailure(account, now, window),
    store.throttle.recordFailure(ip, now, window),
  ]);
  if (accountCount > maxFailuresPerAccount || ipCount > maxFailuresPerIp) {
    await recordFailure(deps, input, null, 'throttled');
    throw new OAuthError('too_many_requests', LOGIN_THROTTLED, {
      headers: { 'Retry-After': String(window) },
    });
  }
  // The built-in users or the host's verifyCredentials, behind the same adapter interface.
  const accounts = accountsOf(deps);
  const check = await accounts.verify(input.username, input.password);
  if ('failure' in check) {
    if (check.accountId !== undefined)
      await store.throttle.recordFailure(accountIdKey(check.accountId), now, window);
    // The audit log names the built-in account a wrong password was tried on.
    const known = accounts.builtIn && (check.failure === 'wrong_password' || check.failure === 'disabled');
    const user = known ? await store.users.findByUsername(input.username) : null;
    await recordFailure(deps, input, user, check.failure);
    throw new OAuthError('access_denied', LOGIN_FAILED, { status: 401 });
  }
  // The right password, but the account took too many wrong ones under other spellings of its name.
  const [idFailures = 0] = await store.throttle.failures([accountIdKey(check.user.id)], now, window);
  if (idFailures >= maxFailuresPerAccount) {
    await recordFailure(deps, input, null, 'throttled');
    throw new OAuthError('too_many_requests', LOGIN_THROTTLED, {
      headers: { 'Retry-After': String(window) },
    });
  }
  await Promise.all([
    store.throttle.reset(account),
    store.throttle.forgive(ip),
    ...(idFailures > 0 ? [store.throttle.reset(accountIdKey(check.user.id))] : []),
  ]);
  return check.user;
}

/** Checks credentials; on success creates a session and returns its cookie value. */
export async function signIn(
  deps: ServiceDeps,
  input: Credentials,
): Promise<{ sessionId: string; signedIn: SignedIn }> {
  const user = await verifyCredentials(deps, input);
  const now = deps.clock.now();
  await accountsOf(deps).ensureStored(user.id, now);
  const sessionId = randomToken();
  const session = {
    idDigest: digest(sessionId),
    sid: randomId(),
    userId: user.id,
    authTime: now,
    createdAt: now,
    expiresAt: now + deps.config.sessions.ttl,
  };
  // The session and its audit event commit together: no sign-in goes unrecorded.
  const event = auditEvent(deps, {
    actor: { type: 'user', id: user.id, ip: input.ip, userAgent: input.userAgent ?? null },
    action: 'login.success',
    target: { type: 'user', id: user.id },
    details: { username: user.username, sid: session.sid },
  });
  await deps.store.sessions.create(session, event);
  emitEvent(deps, 'loginSucceeded', () => ({
    accountId: user.id,
    username: user.username,
    ip: input.ip,
    method: 'login_page',
    clientId: null,
  }));
  return { sessionId, signedIn: { user, session } };
}

/** The signed-in user for a session cookie, or null (unknown, expired, or the account is gone or disabled). */
export async function currentSession(
  deps: ServiceDeps,
  sessionId: string | undefined,
): Promise<SignedIn | null> {
  if (!sessionId || sessionId.length > 100) return null;
  const session = await deps.store.sessions.findActive(digest(sessionId), deps.clock.now());
  if (!session) return null;
  const user = await accountsOf(deps).find(session.userId);
  return user ? { user, session } : null;
}

/** Who makes a request: a signed-in user, nobody, or a host user who may not use apps here. */
export type SignInState = SignedIn | RefusedAccount | null;

export const isRefused = (state: SignInState): state is RefusedAccount =>
  state !== null && 'refused' in state;

/**
 * Who makes this request: the host application's signed-in user when its adapter tells
 * (getCurrentUser), else the user of Latchkey's own session cookie.
 */
export async function currentSignIn(
  deps: ServiceDeps,
  request: { sessionId: string | undefined; hostRequest: unknown },
): Promise<SignInState> {
  const accounts = accountsOf(deps);
  if (!accounts.asksHost) return currentSession(deps, request.sessionId);
  return accounts.current(request.hostRequest, deps.clock.now());
}

/** Ends Latchkey's session, and the host's when its adapter can (signOut). */
export async function signOut(
  deps: ServiceDeps,
  sessionId: string | undefined,
  hostRequest?: unknown,
): Promise<void> {
  if (sessionId && sessionId.length <= 100) await deps.store.sessions.delete(digest(sessionId));
  const accounts = accountsOf(deps);
  if (accounts.asksHost && hostRequest !== undefined) await accounts.signOut(hostRequest);
}
