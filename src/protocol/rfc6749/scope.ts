/**
 * RFC 6749 §3.3 Access Token Scope.
 */
import { OAuthError } from '../errors.js';

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export function isScopeToken(value: string): boolean {
  return SCOPE_TOKEN.test(value);
}

/** Parses a space-delimited scope parameter into distinct tokens, in order. */
export function parseScope(value: string): string[] {
  const tokens = value.split(' ').filter((t) => t !== '');
  for (const token of tokens) {
    if (!isScopeToken(token)) throw new OAuthError('invalid_scope', 'The scope parameter is malformed');
  }
  return [...new Set(tokens)];
}

/**
 * The scope to grant for a request. RFC 6749 §3.3: when the client omits the scope parameter,
 * the server "MUST either process the request using a pre-defined default value or fail"; Latchkey
 * uses the client's registered scope. Any requested scope outside it is `invalid_scope`.
 */
export function resolveRequestedScope(requested: string | undefined, allowed: string[]): string[] {
  if (requested === undefined) {
    if (allowed.length === 0)
      throw new OAuthError('invalid_scope', 'No scope was requested and the client has no default scope');
    return [...allowed];
  }
  const scope = parseScope(requested);
  if (scope.length === 0) throw new OAuthError('invalid_scope', 'The scope parameter is empty');
  const unknown = scope.filter((s) => !allowed.includes(s));
  if (unknown.length > 0) {
    throw new OAuthError('invalid_scope', `The client may not request: ${unknown.join(' ')}`);
  }
  return scope;
}

/** RFC 6749 §6: a refreshed scope "MUST NOT include any scope not originally granted". */
export function narrowScope(requested: string | undefined, granted: string[]): string[] {
  if (requested === undefined) return [...granted];
  const scope = parseScope(requested);
  const wider = scope.filter((s) => !granted.includes(s));
  if (scope.length === 0 || wider.length > 0) {
    throw new OAuthError(
      'invalid_scope',
      `The scope exceeds what was granted: ${wider.join(' ') || '(empty)'}`,
    );
  }
  return scope;
}

export function coversScope(granted: string[], requested: string[]): boolean {
  return requested.every((s) => granted.includes(s));
}
