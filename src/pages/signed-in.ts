/** Shown to a signed-in user who reaches the provider with no authorization in progress. */

import { postForm } from './forms.js';
import { html } from './html.js';
import { renderLayout } from './layout.js';
import type { SignedInView } from './view-data.js';

export function renderSignedInPage(view: SignedInView): string {
  const body = html`<h1>You are signed in</h1>
<p>You are signed in as <strong>${view.username}</strong>.</p>
${postForm(
  view.logoutAction,
  view.csrfToken,
  html`<button type="submit" class="button button-secondary">Sign out</button>`,
)}`;
  return renderLayout(view, 'Signed in', body);
}
