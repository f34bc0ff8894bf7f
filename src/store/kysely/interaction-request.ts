/**
 * Reading a stored authorization request back. The row is JSON the server wrote, but a damaged
 * or hand-edited one must read as "no such interaction" (the user starts again), never as a 500
 * or as a request with fields of the wrong type.
 */
import type { StoredAuthorizationRequest } from '../ports.js';

const PROMPTS = new Set(['none', 'login', 'consent', 'select_account']);
const MODES = new Set(['query', 'fragment', 'form_post']);

const isString = (v: unknown): v is string => typeof v === 'string';
const isStringOrNull = (v: unknown) => v === null || isString(v);
const optional = (v: unknown, check: (v: unknown) => boolean) => v === undefined || check(v);

export function storedRequestFromRow(text: string): StoredAuthorizationRequest | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const r = parsed as Record<string, unknown>;
  const valid =
    isString(r.clientId) &&
    isString(r.redirectUri) &&
    typeof r.redirectUriSent === 'boolean' &&
    Array.isArray(r.scope) &&
    r.scope.every(isString) &&
    isStringOrNull(r.state) &&
    isStringOrNull(r.codeChallenge) &&
    (r.codeChallengeMethod === null ||
      r.codeChallengeMethod === 'S256' ||
      r.codeChallengeMethod === 'plain') &&
    optional(r.responseType, (v) => v === 'code' || v === 'token') &&
    optional(r.responseMode, (v) => MODES.has(v as string)) &&
    optional(r.nonce, isStringOrNull) &&
    optional(r.prompt, (v) => Array.isArray(v) && v.every((p) => PROMPTS.has(p as string))) &&
    optional(r.maxAge, (v) => v === null || (typeof v === 'number' && Number.isInteger(v) && v >= 0)) &&
    optional(r.claims, (v) => v === null || (typeof v === 'object' && !Array.isArray(v))) &&
    optional(r.loginHint, isStringOrNull) &&
    optional(r.forceLogin, (v) => typeof v === 'boolean') &&
    optional(r.replacesSession, isStringOrNull);
  return valid ? (r as unknown as StoredAuthorizationRequest) : null;
}
