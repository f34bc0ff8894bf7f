/**
 * RFC 6749 §4.3 Resource Owner Password Credentials Grant. OAuth 2.1 and RFC 9700 §2.4 drop it:
 * the client sees the user's password. Latchkey keeps it for clients migrating from the seeds, off
 * unless a client's grant_types names it, and throttled like the login page.
 */
import { OAuthError } from '../../errors.js';
import { requireParam } from '../../params.js';
import type { Client } from '../../types.js';
import { resolveRequestedScope } from '../scope.js';

export interface PasswordGrantRequest {
  username: string;
  password: string;
  scope: string[];
}

/** §4.3.2: username and password are required; scope is optional (the client's default, §3.3). */
export function checkPasswordGrant(params: Record<string, string>, client: Client): PasswordGrantRequest {
  const username = requireParam(params, 'username');
  const password = requireParam(params, 'password');
  return { username, password, scope: resolveRequestedScope(params.scope, client.scope) };
}

/**
 * §5.2: "invalid_grant — the provided authorization grant (e.g. … resource owner credentials) is
 * invalid". One message for an unknown user, a wrong password and a disabled account, so the
 * answer never tells whether an account exists.
 */
export function invalidCredentialsError(): OAuthError {
  return new OAuthError('invalid_grant', 'The user name or password is incorrect');
}

/** A throttled account or address: still invalid_grant (§5.2 has no other code), with Retry-After. */
export function throttledCredentialsError(retryAfterSeconds: number): OAuthError {
  return new OAuthError(
    'invalid_grant',
    'Too many failed sign-in attempts; wait a few minutes and try again',
    {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    },
  );
}
