/** Shown after signing out. */

import { html } from './html.js';
import { renderLayout } from './layout.js';
import type { LoggedOutView } from './view-data.js';

export function renderLoggedOutPage(view: LoggedOutView): string {
  const body = html`<h1>You are signed out</h1>
<p class="muted">${view.message}</p>`;
  return renderLayout(view, 'Signed out', body);
}
