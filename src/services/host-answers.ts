/**
 * What a host's account adapter answers, checked (issue 8): a host's bug becomes a logged server
 * error or a refused sign-in, never a token with a wrong subject or garbage claims.
 */
import type { Account, CurrentUser } from '../embedding/accounts.js';
import { OAuthError } from '../protocol/errors.js';
import { CLAIM_MAX_LENGTH, sanitizeClaims } from '../protocol/oidc-core/standard-claims.js';
import type { StandardClaims, User } from '../protocol/types.js';

export const ID_MAX = 200;
// Printable, like a built-in user name, but spaces allowed: it is a display name here.
const USERNAME = /^[^\p{C}]{1,200}$/u;

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
export const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= ID_MAX;

/** Claims as sanitizeClaims keeps them, without values longer than any stored profile may hold. */
function boundedClaims(value: unknown): StandardClaims {
  const claims = sanitizeClaims(value) as Record<string, unknown>;
  for (const [name, v] of Object.entries(claims)) {
    if (typeof v === 'string' && v.length > CLAIM_MAX_LENGTH) delete claims[name];
  }
  const address = claims.address as Record<string, string> | undefined;
  if (address) {
    for (const [field, v] of Object.entries(address)) if (v.length > CLAIM_MAX_LENGTH) delete address[field];
    if (Object.keys(address).length === 0) delete claims.address;
  }
  return claims as StandardClaims;
}

/** findAccount's answer as a User; null for none, or for another account than the one asked. */
export function toUser(
  raw: Account | null | undefined,
  id: string,
  report: (problem: string) => void,
): User | null {
  if (raw === null || raw === undefined) return null;
  if (!isRecord(raw) || raw.id !== id) {
    report(`findAccount(${JSON.stringify(id.slice(0, 50))}) did not return that account; treated as none`);
    return null;
  }
  const username = typeof raw.username === 'string' && USERNAME.test(raw.username) ? raw.username : id;
  const updatedAt = Number.isSafeInteger(raw.updatedAt) && (raw.updatedAt as number) > 0 ? raw.updatedAt! : 0;
  return { id, username, disabled: false, profile: boundedClaims(raw.claims), updatedAt, createdAt: 0 };
}

/** getCurrentUser's answer, or a logged 500 when it is not one. */
export function checkCurrent(raw: unknown, now: number): CurrentUser {
  const ok =
    isRecord(raw) &&
    isId(raw.accountId) &&
    Number.isSafeInteger(raw.authTime) &&
    (raw.authTime as number) >= 0 &&
    // Seconds, not milliseconds, and not in the future (a little clock skew aside).
    (raw.authTime as number) <= now + 300 &&
    (raw.sessionId === undefined || (typeof raw.sessionId === 'string' && raw.sessionId.length <= 1000));
  if (!ok)
    throw new OAuthError('server_error', undefined, {
      status: 500,
      detail: 'getCurrentUser must return { accountId, authTime (seconds), sessionId? } or null',
    });
  return raw as unknown as CurrentUser;
}

/** loginUrl's answer: a path on this origin or an http(s) URL, else a logged 500. */
export function checkLoginUrl(url: unknown): string {
  const ok =
    typeof url === 'string' &&
    url.length <= 4000 &&
    ((url.startsWith('/') && !url.startsWith('//') && !url.startsWith('/\\')) ||
      /^https?:\/\/[^\s]+$/.test(url));
  if (!ok)
    throw new OAuthError('server_error', undefined, {
      status: 500,
      detail: 'loginUrl must return a path or an http(s) URL',
    });
  return url;
}

/** Checks an adapter's shape at start, so a missing method fails there and not on a user's sign-in. */
export function checkAccountAdapter(adapter: unknown): void {
  const problems: string[] = [];
  const a = adapter as Record<string, unknown> | null;
  if (!isRecord(a)) throw new TypeError('accounts must be an AccountAdapter object');
  if (typeof a.findAccount !== 'function') problems.push('findAccount is required');
  if (a.getCurrentUser === undefined && a.verifyCredentials === undefined)
    problems.push('give getCurrentUser (with loginUrl) or verifyCredentials');
  if (a.getCurrentUser !== undefined && typeof a.loginUrl !== 'function')
    problems.push('getCurrentUser needs loginUrl, where a browser with nobody signed in is sent');
  for (const name of ['getCurrentUser', 'loginUrl', 'signOut', 'verifyCredentials']) {
    if (a[name] !== undefined && typeof a[name] !== 'function') problems.push(`${name} must be a function`);
  }
  if (problems.length > 0) throw new TypeError(`accounts: ${problems.join('; ')}`);
}
