/**
 * RFC 6750 — The OAuth 2.0 Authorization Framework: Bearer Token Usage, resource-server side.
 *
 * - §2.1 Authorization Request Header Field: `Authorization: Bearer <b64token>`. It is the only
 *   method accepted here: §2.2 (form body) is rarely safe to parse before routing, and OAuth 2.1
 *   §5.2 drops §2.3 (query string), where tokens leak into logs and Referer headers.
 * - §3 The WWW-Authenticate Response Header Field: the `Bearer` challenge and its attributes.
 * - §3.1 Error Codes: invalid_request (400), invalid_token (401), insufficient_scope (403), and
 *   no error code at all when the request carried no bearer credentials.
 *
 * Pure functions: no framework, no I/O. Every failure is an OAuthError whose `headers` carry the
 * challenge, so any host (Fastify, Express, node:http) only has to copy status, headers and body.
 */
import { OAuthError, wireSafe } from './errors.js';

/** The attributes of a `Bearer` challenge (RFC 6750 §3). */
export interface BearerChallenge {
  realm?: string;
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  description?: string;
  /** Space-delimited when sent; the scopes needed to access the resource (§3). */
  scope?: string[];
}

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
// RFC 9110 §11.4: credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]; auth-scheme = token.
const CREDENTIALS = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)(?:( +)(.*))?$/s;
// RFC 9110 §5.5: leading and trailing whitespace is not part of a field value.
const OUTER_WHITESPACE = /^[ \t]+|[ \t]+$/g;

/**
 * Reads the bearer token from the Authorization header value(s) of a request.
 *
 * Returns null when the request carries no bearer credentials: no Authorization header, or one
 * with another scheme (Basic, Digest…). RFC 6750 §3.1: a request that "lacks any authentication
 * information (e.g., … attempted using an unsupported authentication method)" gets a challenge
 * with no error code, which is also what tells a Basic client which scheme to use.
 *
 * Throws `invalid_request` (400) when Bearer credentials are present but malformed, or when the
 * header is repeated (RFC 6750 §3.1: "uses more than one method for including an access token,
 * or is otherwise malformed").
 */
export function extractBearerToken(authorization: string | string[] | undefined): string | null {
  const value = singleHeader(authorization);
  if (value === undefined) return null;
  const match = CREDENTIALS.exec(value.replace(OUTER_WHITESPACE, ''));
  if (!match) throw malformed('the Authorization header is malformed');
  const [, scheme, separator, credentials] = match;
  // RFC 9110 §11.1: auth-scheme is case-insensitive; RFC 6750 §2.1 names the scheme "Bearer".
  if (scheme!.toLowerCase() !== 'bearer') return null;
  if (separator === undefined || credentials === '') {
    throw malformed('the Bearer credentials carry no token');
  }
  // RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token — one token, nothing after it.
  if (!B64TOKEN.test(credentials!)) throw malformed('the bearer token is not a valid b64token');
  return credentials!;
}

/** One Authorization header, undefined when absent; several are a malformed request. */
function singleHeader(authorization: string | string[] | undefined): string | undefined {
  if (!Array.isArray(authorization)) return authorization;
  if (authorization.length > 1) {
    // RFC 6750 §2 / §3.1: a request presents its token one way, once.
    throw malformed('the request carries more than one Authorization header');
  }
  return authorization[0];
}

function malformed(description: string): OAuthError {
  return new OAuthError('invalid_request', description, { status: 400 });
}

/** Builds the `WWW-Authenticate` value for a Bearer challenge (RFC 6750 §3). */
export function bearerChallenge(challenge: BearerChallenge = {}): string {
  const params: string[] = [];
  // RFC 6750 §3: "The 'realm' attribute MUST NOT appear more than once."
  if (challenge.realm !== undefined) params.push(`realm=${quoteRealm(challenge.realm)}`);
  pushAttribute(params, 'error', challenge.error);
  pushAttribute(params, 'error_description', challenge.description);
  pushAttribute(params, 'scope', challenge.scope?.join(' '));
  return params.length === 0 ? 'Bearer' : `Bearer ${params.join(', ')}`;
}

/** Adds `name="value"`, or nothing when no value is left once made safe. */
function pushAttribute(params: string[], name: string, value: string | undefined): void {
  const safe = value === undefined ? '' : attributeValue(value).trim();
  if (safe !== '') params.push(`${name}="${safe}"`);
}

/**
 * RFC 6750 §3: error, error_description and scope "MUST NOT include characters outside the set
 * %x20-21 / %x23-5B / %x5D-7E" — printable ASCII without `"` and `\`, so those are dropped
 * rather than escaped, and control characters can never split the header.
 */
const attributeValue = wireSafe;

/**
 * The realm is a plain RFC 9110 §5.6.4 quoted-string, so `"` and `\` may be escaped as
 * quoted-pairs. Non-ASCII and control characters are dropped: header values are ASCII here.
 */
function quoteRealm(realm: string): string {
  return `"${realm.replace(/[^\x20-\x7E]/g, '').replace(/["\\]/g, '\\$&')}"`;
}

/** True when `scope` is a valid RFC 6749 §3.3 scope-token (used to check configured scopes). */
export { isScopeToken } from './rfc6749/scope.js';

/**
 * Throws `insufficient_scope` (403) naming the missing scopes when `granted` lacks any of
 * `required`. RFC 6750 §3.1: the challenge "MAY include the 'scope' attribute with the scope
 * necessary to access the protected resource" — the whole required set, so the client knows
 * what to ask for; the description names only what is missing.
 */
export function checkScope(granted: string[], required: string[], context: { realm?: string } = {}): void {
  const have = new Set(granted);
  const missing = required.filter((scope) => !have.has(scope));
  if (missing.length === 0) return;
  throw withBearerChallenge(
    new OAuthError('insufficient_scope', `the access token lacks the scope: ${missing.join(' ')}`),
    { realm: context.realm, scope: required },
  );
}

/**
 * The 401 for a request without bearer credentials. RFC 6750 §3.1: the challenge carries no error
 * code. The OAuthError still needs a code for the JSON body; invalid_token is the 401 of §3.1.
 */
export function missingTokenError(realm?: string): OAuthError {
  return new OAuthError('invalid_token', 'the request carries no bearer access token', {
    status: 401,
    detail: 'no bearer credentials',
    headers: { 'WWW-Authenticate': bearerChallenge({ realm }) },
  });
}

/**
 * The 401 for a token that is unknown, expired, revoked or otherwise unusable. RFC 6750 §3.1:
 * invalid_token. One description for every cause, so a caller learns nothing about which.
 */
export function invalidTokenError(realm?: string, detail?: string): OAuthError {
  return withBearerChallenge(
    new OAuthError('invalid_token', 'the access token is invalid, expired or revoked', {
      status: 401,
      detail,
    }),
    { realm },
  );
}

/**
 * Adds the RFC 6750 §3 challenge to an error with one of the three §3.1 codes, keeping its status,
 * description, detail and other headers. Any other error (say temporarily_unavailable from a
 * verifier) is not a bearer-token failure and is returned unchanged.
 */
export function withBearerChallenge(
  error: OAuthError,
  context: { realm?: string; scope?: string[] } = {},
): OAuthError {
  const code = error.code;
  if (code !== 'invalid_request' && code !== 'invalid_token' && code !== 'insufficient_scope') return error;
  const challenge = bearerChallenge({
    realm: context.realm,
    error: code,
    description: error.description,
    scope: code === 'insufficient_scope' ? context.scope : undefined,
  });
  return new OAuthError(code, error.description, {
    status: error.status,
    detail: error.detail,
    headers: { ...error.headers, 'WWW-Authenticate': challenge },
    cause: error.cause,
  });
}
