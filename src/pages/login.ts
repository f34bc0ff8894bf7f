/** The sign-in page. Form fields: csrf_token, username, password. */

import { postForm } from './forms.js';
import { html, type SafeHtml } from './html.js';
import { renderLayout } from './layout.js';
import type { LoginView } from './view-data.js';

const ERROR_ID = 'login-error';

export function renderLoginPage(view: LoginView): string {
  const body = html`<h1>Sign in</h1>
${view.clientName && html`<p class="lede">to continue to <strong>${view.clientName}</strong></p>`}
${view.error && html`<div class="alert" id="${ERROR_ID}" role="alert">${view.error}</div>`}
${postForm(view.action, view.csrfToken, loginFields(view))}`;
  return renderLayout(view, 'Sign in', body);
}

function loginFields(view: LoginView): SafeHtml {
  // After a failed attempt both fields point at the message, so screen readers announce it with
  // the field; the message itself never says which of the two was wrong.
  const describedBy = view.error ? html` aria-describedby="${ERROR_ID}"` : null;
  return html`<div class="field">
<label for="username">User name</label>
<input id="username" name="username" type="text" value="${view.username}" autocomplete="username" autocapitalize="none" spellcheck="false" required${describedBy}>
</div>
<div class="field">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${describedBy}>
</div>
<button type="submit" class="button button-primary button-block">Sign in</button>`;
}
