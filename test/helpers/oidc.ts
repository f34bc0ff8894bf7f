/**
 * Helpers for the OpenID Connect end-to-end suite: an authorization driven through the real pages
 * that may end in a redirect or a form_post page, reading the response parameters from either, ID
 * tokens verified with jose against the published JWKS, at_hash computed independently of the
 * server's code, and UserInfo calls.
 */
import { createHash } from 'node:crypto';
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyResult, jwtVerify } from 'jose';
import { csrfToken, formAction, type Page, TestBrowser } from './browser.js';
import { authorizeUrl, exchangeCode, pkcePair } from './flow.js';
import { type JsonResponse, REDIRECT_URI, type RegisteredTestClient, readJson } from './negative.js';
import { PASSWORD, type TestServer } from './server.js';

export const isLoginPage = (page: Page): boolean =>
  page.status === 200 && page.text.includes('name="password"');
export const isConsentPage = (page: Page): boolean =>
  page.status === 200 && page.text.includes('name="decision"');

export interface OidcRequest {
  scope?: string;
  state?: string;
  redirectUri?: string;
  /** Any further authorization request parameters (nonce, prompt, max_age, claims …). */
  params?: Record<string, string>;
  /** Default: a fresh S256 pair. null: no PKCE. */
  pkce?: { verifier: string; challenge: string } | null;
}

export interface Driven {
  /** The last page: a redirect out of the server, a form_post page, or an error page. */
  last: Page;
  pages: Page[];
  sawLogin: boolean;
  sawConsent: boolean;
  /** The login page, when one was shown (for its pre-filled user name). */
  loginPage: Page | null;
  browser: TestBrowser;
  verifier: string | undefined;
}

export function oidcUrl(t: TestServer, client: RegisteredTestClient, o: OidcRequest = {}): string {
  return authorizeUrl({
    issuer: t.url,
    clientId: client.clientId,
    redirectUri: o.redirectUri ?? REDIRECT_URI,
    scope: o.scope ?? 'openid',
    state: o.state,
    // PKCE is on by default for every client: a fresh challenge unless the caller chose.
    challenge: o.pkce === null ? undefined : (o.pkce ?? pkcePair()).challenge,
    extra: o.params,
  });
}

/**
 * Runs an authorization through the real pages as the user would: signs in when the login page is
 * shown, answers the consent page when it is shown. Stops at the first answer that is not one of
 * those pages (a redirect to the client, a form_post page, an error page).
 */
export async function drive(
  t: TestServer,
  client: RegisteredTestClient,
  o: OidcRequest & {
    browser?: TestBrowser;
    username?: string;
    decision?: 'allow' | 'deny';
  } = {},
): Promise<Driven> {
  const browser = o.browser ?? new TestBrowser();
  const pkce = o.pkce === undefined ? pkcePair() : o.pkce;
  const url = oidcUrl(t, client, { ...o, pkce });
  const pages: Page[] = [];
  let loginPage: Page | null = null;
  let sawConsent = false;
  let page = await browser.follow(await browser.get(url), t.url);
  pages.push(page);
  if (isLoginPage(page)) {
    loginPage = page;
    page = await browser.post(new URL(formAction(page.text, '/login'), t.url).toString(), {
      csrf_token: csrfToken(page.text),
      username: o.username ?? 'alice',
      password: PASSWORD,
    });
    page = await browser.follow(page, t.url);
    pages.push(page);
  }
  if (isConsentPage(page)) {
    sawConsent = true;
    page = await browser.post(new URL(formAction(page.text, '/consent'), t.url).toString(), {
      csrf_token: csrfToken(page.text),
      decision: o.decision ?? 'allow',
    });
    pages.push(page);
  }
  return {
    last: page,
    pages,
    sawLogin: loginPage !== null,
    sawConsent,
    loginPage,
    browser,
    verifier: pkce?.verifier,
  };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" };
export const unescapeHtml = (value: string): string =>
  value.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, name: string) => ENTITIES[name]!);

/** The form of a form_post page: its action and hidden fields, HTML-unescaped. */
export function formPost(page: Page): { action: string; method: string; fields: Record<string, string> } {
  const form = /<form method="([^"]+)" action="([^"]+)">/.exec(page.text);
  if (!form) throw new Error(`not a form_post page: ${page.status} ${page.text.slice(0, 300)}`);
  const fields: Record<string, string> = {};
  for (const m of page.text.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields[unescapeHtml(m[1]!)] = unescapeHtml(m[2]!);
  }
  return { method: form[1]!, action: unescapeHtml(form[2]!), fields };
}

export type ResponseMode = 'query' | 'fragment' | 'form_post';

/** The authorization response's parameters, wherever the response mode put them. */
export function responseOf(page: Page): {
  mode: ResponseMode;
  target: string;
  params: Record<string, string>;
} {
  if (page.location) {
    const url = new URL(page.location);
    const fragment = url.hash.length > 1;
    const params = Object.fromEntries(fragment ? new URLSearchParams(url.hash.slice(1)) : url.searchParams);
    return { mode: fragment ? 'fragment' : 'query', target: `${url.origin}${url.pathname}`, params };
  }
  const form = formPost(page);
  return { mode: 'form_post', target: form.action, params: form.fields };
}

export interface Redeemed {
  status: number;
  body: Record<string, unknown>;
  idToken: string;
  accessToken: string;
}

/** Exchanges the code a driven authorization ended with; throws when there is none or it fails. */
export async function redeem(
  t: TestServer,
  client: RegisteredTestClient,
  driven: Driven,
  redirectUri = REDIRECT_URI,
): Promise<Redeemed> {
  const { params } = responseOf(driven.last);
  if (!params.code) throw new Error(`no code: ${JSON.stringify(params)} ${driven.last.text.slice(0, 300)}`);
  const exchange: Record<string, string> = {
    grant_type: 'authorization_code',
    code: params.code,
    redirect_uri: redirectUri,
  };
  if (driven.verifier) exchange.code_verifier = driven.verifier;
  const token = await exchangeCode(t.url, client, exchange);
  if (token.status !== 200) throw new Error(`token exchange failed: ${JSON.stringify(token.body)}`);
  return {
    status: token.status,
    body: token.body,
    idToken: token.body.id_token as string,
    accessToken: token.body.access_token as string,
  };
}

/** Drives an authorization to a code and exchanges it. */
export async function codeTokens(
  t: TestServer,
  client: RegisteredTestClient,
  o: Parameters<typeof drive>[2] = {},
): Promise<Redeemed & { driven: Driven }> {
  const driven = await drive(t, client, o);
  return { ...(await redeem(t, client, driven, o.redirectUri)), driven };
}

export async function fetchJwks(t: TestServer): Promise<JSONWebKeySet> {
  const response = await fetch(`${t.url}/.well-known/jwks.json`);
  if (response.status !== 200) throw new Error(`JWKS answered ${response.status}`);
  return (await response.json()) as JSONWebKeySet;
}

/**
 * Verifies an ID token as a relying party would (OIDC Core §3.1.3.7): signature against the
 * published JWKS, issuer, audience, and expiry as of the server's fake clock.
 */
export async function verifyIdToken(
  t: TestServer,
  idToken: string,
  clientId: string,
  jwks?: JSONWebKeySet,
): Promise<JWTVerifyResult> {
  return jwtVerify(idToken, createLocalJWKSet(jwks ?? (await fetchJwks(t))), {
    issuer: t.url,
    audience: clientId,
    currentDate: new Date(t.clock.now() * 1000),
  });
}

/**
 * OIDC Core §3.1.3.6 at_hash, written from the spec rather than from the server's code: the
 * base64url left half of the hash of the token's ASCII octets; SHA-256 for RS256/ES256, SHA-512
 * for EdDSA over Ed25519.
 */
export function expectedAtHash(accessToken: string, alg: string): string {
  const hash = alg === 'EdDSA' ? 'sha512' : `sha${alg.slice(2)}`;
  const full = createHash(hash).update(Buffer.from(accessToken, 'ascii')).digest();
  return full.subarray(0, full.length / 2).toString('base64url');
}

/** GET or POST /oauth/userinfo with an optional bearer token. */
export async function callUserinfo(
  t: TestServer,
  token: string | undefined,
  method: 'GET' | 'POST' = 'GET',
): Promise<JsonResponse> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  return readJson(await fetch(`${t.url}/oauth/userinfo`, { method, headers }));
}
