/**
 * Security headers for every response, and a strict CSP for pages. Written here instead of with
 * @fastify/helmet because the CSP's form-action must name the client's redirect origin on the
 * login and consent pages: Chromium applies form-action to the redirect that follows a form post,
 * so a fixed `form-action 'self'` would block the way back to the client.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';

/**
 * Sent on every response. Cache-Control defaults to no-store: token responses (RFC 6749 §5.1),
 * pages and the redirects that carry codes must never be cached; the few cacheable resources
 * (metadata, the stylesheet) say so themselves.
 */
export function baseHeaders(reply: FastifyReply, https: boolean): void {
  reply.header('Cache-Control', 'no-store');
  if (https) reply.header('Strict-Transport-Security', 'max-age=31536000');
  reply.header('X-Content-Type-Options', 'nosniff');
  reply.header('Referrer-Policy', 'no-referrer');
  reply.header('X-Frame-Options', 'DENY');
}

/**
 * CSP for an HTML page; `formTargets` are extra origins a form on it may end up redirecting to,
 * `scripts` the exact inline scripts it may run (admitted by hash, CSP3 §8.4); `selfScript` admits
 * our own static scripts (only the console's secret pages need one: the copy button).
 */
export function pageCsp(
  formTargets: string[] = [],
  scripts: string[] = [],
  selfScript = false,
  imageSources: string[] = [],
): string {
  const safe = formTargets.filter((o) => /^https?:\/\/[^\s;,']+$/.test(o) || /^[a-z][a-z0-9+.-]*:$/.test(o));
  const formAction = ["'self'", ...safe].join(' ');
  const scriptSrc = [
    ...(selfScript ? ["'self'"] : []),
    ...scripts.map((script) => `'sha256-${createHash('sha256').update(script).digest('base64')}'`),
  ];
  return [
    "default-src 'none'",
    ...(scriptSrc.length > 0 ? [`script-src ${scriptSrc.join(' ')}`] : []),
    "style-src 'self'",
    ["img-src 'self' data:", ...imageSources.filter((o) => /^https?:\/\/[^\s;,']+$/.test(o))].join(' '),
    `form-action ${formAction}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** The CSP source a redirect URI needs: its origin, or its scheme for native apps' private-use schemes. */
export function formTargetFor(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : url.protocol;
}
