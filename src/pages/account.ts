/**
 * The account page (/account) and the confirmation before "Remove access". No script: removing
 * access is a link to a confirmation page whose form posts, and every form carries the CSRF token.
 * Dates are shown in UTC (the server does not know the reader's time zone) inside <time> elements.
 */

import { postForm } from './forms.js';
import { html, type SafeHtml, safeHttpUrl } from './html.js';
import { renderLayout } from './layout.js';
import type { AccountAppView, AccountView, RemoveAccessView, ScopeView } from './view-data.js';

const PASSWORD_ERROR_ID = 'password-error';

const DATE = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});

/** A date for people, with the machine-readable instant beside it. */
export function formatDate(seconds: number): SafeHtml {
  const date = new Date(seconds * 1000);
  return html`<time datetime="${date.toISOString()}">${DATE.format(date)}</time>`;
}

export function renderAccountPage(view: AccountView): string {
  const body = html`<h1>Your account</h1>
<p class="muted">Signed in as <strong>${view.username}</strong></p>
${view.notice && html`<div class="notice" role="status">${view.notice}</div>`}
<section aria-labelledby="apps-heading">
<h2 id="apps-heading">Apps with access</h2>
${appList(view.apps)}
</section>
<section aria-labelledby="password-heading" class="account-section">
<h2 id="password-heading">Change password</h2>
${view.passwordError && html`<div class="alert" id="${PASSWORD_ERROR_ID}" role="alert">${view.passwordError}</div>`}
${postForm(view.passwordAction, view.csrfToken, passwordFields(view))}
</section>
<section aria-labelledby="everywhere-heading" class="account-section">
<h2 id="everywhere-heading">Sign out everywhere</h2>
<p>Ends your sessions in every browser and on every device, this one included. Apps keep the
access you gave them until you remove it above.</p>
${postForm(
  view.signOutEverywhereAction,
  view.csrfToken,
  html`<button type="submit" class="button button-secondary">Sign out everywhere</button>`,
)}
</section>
<p class="account-footer"><a href="${view.homeHref}">Back</a></p>`;
  return renderLayout(view, 'Your account', body);
}

function appList(apps: readonly AccountAppView[]): SafeHtml {
  if (apps.length === 0) return html`<p class="muted">No apps have access to your account.</p>`;
  return html`<ul class="apps">
${apps.map(
  (app) => html`<li class="app">
<h3 class="app-name">${appName(app)}</h3>
${scopeList(app.scopes)}
<p class="app-meta">Access given ${formatDate(app.grantedAt)}${
    app.lastUsedAt === null ? html` · Not used yet` : html` · Last used ${formatDate(app.lastUsedAt)}`
  }</p>
<a class="button button-secondary" href="${app.removeHref}">Remove access<span class="visually-hidden"> for ${app.name}</span></a>
</li>
`,
)}</ul>`;
}

/** The app's name, linked to its home page only when that is an http(s) URL (see safeHttpUrl). */
function appName(app: AccountAppView): SafeHtml {
  const href = safeHttpUrl(app.uri);
  return href ? html`<a href="${href}" rel="noopener noreferrer">${app.name}</a>` : html`${app.name}`;
}

function scopeList(scopes: readonly ScopeView[]): SafeHtml {
  if (scopes.length === 0) return html`<p class="small muted">No specific permissions.</p>`;
  return html`<ul class="app-scopes">
${scopes.map((s) => html`<li>${s.description} <code>${s.name}</code></li>\n`)}</ul>`;
}

function passwordFields(view: AccountView): SafeHtml {
  const describedBy = view.passwordError ? html` aria-describedby="${PASSWORD_ERROR_ID}"` : null;
  const { minLength, maxLength } = view.password;
  return html`<div class="field">
<label for="current_password">Current password</label>
<input id="current_password" name="current_password" type="password" autocomplete="current-password" required${describedBy}>
</div>
<div class="field">
<label for="new_password">New password</label>
<input id="new_password" name="new_password" type="password" autocomplete="new-password" minlength="${minLength}" maxlength="${maxLength}" required aria-describedby="password-rules">
<p class="field-hint" id="password-rules">At least ${minLength} characters. Changing it signs you out everywhere else.</p>
</div>
<div class="field">
<label for="confirm_password">New password again</label>
<input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" required>
</div>
<button type="submit" class="button button-primary">Change password</button>`;
}

export function renderRemoveAccessPage(view: RemoveAccessView): string {
  const { app } = view;
  const body = html`<h1>Remove access for ${appName(app)}?</h1>
<p>${app.name} will no longer be able to use your account: the access it holds stops working at
once. If you use ${app.name} again, it will ask for your permission again.</p>
<h2>Right now it can:</h2>
${scopeList(app.scopes)}
${postForm(
  view.action,
  view.csrfToken,
  html`<input type="hidden" name="client_id" value="${app.clientId}">
<div class="actions">
<a class="button button-secondary" href="${view.cancelHref}">Cancel</a>
<button type="submit" class="button button-primary">Remove access</button>
</div>`,
)}`;
  return renderLayout(view, `Remove access for ${app.name}?`, body);
}
