/**
 * Request parameters as the specs define them.
 * RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if they were omitted from the
 * request" and "Request and response parameters MUST NOT be included more than once."
 */
import { OAuthError, wireSafe } from './errors.js';

export type RawParams = Record<string, unknown>;

/** The single string value of each parameter present; rejects repeats and non-string values. */
export function singleParams(raw: RawParams | null | undefined): Record<string, string> {
  // No prototype: a parameter named __proto__ or constructor is just a parameter.
  const out: Record<string, string> = Object.create(null);
  if (!raw || typeof raw !== 'object') return out;
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || value === '') continue;
    if (Array.isArray(value)) {
      throw new OAuthError('invalid_request', `The ${safeName(name)} parameter must not be repeated`);
    }
    if (typeof value !== 'string') {
      throw new OAuthError('invalid_request', `The ${safeName(name)} parameter is malformed`);
    }
    out[name] = value;
  }
  return out;
}

/**
 * The longest token Latchkey looks up. Its own opaque tokens are 43 characters and its JWT access
 * tokens well under 1 KiB; anything longer is not one of them, and is refused without hashing it.
 */
export const MAX_TOKEN_LENGTH = 4096;

export function requireParam(params: Record<string, string>, name: string): string {
  const value = params[name];
  if (value === undefined) throw new OAuthError('invalid_request', `The ${name} parameter is required`);
  return value;
}

/** error_description must be printable ASCII without '"' or '\' (RFC 6749 §5.2); so must echoed names. */
function safeName(name: string): string {
  const cleaned = wireSafe(name).slice(0, 40);
  return cleaned || 'a';
}
