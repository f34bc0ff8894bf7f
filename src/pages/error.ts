/** The error page: for errors that must not be redirected to the client (RFC 6749 §4.1.2.1). */

import { html } from './html.js';
import { renderLayout } from './layout.js';
import type { ErrorView } from './view-data.js';

export function renderErrorPage(view: ErrorView): string {
  // The message may quote request input (a client_id, a redirect_uri); html`` escapes it, so
  // nothing here is ever echoed as markup.
  const body = html`<h1>${view.title}</h1>
<p>${view.message}</p>
${view.code && html`<p class="error-code">Error code: <code>${view.code}</code></p>`}`;
  return renderLayout(view, view.title, body);
}
