/**
 * Signing in and out. Sessions live in the database; the cookie holds only a random id whose
 * digest is the row's key. Failures are throttled per account and per IP and answered with one
 * generic message, so the page never reveals whether an account exists.
 */
import { verifyPassword } from '../accounts/passwords.js';
import { digest } from '../crypto/digest.js';
import { randomId, randomToken } from '../crypto/random.js';
import { OAuthError } from '../protocol/errors.js';
import type { SessionRecord, UserRecord } from '../store/ports.js';
import type { ServiceDeps } from './deps.js';

export const LOGIN_FAILED = 'Incorrect user name or password.';
export const LOGIN_THROTTLED = 'Too many failed sign-in attempts. Wait a few minutes and try again.';

export interface SignedIn {
  user: UserRecord;
  session: SessionRecord;
}

const accountKey = (username: string) => `account:${username.toLowerCase()}`;
const ipKey = (ip: string) => `ip:${ip}`;

/**
 * Checks a user name and password, throttled per account and per IP. Resolves to the user; throws
 * OAuthError `too_many_requests` (with Retry-After) or `access_denied` (one generic message). The
 * login page and the password grant both call this, so both are throttled by the same counters.
 */
export async function verifyCredentials(
  deps: ServiceDeps,
  input: { username: string; password: string; ip: string },
): Promise<UserRecord> {
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
    throw new OAuthError('too_many_requests', LOGIN_THROTTLED, {
      headers: { 'Retry-After': String(window) },
    });
  }
  const user = input.username.length <= 100 ? await store.users.findByUsername(input.username) : null;
  // Verify even for an unknown user (against a dummy hash) so timing does not reveal existence.
  const valid = await verifyPassword(user?.passwordHash ?? null, input.password);
  if (!user || !valid || user.disabled) throw new OAuthError('access_denied', LOGIN_FAILED, { status: 401 });
  await Promise.all([store.throttle.reset(account), store.throttle.forgive(ip)]);
  return user;
}

/** Checks credentials; on success creates a session and returns its cookie value. */
export async function signIn(
  deps: ServiceDeps,
  input: { username: string; password: string; ip: string },
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
  await deps.store.sessions.create(session);
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
