/**
 * Signing in and out. Sessions live in the database; the cookie holds only a random id whose
 * digest is the row's key. Failures are throttled per account and per IP and answered with one
 * generic message, so the page never reveals whether an account exists. Every attempt is audited
 * ('login.success', 'login.failure' with the reason, which only the audit log shows).
 */
import { verifyPassword } from '../accounts/passwords.js';
import { digest } from '../crypto/digest.js';
import { randomId, randomToken } from '../crypto/random.js';
import { OAuthError } from '../protocol/errors.js';
import type { SessionRecord, UserRecord } from '../store/ports.js';
import { auditEvent, recordAudit } from './audit.js';
import type { ServiceDeps } from './deps.js';

export const LOGIN_FAILED = 'Incorrect user name or password.';
export const LOGIN_THROTTLED = 'Too many failed sign-in attempts. Wait a few minutes and try again.';

export interface SignedIn {
  user: UserRecord;
  session: SessionRecord;
}

const accountKey = (username: string) => `account:${username.toLowerCase()}`;
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

type FailureReason = 'throttled' | 'unknown_user' | 'wrong_password' | 'disabled';

/**
 * A failed attempt, for the audit log. An unknown user has no id: the attempted name is kept,
 * cut to the longest valid user name, so a password typed into the wrong field is not kept whole.
 */
function recordFailure(
  deps: ServiceDeps,
  input: Credentials,
  user: UserRecord | null,
  reason: FailureReason,
) {
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
export function recordPasswordGrantSignIn(
  deps: ServiceDeps,
  user: { id: string; username: string },
  context: { ip: string; clientId: string },
): Promise<void> {
  return recordAudit(deps, {
    actor: { type: 'user', id: user.id, ip: context.ip },
    action: 'login.success',
    target: { type: 'user', id: user.id },
    details: { username: user.username, method: 'password_grant', clientId: context.clientId },
  });
}

/**
 * Checks a user name and password, throttled per account and per IP. Resolves to the user; throws
 * OAuthError `too_many_requests` (with Retry-After) or `access_denied` (one generic message). The
 * login page and the password grant both call this, so both are throttled by the same counters.
 */
export async function verifyCredentials(deps: ServiceDeps, input: Credentials): Promise<UserRecord> {
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
  const user = input.username.length <= 100 ? await store.users.findByUsername(input.username) : null;
  // Verify even for an unknown user (against a dummy hash) so timing does not reveal existence.
  const valid = await verifyPassword(user?.passwordHash ?? null, input.password);
  if (!user || !valid || user.disabled) {
    await recordFailure(deps, input, user, !user ? 'unknown_user' : !valid ? 'wrong_password' : 'disabled');
    throw new OAuthError('access_denied', LOGIN_FAILED, { status: 401 });
  }
  await Promise.all([store.throttle.reset(account), store.throttle.forgive(ip)]);
  return user;
}

/** Checks credentials; on success creates a session and returns its cookie value. */
export async function signIn(
  deps: ServiceDeps,
  input: Credentials,
): Promise<{ sessionId: string; signedIn: SignedIn }> {
  const user = await verifyCredentials(deps, input);
  const now = deps.clock.now();
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
  return { sessionId, signedIn: { user, session } };
}

/** The signed-in user for a session cookie, or null (unknown, expired, or the user is disabled). */
export async function currentSession(
  deps: ServiceDeps,
  sessionId: string | undefined,
): Promise<SignedIn | null> {
  if (!sessionId || sessionId.length > 100) return null;
  const session = await deps.store.sessions.findActive(digest(sessionId), deps.clock.now());
  if (!session) return null;
  const user = await deps.store.users.findById(session.userId);
  if (!user || user.disabled) return null;
  return { user, session };
}

export async function signOut(deps: ServiceDeps, sessionId: string | undefined): Promise<void> {
  if (sessionId && sessionId.length <= 100) await deps.store.sessions.delete(digest(sessionId));
}
