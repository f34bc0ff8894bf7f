/** Small HTTP helpers for setup and checks (the load itself goes through load.mjs). */
import { createHash, randomBytes } from 'node:crypto';

/** RFC 6749 §2.3.1: the id and secret are form-encoded before they are joined and base64'd. */
export function basicAuth(clientId, clientSecret) {
  const pair = `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`;
  return `Basic ${Buffer.from(pair).toString('base64')}`;
}

export function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export const FORM = 'application/x-www-form-urlencoded';

/** POSTs a form; resolves with the status and the parsed JSON body (or the text, if not JSON). */
export async function postForm(url, form, headers = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': FORM, ...headers },
    body: new URLSearchParams(form).toString(),
  });
  const text = await response.text();
  let body = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text for the error message.
  }
  return { status: response.status, body };
}

/** A client-credentials token, or an Error naming what came back instead. */
export async function clientCredentialsToken(tokenUrl, clientId, clientSecret) {
  const { status, body } = await postForm(
    tokenUrl,
    { grant_type: 'client_credentials' },
    { authorization: basicAuth(clientId, clientSecret) },
  );
  if (status !== 200 || typeof body?.access_token !== 'string') {
    throw new Error(`token request failed: ${status} ${JSON.stringify(body).slice(0, 200)}`);
  }
  return body.access_token;
}

/**
 * A cookie jar that follows no redirects, enough to sign in once through Latchkey's pages or
 * oidc-provider's interaction and keep the session cookie for the load.
 */
export class Browser {
  jar = new Map();

  cookieHeader() {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async request(url, init = {}) {
    const headers = new Headers(init.headers);
    if (this.jar.size > 0) headers.set('cookie', this.cookieHeader());
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1);
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    const location = response.headers.get('location');
    return {
      status: response.status,
      location: location && new URL(location, url).toString(),
      text: await response.text(),
    };
  }

  get(url) {
    return this.request(url);
  }

  post(url, form) {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams(form).toString(),
    });
  }

  /** Follows redirects while they stay on `origin`; returns the first page or off-origin redirect. */
  async follow(page, origin) {
    let current = page;
    for (let i = 0; i < 10 && current.location?.startsWith(origin); i++)
      current = await this.get(current.location);
    return current;
  }
}

export function authorizeUrl(endpoint, { clientId, redirectUri, scope, challenge, state = 'bench' }) {
  const url = new URL(endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}
