/** Drives the authorization code flow through Latchkey's real pages, as a user would. */
import { createHash, randomBytes } from 'node:crypto';
import { csrfToken, formAction, type Page, TestBrowser } from './browser.js';
import { PASSWORD } from './server.js';

export function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface AuthorizeOptions {
  issuer: string;
  clientId: string;
  redirectUri: string;
  scope?: string;
  state?: string;
  challenge?: string;
  username?: string;
  password?: string;
  decision?: 'allow' | 'deny';
  browser?: TestBrowser;
  extra?: Record<string, string>;
}

export function authorizeUrl(o: AuthorizeOptions): string {
  const url = new URL(`${o.issuer}/oauth/authorize`);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', o.clientId);
  url.searchParams.set('redirect_uri', o.redirectUri);
  if (o.scope) url.searchParams.set('scope', o.scope);
  if (o.state) url.searchParams.set('state', o.state);
  if (o.challenge) {
    url.searchParams.set('code_challenge', o.challenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  for (const [k, v] of Object.entries(o.extra ?? {})) url.searchParams.set(k, v);
  return url.toString();
}

/** Runs authorize → login → consent; returns the final redirect to the client as a URL. */
export async function authorize(
  o: AuthorizeOptions,
): Promise<{ redirect: URL; browser: TestBrowser; pages: Page[] }> {
  const browser = o.browser ?? new TestBrowser();
  const pages: Page[] = [];
  let page = await browser.follow(await browser.get(authorizeUrl(o)), o.issuer);
  pages.push(page);
  if (page.status === 200 && page.text.includes('name="password"')) {
    page = await browser.post(new URL(formAction(page.text, '/login'), o.issuer).toString(), {
      csrf_token: csrfToken(page.text),
      username: o.username ?? 'alice',
      password: o.password ?? PASSWORD,
    });
    page = await browser.follow(page, o.issuer);
    pages.push(page);
  }
  if (page.status === 200 && page.text.includes('name="decision"')) {
    page = await browser.post(new URL(formAction(page.text, '/consent'), o.issuer).toString(), {
      csrf_token: csrfToken(page.text),
      decision: o.decision ?? 'allow',
    });
    pages.push(page);
  }
  if (!page.location)
    throw new Error(`flow ended without a redirect to the client: ${page.status} ${page.text.slice(0, 300)}`);
  return { redirect: new URL(page.location), browser, pages };
}

export async function exchangeCode(
  issuer: string,
  client: { clientId: string; clientSecret: string | null },
  params: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (client.clientSecret) {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`;
  } else {
    params = { ...params, client_id: client.clientId };
  }
  const response = await fetch(`${issuer}/oauth/token`, {
    method: 'POST',
    headers,
    body: new URLSearchParams(params).toString(),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}
