/**
 * Redirect URIs: RFC 6749 §3.1.2, RFC 9700 §2.1 (exact matching), RFC 8252 §7.3 (loopback ports)
 * and §7.1 (private-use schemes for native apps).
 */
import { OAuthError } from '../errors.js';

const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:']);

/** localhost and the loopback addresses, as URL.hostname writes them (RFC 8252 §7.3, §8.3). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === '[::1]' || hostname === 'localhost';
}

/**
 * Why a URI cannot be registered, or null when it can.
 * RFC 6749 §3.1.2: "The redirection endpoint URI MUST be an absolute URI … MUST NOT include a
 * fragment component." RFC 9700 §4.1.1 rules out open redirectors; plain http is allowed only
 * for loopback (RFC 8252 §7.3) so codes never cross the network in clear text.
 */
export function redirectUriProblem(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URI';
  }
  if (uri.includes('#')) return 'must not contain a fragment';
  if (FORBIDDEN_SCHEMES.has(url.protocol)) return `must not use the ${url.protocol} scheme`;
  if (/[\s<>"]/.test(uri)) return 'must not contain spaces, quotes or angle brackets';
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return 'must use https (plain http is allowed only for localhost and loopback addresses)';
  }
  if ((url.protocol === 'http:' || url.protocol === 'https:') && url.username + url.password !== '') {
    return 'must not contain user information';
  }
  // Exact matching compares strings, and the code is sent to the parsed URL: the two must agree,
  // or `https://a/x/../cb` would be registered but the code delivered to `https://a/cb`.
  if ((url.protocol === 'http:' || url.protocol === 'https:') && url.href !== uri) {
    return `must be written in normal form (${url.href})`;
  }
  return null;
}

/**
 * Whether `requested` matches one of the client's registered URIs.
 * RFC 9700 §4.1.3: exact string comparison. RFC 8252 §7.3: for http loopback IP literals the
 * port may differ ("the authorization server MUST allow any port to be specified").
 */
export function matchRedirectUri(
  registered: string[],
  requested: string,
  options: RedirectMatchOptions = { loopbackAnyPort: true },
): boolean {
  if (registered.includes(requested)) return true;
  if (!options.loopbackAnyPort) return false;
  let req: URL;
  try {
    req = new URL(requested);
  } catch {
    return false;
  }
  if (req.protocol !== 'http:' || (req.hostname !== '127.0.0.1' && req.hostname !== '[::1]')) return false;
  return registered.some((candidate) => {
    try {
      const reg = new URL(candidate);
      return (
        reg.protocol === 'http:' &&
        reg.hostname === req.hostname &&
        reg.pathname === req.pathname &&
        reg.search === req.search &&
        requested === withPort(candidate, reg, req.port)
      );
    } catch {
      return false;
    }
  });
}

/** The registered string with only its port replaced, so every other byte must still match. */
function withPort(candidate: string, reg: URL, port: string): string {
  const authority = `${reg.hostname}${reg.port ? `:${reg.port}` : ''}`;
  const replacement = `${reg.hostname}${port ? `:${port}` : ''}`;
  return candidate.replace(`//${authority}`, `//${replacement}`);
}

/** Chooses the redirect URI for an authorization request (RFC 6749 §3.1.2.3). */
export interface RedirectMatchOptions {
  /**
   * Whether RFC 8252 §7.3's any-port rule for loopback URIs applies. Only for code requests: a code
   * sent to another local port is useless without the client's secret or PKCE verifier, but an
   * implicit response carries the token itself, so any local process could collect it.
   */
  loopbackAnyPort: boolean;
}

export function resolveRedirectUri(
  registered: string[],
  requested: string | undefined,
  options: RedirectMatchOptions = { loopbackAnyPort: true },
): string {
  if (requested === undefined) {
    // OAuth 2.1 §2.3.1 / RFC 6749 §3.1.2.3: may be omitted only when exactly one is registered.
    if (registered.length === 1) return registered[0]!;
    throw new OAuthError('invalid_request', 'The redirect_uri parameter is required for this client');
  }
  if (!matchRedirectUri(registered, requested, options)) {
    throw new OAuthError('invalid_request', 'The redirect_uri is not registered for this client');
  }
  return requested;
}
