/**
 * OpenID Connect Core 1.0 §3.1.2.1 authentication request parameters on top of RFC 6749 §4.1.1:
 * nonce, prompt, max_age, claims (§5.5), login_hint, id_token_hint, ui_locales, and response_mode
 * (OAuth 2.0 Multiple Response Type Encoding Practices §2.1, Form Post Response Mode §2).
 * Parsed only after the client and redirect URI are verified, so every error here redirects.
 */
import { OAuthError } from '../errors.js';
import type { ClaimRequestOptions, ClaimsRequest, ResponseType } from '../types.js';

export type Prompt = 'none' | 'login' | 'consent' | 'select_account';
export type ResponseModeParam = 'query' | 'fragment' | 'form_post';

export interface OidcRequestParams {
  nonce: string | null;
  prompt: Prompt[];
  /** Seconds; 0 forces a fresh sign-in (§3.1.2.1). */
  maxAge: number | null;
  claims: ClaimsRequest | null;
  loginHint: string | null;
  idTokenHint: string | null;
  responseMode: ResponseModeParam;
}

const PROMPTS: readonly Prompt[] = ['none', 'login', 'consent', 'select_account'];
const MAX_NONCE = 512;
const MAX_HINT = 256;
const MAX_CLAIMS_JSON = 4096;
const MAX_ID_TOKEN_HINT = 8192;

const invalid = (description: string) => new OAuthError('invalid_request', description);

function bounded(params: Record<string, string>, name: string, max: number): string | null {
  const value = params[name];
  if (value === undefined || value === '') return null;
  if (value.length > max) throw invalid(`The ${name} parameter is longer than ${max} characters`);
  return value;
}

/** The response mode a response type uses when none is asked for (Multiple Response Types §2.1). */
export function defaultResponseMode(responseType: ResponseType): ResponseModeParam {
  return responseType === 'token' ? 'fragment' : 'query';
}

export function parseOidcParams(
  params: Record<string, string>,
  context: { responseType: ResponseType; openid: boolean },
): OidcRequestParams {
  // §6.1, §6.2: a provider that does not support request objects answers these errors rather than
  // silently ignoring parameters the client meant to be authoritative.
  if (params.request !== undefined) {
    throw new OAuthError(
      'request_not_supported',
      'Request objects (the request parameter) are not supported',
    );
  }
  if (params.request_uri !== undefined) {
    throw new OAuthError('request_uri_not_supported', 'The request_uri parameter is not supported');
  }
  return {
    // §3.1.2.1: nonce binds the ID token to the browser session; claims are OpenID-only.
    nonce: context.openid ? bounded(params, 'nonce', MAX_NONCE) : null,
    prompt: parsePrompt(params.prompt),
    maxAge: parseMaxAge(params.max_age),
    claims: context.openid ? parseClaimsRequest(params.claims) : null,
    loginHint: bounded(params, 'login_hint', MAX_HINT),
    idTokenHint: bounded(params, 'id_token_hint', MAX_ID_TOKEN_HINT),
    responseMode: parseResponseMode(params.response_mode, context.responseType),
  };
}

/** §3.1.2.1: space-delimited; "If this parameter contains none with any other value, an error is returned." */
function parsePrompt(value: string | undefined): Prompt[] {
  if (value === undefined || value === '') return [];
  const prompts = [...new Set(value.split(' ').filter(Boolean))];
  for (const prompt of prompts) {
    if (!PROMPTS.includes(prompt as Prompt))
      throw invalid(`Unknown prompt value (use ${PROMPTS.join(', ')})`);
  }
  if (prompts.includes('none') && prompts.length > 1) {
    throw invalid('prompt=none cannot be combined with other prompt values');
  }
  return prompts as Prompt[];
}

function parseMaxAge(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  if (!/^[0-9]{1,10}$/.test(value)) throw invalid('max_age must be a whole number of seconds');
  return Number(value);
}

/**
 * Form Post §2 and Multiple Response Types §2.1. "the default Response Mode for the token Response
 * Type is the fragment encoding … the query encoding MUST NOT be used" for it (§3, security: the
 * token would reach the server's logs).
 */
function parseResponseMode(value: string | undefined, responseType: ResponseType): ResponseModeParam {
  if (value === undefined || value === '') return defaultResponseMode(responseType);
  if (value !== 'query' && value !== 'fragment' && value !== 'form_post') {
    throw invalid('response_mode must be query, fragment or form_post');
  }
  if (value === 'query' && responseType === 'token') {
    throw invalid('response_mode=query cannot carry an access token');
  }
  return value;
}

/** §5.5: a JSON object with optional `userinfo` and `id_token` members naming claims. */
export function parseClaimsRequest(value: string | undefined): ClaimsRequest | null {
  if (value === undefined || value === '') return null;
  if (value.length > MAX_CLAIMS_JSON)
    throw invalid(`The claims parameter is longer than ${MAX_CLAIMS_JSON} characters`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalid('The claims parameter must be a JSON object');
  }
  if (!isPlainObject(parsed)) throw invalid('The claims parameter must be a JSON object');
  const request: ClaimsRequest = {};
  for (const target of ['userinfo', 'id_token'] as const) {
    const members = parsed[target];
    if (members === undefined) continue;
    if (!isPlainObject(members)) throw invalid(`claims.${target} must be an object`);
    request[target] = parseMembers(target, members);
  }
  return request;
}

function parseMembers(
  target: string,
  members: Record<string, unknown>,
): Record<string, ClaimRequestOptions | null> {
  const out: Record<string, ClaimRequestOptions | null> = {};
  const names = Object.keys(members);
  if (names.length > 50) throw invalid(`claims.${target} names too many claims`);
  for (const name of names) {
    if (name.length > 100) throw invalid(`claims.${target} has a claim name that is too long`);
    const member = members[name];
    if (member === null) {
      out[name] = null;
      continue;
    }
    if (!isPlainObject(member)) throw invalid(`claims.${target}.${name} must be null or an object`);
    const options: ClaimRequestOptions = {};
    if (member.essential !== undefined) {
      if (typeof member.essential !== 'boolean')
        throw invalid(`claims.${target}.${name}.essential must be a boolean`);
      options.essential = member.essential;
    }
    if (member.value !== undefined) options.value = member.value;
    if (member.values !== undefined) {
      if (!Array.isArray(member.values)) throw invalid(`claims.${target}.${name}.values must be an array`);
      options.values = member.values;
    }
    out[name] = options;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
