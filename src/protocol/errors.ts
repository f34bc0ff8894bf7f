/**
 * The one error type of Latchkey.
 *
 * RFC 6749 §4.1.2.1 / §5.2, RFC 6750 §3.1 and RFC 7009/7662 all speak the same error vocabulary:
 * a short ASCII `error` code, an optional human `error_description`, and an HTTP status chosen by
 * the endpoint. `detail` is for the server log only and never reaches the client.
 */

/** Error codes from RFC 6749 §4.1.2.1, §5.2, RFC 6750 §3.1, RFC 7591 §3.2.2 and OIDC Core §3.1.2.6, plus HTTP-level ones. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'login_required'
  | 'consent_required'
  | 'interaction_required'
  | 'request_not_supported'
  | 'request_uri_not_supported'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'not_found'
  | 'method_not_allowed'
  | 'unsupported_media_type'
  | 'request_too_large'
  | 'too_many_requests';

const DEFAULT_STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  unsupported_response_type: 400,
  invalid_scope: 400,
  access_denied: 403,
  server_error: 500,
  temporarily_unavailable: 503,
  invalid_token: 401,
  insufficient_scope: 403,
  login_required: 400,
  consent_required: 400,
  interaction_required: 400,
  request_not_supported: 400,
  request_uri_not_supported: 400,
  invalid_redirect_uri: 400,
  invalid_client_metadata: 400,
  not_found: 404,
  method_not_allowed: 405,
  unsupported_media_type: 415,
  request_too_large: 413,
  too_many_requests: 429,
};

export interface OAuthErrorOptions {
  /** HTTP status; defaults to the usual one for the code. */
  status?: number;
  /** For the server log only: never sent to the client. */
  detail?: string;
  /** Extra response headers (for example `WWW-Authenticate`, `Retry-After`). */
  headers?: Record<string, string>;
  /**
   * Where the error goes back to the client, for authorization-endpoint errors that RFC 6749
   * §4.1.2.1 sends to a verified redirect URI. Absent: answer directly (JSON or an error page).
   */
  redirect?: ErrorRedirect;
  cause?: unknown;
}

export interface ErrorRedirect {
  redirectUri: string;
  state: string | null;
  /**
   * Where the parameters go: the query (§4.1.2.1, the default), the fragment (§4.2.2.1, implicit)
   * or a form post (OAuth 2.0 Form Post Response Mode).
   */
  responseMode?: ResponseMode;
}

export type ResponseMode = 'query' | 'fragment' | 'form_post';

export class OAuthError extends Error {
  readonly code: OAuthErrorCode;
  readonly status: number;
  /** The `error_description` sent to the client: plain ASCII, no secrets. */
  readonly description: string | undefined;
  readonly detail: string | undefined;
  readonly headers: Record<string, string>;
  readonly redirect: ErrorRedirect | undefined;

  constructor(code: OAuthErrorCode, description?: string, options: OAuthErrorOptions = {}) {
    super(description ? `${code}: ${description}` : code, { cause: options.cause });
    this.name = 'OAuthError';
    this.code = code;
    this.status = options.status ?? DEFAULT_STATUS[code];
    this.description = description;
    this.detail = options.detail;
    this.headers = options.headers ?? {};
    this.redirect = options.redirect;
  }

  /** The same error, to be sent back to the client's redirect URI. */
  redirectTo(redirect: ErrorRedirect): OAuthError {
    return new OAuthError(this.code, this.description, {
      status: this.status,
      detail: this.detail,
      headers: this.headers,
      redirect,
      cause: this,
    });
  }

  /**
   * The description as it may go on the wire. RFC 6749 §5.2 limits error_description to
   * %x20-21 / %x23-5B / %x5D-7E, so anything else (quotes, backslashes, non-ASCII) is dropped.
   */
  get wireDescription(): string | undefined {
    return this.description === undefined ? undefined : wireSafe(this.description);
  }

  /** The RFC 6749 §5.2 JSON body. */
  toJSON(): { error: OAuthErrorCode; error_description?: string } {
    const description = this.wireDescription;
    return description ? { error: this.code, error_description: description } : { error: this.code };
  }
}

export function isOAuthError(value: unknown): value is OAuthError {
  return value instanceof OAuthError;
}

/**
 * Text made safe for error_description (RFC 6749 §5.2) and WWW-Authenticate attributes
 * (RFC 6750 §3): only %x20-21 / %x23-5B / %x5D-7E survive, so no quote, backslash, control or
 * non-ASCII character can reach a header or break out of a quoted value.
 */
export function wireSafe(text: string): string {
  return text.replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, '');
}
