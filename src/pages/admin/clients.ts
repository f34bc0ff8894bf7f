/**
 * Console pages for clients: the searchable list, the create and edit form, the page that shows a
 * new secret once. Form values come back as typed, so a refused form keeps what was entered.
 */

import { postForm } from '../forms.js';
import { html, type SafeHtml } from '../html.js';
import { type AdminChrome, alert, notice, pager, renderAdminLayout, secretField } from './common.js';

export interface ClientRowView {
  clientId: string;
  name: string;
  isPublic: boolean;
  grantTypes: string[];
  href: string;
}

export interface ClientListView extends AdminChrome {
  search: string;
  clients: ClientRowView[];
  prevHref: string | null;
  nextHref: string | null;
  notice: string | null;
}

export interface ClientFormValues {
  clientName: string;
  clientUri: string;
  /** One URI per line. */
  redirectUris: string;
  scope: string;
  grantTypes: string[];
  isPublic: boolean;
  skipConsent: boolean;
  requirePkce: boolean;
}

export interface ClientFormView extends AdminChrome {
  /** Null on the create form. */
  clientId: string | null;
  action: string;
  values: ClientFormValues;
  grantTypeOptions: readonly string[];
  error: string | null;
  notice: string | null;
  /** Links for the edit page's other actions. */
  rotateHref: string | null;
  deleteHref: string | null;
  /** The confirmation page that revokes every grant of the client. */
  revokeGrantsHref: string | null;
}

export interface ClientSecretView extends AdminChrome {
  title: string;
  clientId: string;
  secret: string | null;
  scriptHref: string;
  detailHref: string;
}

export function renderClientListPage(view: ClientListView): string {
  const body = html`<h1>Clients</h1>
${notice(view.notice)}
<div class="admin-toolbar">
<form method="get" action="/admin/clients" class="search" role="search">
<label for="q" class="visually-hidden">Search clients</label>
<input id="q" name="q" type="search" class="input-text" value="${view.search}" placeholder="client_id or name">
<button type="submit" class="button button-secondary">Search</button>
</form>
<a class="button button-primary" href="/admin/clients/new">New client</a>
</div>
${clientTable(view.clients)}
${pager(view.prevHref, view.nextHref)}`;
  return renderAdminLayout(view, 'Clients', body);
}

function clientTable(clients: readonly ClientRowView[]): SafeHtml {
  if (clients.length === 0) return html`<p class="muted">No clients found.</p>`;
  return html`<table class="admin-table">
<thead><tr><th scope="col">Name</th><th scope="col">client_id</th><th scope="col">Type</th><th scope="col">Grant types</th></tr></thead>
<tbody>
${clients.map(
  (c) =>
    html`<tr><td><a href="${c.href}">${c.name}</a></td><td><code>${c.clientId}</code></td><td>${
      c.isPublic ? 'public' : 'confidential'
    }</td><td>${c.grantTypes.join(', ')}</td></tr>\n`,
)}</tbody>
</table>`;
}

const checked = (on: boolean) => (on ? html` checked` : null);

function clientFields(view: ClientFormView): SafeHtml {
  const v = view.values;
  const described = view.error ? html` aria-describedby="form-error"` : null;
  return html`<div class="field">
<label for="client_name">Name</label>
<input id="client_name" name="client_name" type="text" class="input-text" value="${v.clientName}" required maxlength="200"${described}>
</div>
<div class="field">
<label for="client_uri">Home page (optional)</label>
<input id="client_uri" name="client_uri" type="url" class="input-text" value="${v.clientUri}">
</div>
<div class="field">
<label for="redirect_uris">Redirect URIs</label>
<textarea id="redirect_uris" name="redirect_uris" class="input-text mono" rows="3" aria-describedby="redirect-hint">${v.redirectUris}</textarea>
<p class="field-hint" id="redirect-hint">One per line, matched exactly. Needed for the authorization code grant.</p>
</div>
<div class="field">
<label for="scope">Scopes</label>
<input id="scope" name="scope" type="text" class="input-text" value="${v.scope}" aria-describedby="scope-hint">
<p class="field-hint" id="scope-hint">Separated by spaces, e.g. <code>openid profile email</code>.</p>
</div>
<fieldset class="field">
<legend>Grant types</legend>
${view.grantTypeOptions.map(
  (g) =>
    html`<label class="check"><input type="checkbox" name="grant_types" value="${g}"${checked(v.grantTypes.includes(g))}> <code>${g}</code></label>\n`,
)}</fieldset>
<fieldset class="field"${view.clientId ? html` disabled` : null}>
<legend>Client type</legend>
<label class="check"><input type="radio" name="client_type" value="confidential"${checked(!v.isPublic)}> Confidential (has a secret: a server-side app)</label>
<label class="check"><input type="radio" name="client_type" value="public"${checked(v.isPublic)}> Public (no secret: a browser or native app)</label>
${view.clientId ? html`<p class="field-hint">The type cannot change; register a new client instead.</p>` : null}
</fieldset>
<fieldset class="field">
<legend>Options</legend>
<label class="check"><input type="checkbox" name="skip_consent" value="on"${checked(v.skipConsent)}> Skip the consent page (a first-party app)</label>
<label class="check"><input type="checkbox" name="require_pkce" value="on"${checked(v.requirePkce)}> Require PKCE</label>
</fieldset>`;
}

export function renderClientFormPage(view: ClientFormView): string {
  const title = view.clientId ? `Client ${view.values.clientName}` : 'New client';
  const submit = view.clientId ? 'Save changes' : 'Create client';
  const body = html`<h1>${title}</h1>
${view.clientId ? html`<p class="muted">client_id <code>${view.clientId}</code></p>` : null}
${notice(view.notice)}
${alert(view.error)}
${postForm(view.action, view.csrfToken, html`${clientFields(view)}<div class="actions"><a class="button button-secondary" href="/admin/clients">Back to clients</a><button type="submit" class="button button-primary">${submit}</button></div>`)}
${
  view.clientId
    ? html`<section class="account-section" aria-labelledby="danger-heading">
<h2 id="danger-heading">Secret, grants and deletion</h2>
<div class="actions">
${view.rotateHref ? html`<a class="button button-secondary" href="${view.rotateHref}">Rotate secret</a>` : null}
${view.revokeGrantsHref ? html`<a class="button button-secondary" href="${view.revokeGrantsHref}">Revoke all grants</a>` : null}
${view.deleteHref ? html`<a class="button button-secondary" href="${view.deleteHref}">Delete client</a>` : null}
</div>
</section>`
    : null
}`;
  return renderAdminLayout(view, title, body);
}

export function renderClientSecretPage(view: ClientSecretView): string {
  const body = html`<h1>${view.title}</h1>
${secretField('client_id', 'client_id', view.clientId)}
${
  view.secret
    ? html`${secretField('client_secret', 'client_secret', view.secret)}
<p class="alert" role="alert">Copy the secret now: it is shown only this once. Latchkey keeps only its digest.</p>`
    : html`<p class="muted">A public client has no secret.</p>`
}
<p><a class="button button-primary" href="${view.detailHref}">Done</a></p>
<script src="${view.scriptHref}" defer></script>`;
  return renderAdminLayout(view, view.title, body);
}
