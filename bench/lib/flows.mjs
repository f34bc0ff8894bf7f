/**
 * Multi-step loads for autocannon's `requests` API. Each flow keeps its own counters: a flow is
 * complete only when its last response is right, and its latency runs from building its first
 * request to reading its last response. (autocannon resets `context` at every loop, so state that
 * must outlive one flow, like the refresh-token pool, lives in the closure.)
 */
import { authorizeUrl, basicAuth, FORM, pkcePair } from './http.mjs';

function counters() {
  let completed = 0;
  let errors = 0;
  let latencies = [];
  return {
    done(started) {
      completed++;
      latencies.push(performance.now() - started);
    },
    error() {
      errors++;
    },
    stats: () => ({ completed, errors, latencies }),
    reset() {
      completed = 0;
      errors = 0;
      latencies = [];
    },
  };
}

const header = (headers, name) =>
  Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1] ?? null;

/**
 * The authorization code flow of a signed-in user who already consented: GET the authorization
 * endpoint with the session cookie (a fresh PKCE S256 pair each time) → a redirect carrying the
 * code → exchange it at the token endpoint with the client's secret and the verifier.
 */
export function codeFlow({
  issuer,
  authorizePath,
  tokenPath,
  clientId,
  clientSecret,
  redirectUri,
  scope,
  cookie,
}) {
  const count = counters();
  const authorization = basicAuth(clientId, clientSecret);
  const requests = [
    {
      method: 'GET',
      setupRequest(request, context) {
        const { verifier, challenge } = pkcePair();
        context.verifier = verifier;
        context.started = performance.now();
        const url = new URL(
          authorizeUrl(`${issuer}${authorizePath}`, { clientId, redirectUri, scope, challenge }),
        );
        return { ...request, path: `${url.pathname}${url.search}`, headers: { cookie } };
      },
      onResponse(status, _body, context, headers) {
        const location = status >= 300 && status < 400 ? header(headers, 'location') : null;
        const code = location && new URL(location, issuer).searchParams.get('code');
        if (code) context.code = code;
        else count.error();
      },
    },
    {
      method: 'POST',
      setupRequest(request, context) {
        // No code (the error is counted): start the next flow instead.
        if (!context.code) return null;
        const body = new URLSearchParams({
          grant_type: 'authorization_code',
          code: context.code,
          redirect_uri: redirectUri,
          code_verifier: context.verifier,
        }).toString();
        return {
          ...request,
          path: tokenPath,
          headers: { authorization, 'content-type': FORM },
          body,
        };
      },
      onResponse(status, body, context) {
        if (status === 200 && body.includes('"access_token"')) count.done(context.started);
        else count.error();
      },
    },
  ];
  return { url: issuer, requests, stats: count.stats, reset: count.reset };
}

/**
 * Refresh token rotation: every request presents a refresh token never used before, taken from a
 * shared pool, and returns the rotated one to the pool. Presenting a used one would revoke the
 * grant (reuse detection), so the pool must start with more tokens than can be in flight or lost
 * when a run stops mid-request (2 × connections per run, warm-up included).
 */
export function refreshChain({ url, tokenPath, clientId, clientSecret, pool }) {
  const count = counters();
  const authorization = basicAuth(clientId, clientSecret);
  const requests = [
    {
      method: 'POST',
      setupRequest(request, context) {
        context.started = performance.now();
        // An empty pool only follows errors; the request is then refused and counted as one more.
        const token = pool.shift() ?? 'pool-exhausted';
        const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }).toString();
        return { ...request, path: tokenPath, headers: { authorization, 'content-type': FORM }, body };
      },
      onResponse(status, body, context) {
        const rotated = status === 200 ? JSON.parse(body).refresh_token : undefined;
        if (typeof rotated === 'string') {
          pool.push(rotated);
          count.done(context.started);
        } else count.error();
      },
    },
  ];
  return { url, requests, stats: count.stats, reset: count.reset };
}
