/** The error page: for errors that must not be redirected to the client (RFC 6749 §4.1.2.1). */

import { html } from './html.js';
import { renderLayout } from './layout.js';
import type { ErrorView } from './view-data.js';

const TITLES: Partial<Record<string, string>> = {
  invalid_client: 'This app is not registered',
  invalid_request: 'This request is not valid',
  not_found: 'Page not found',
  too_many_requests: 'Too many attempts',
  server_error: 'Something went wrong',
  temporarily_unavailable: 'Temporarily unavailable',
};

/** The error page's heading for an OAuth error code. */
export function errorPageTitle(code: string): string {
  return TITLES[code] ?? 'This request could not be completed';
}

/**
 * What the page says: a 4xx explains itself (the description is written for people); a 5xx says
 * only to try again, since its detail is for the log.
 */
export function errorPageMessage(error: { code: string; status: number; description?: string }): string {
  if (error.code === 'temporarily_unavailable')
    return 'The service is briefly unavailable. Please try again in a moment.';
  if (error.status >= 500) return 'Please try again in a moment.';
  return error.description ?? 'The request could not be completed.';
}

export function renderErrorPage(view: ErrorView): string {
  // The message may quote request input (a client_id, a redirect_uri); html`` escapes it, so
  // nothing here is ever echoed as markup.
  const body = html`<h1>${view.title}</h1>
<p>${view.message}</p>
${view.code && html`<p class="error-code">Error code: <code>${view.code}</code></p>`}`;
  return renderLayout(view, view.title, body);
}
