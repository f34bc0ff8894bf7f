/**
 * What a signed-in user does to their own account on /account: see the apps they granted (through
 * grants.ts), change their password, sign out everywhere. Failures the form shows again are
 * OAuthError `invalid_request` with a message meant for the person.
 */
import {
  hashPassword,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  verifyPassword,
} from '../accounts/passwords.js';
import { OAuthError } from '../protocol/errors.js';
import { type AuditActor, auditEvent } from './audit.js';
import type { ServiceDeps } from './deps.js';
import type { SignedIn } from './login.js';

export interface PasswordChange {
  current: string;
  next: string;
  confirm: string;
}

/** The new-password rules, for the form's own checks (the server checks again here). */
export const PASSWORD_LIMITS = { minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH } as const;

export const WRONG_CURRENT_PASSWORD = 'Your current password is not correct.';
export const PASSWORDS_DIFFER = 'The new passwords do not match.';
export const PASSWORD_RULES = `The new password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters.`;
export const PASSWORD_UNCHANGED = 'The new password must differ from the current one.';

const refuse = (message: string, status = 400) => new OAuthError('invalid_request', message, { status });

/**
 * Checks the current password (throttled like a sign-in, per account: a stolen session must not
 * become a password-guessing oracle), then stores the new one and, in the same transaction, ends
 * every other session of the user and records 'password.changed'. This session stays.
 */
export async function changePassword(
  deps: ServiceDeps,
  signedIn: SignedIn,
  change: PasswordChange,
  actor: AuditActor,
): Promise<void> {
  const { store, clock, config } = deps;
  if (change.next.length < PASSWORD_MIN_LENGTH || change.next.length > PASSWORD_MAX_LENGTH) {
    throw refuse(PASSWORD_RULES);
  }
  if (change.next !== change.confirm) throw refuse(PASSWORDS_DIFFER);
  const key = `password-change:${signedIn.user.id}`;
  const { window, maxFailuresPerAccount } = config.throttle;
  // Counted before checking, as sign-in does: parallel guesses each see their own count.
  if ((await store.throttle.recordFailure(key, clock.now(), window)) > maxFailuresPerAccount) {
    throw new OAuthError('too_many_requests', 'Too many wrong passwords. Wait a few minutes and try again.', {
      headers: { 'Retry-After': String(window) },
    });
  }
  const user = await store.users.findById(signedIn.user.id);
  if (!user || !(await verifyPassword(user.passwordHash, change.current))) {
    throw refuse(WRONG_CURRENT_PASSWORD);
  }
  await store.throttle.reset(key);
  if (change.next === change.current) throw refuse(PASSWORD_UNCHANGED);
  const event = auditEvent(deps, {
    actor,
    action: 'password.changed',
    target: { type: 'user', id: user.id },
    details: { userId: user.id, username: user.username, otherSessionsEnded: true },
  });
  const changed = await store.users.setPasswordHash(user.id, await hashPassword(change.next), {
    keepSession: signedIn.session.idDigest,
    audit: event,
  });
  // The account was deleted between the check and the write: there is nothing left to change.
  if (!changed) throw refuse(WRONG_CURRENT_PASSWORD);
}

/** The actor for a signed-in user acting on their own account from a browser. */
export function selfActor(signedIn: SignedIn, request: { ip: string; userAgent: string | null }): AuditActor {
  return { type: 'user', id: signedIn.user.id, ip: request.ip, userAgent: request.userAgent };
}
