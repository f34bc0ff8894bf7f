/** Shown to a signed-in user who reaches the provider with no authorization in progress. */

import { postForm } from './forms.js';
import { html, type SafeHtml, safeHttpUrl } from './html.js';
import { renderLayout } from './layout.js';
import type { SignedInView } from './view-data.js';

export function renderSignedInPage(view: SignedInView): string {
  const body = html`<h1>You are signed in</h1>
<p>You are signed in as <strong>${view.username}</strong>.</p>
${view.account && yourApps(view.account)}
${postForm(
  view.logoutAction,
  view.csrfToken,
  html`<button type="submit" class="button button-secondary">Sign out</button>`,
)}`;
  return renderLayout(view, 'Signed in', body);
}

function yourApps(account: NonNullable<SignedInView['account']>): SafeHtml {
  const apps = account.apps.length
    ? html`<ul class="app-names">
${account.apps.map((app) => {
  const href = safeHttpUrl(app.uri);
  return html`<li>${href ? html`<a href="${href}" rel="noopener noreferrer">${app.name}</a>` : app.name}</li>
`;
})}</ul>`
    : html`<p class="muted">No apps have access to your account.</p>`;
  return html`<h2>Your apps</h2>
${apps}
<p><a href="${account.href}">Manage your account</a>: remove an app's access, change your password.</p>`;
}
