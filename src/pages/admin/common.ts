/**
 * What every console page shares: the nav, notices, pagers and the confirmation page that stands
 * before each destructive action (a GET page whose form posts, so a stray link changes nothing).
 */

import { postForm } from '../forms.js';
import { type HtmlValue, html, type SafeHtml } from '../html.js';
import { renderLayout } from '../layout.js';
import type { PageChrome } from '../view-data.js';

export type AdminSection = 'home' | 'clients' | 'users' | 'keys' | 'audit';

export interface AdminChrome extends PageChrome {
  /** The signed-in administrator's user name. */
  adminName: string;
  section: AdminSection;
  csrfToken: string;
}

const NAV: readonly [AdminSection, string, string][] = [
  ['clients', 'Clients', '/admin/clients'],
  ['users', 'Users', '/admin/users'],
  ['keys', 'Keys', '/admin/keys'],
  ['audit', 'Audit', '/admin/audit'],
];

export function renderAdminLayout(view: AdminChrome, title: string, body: HtmlValue): string {
  const nav = html`<nav class="admin-nav" aria-label="Admin">
<a href="/admin" class="admin-home">Admin</a>
${NAV.map(
  ([section, label, href]) =>
    html`<a href="${href}"${section === view.section ? html` aria-current="page"` : null}>${label}</a>\n`,
)}<span class="admin-who">${view.adminName} · <a href="/account">Account</a></span>
</nav>`;
  return renderLayout(view, `${title} · Admin`, html`${nav}\n${body}`);
}

export const notice = (text: string | null): SafeHtml | null =>
  text ? html`<div class="notice" role="status">${text}</div>` : null;

export const alert = (text: string | null, id = 'form-error'): SafeHtml | null =>
  text ? html`<div class="alert" id="${id}" role="alert">${text}</div>` : null;

/** Links to the previous and next page; the hrefs are built by the route, already encoded. */
export function pager(prevHref: string | null, nextHref: string | null): SafeHtml | null {
  if (!prevHref && !nextHref) return null;
  return html`<nav class="pager" aria-label="Pages">
${prevHref ? html`<a class="button button-secondary" href="${prevHref}">Previous</a>` : null}
${nextHref ? html`<a class="button button-secondary" href="${nextHref}">Next</a>` : null}
</nav>`;
}

export interface ConfirmView extends AdminChrome {
  title: string;
  /** What will happen, in a sentence or two. */
  message: string;
  action: string;
  confirmLabel: string;
  cancelHref: string;
  /** Extra hidden fields the post needs. */
  fields?: Record<string, string>;
}

export function renderConfirmPage(view: ConfirmView): string {
  const hidden = Object.entries(view.fields ?? {}).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">\n`,
  );
  const body = html`<h1>${view.title}</h1>
<p>${view.message}</p>
${postForm(
  view.action,
  view.csrfToken,
  html`${hidden}<div class="actions">
<a class="button button-secondary" href="${view.cancelHref}">Cancel</a>
<button type="submit" class="button button-primary">${view.confirmLabel}</button>
</div>`,
)}`;
  return renderAdminLayout(view, view.title, body);
}

/** A secret shown once: a readonly field anyone can select, and a copy button /assets/copy.js wires up. */
export function secretField(id: string, label: string, value: string): SafeHtml {
  return html`<div class="field">
<label for="${id}">${label}</label>
<div class="copy-row">
<input id="${id}" type="text" class="input-text mono" value="${value}" readonly>
<button type="button" class="button button-secondary" data-copy="${id}" hidden>Copy</button>
</div>
</div>`;
}

export function renderAdminHome(view: AdminChrome): string {
  const body = html`<h1>Administration</h1>
<ul class="admin-links">
<li><a href="/admin/clients">Clients</a>: register apps, edit them, rotate secrets, revoke grants, delete them.</li>
<li><a href="/admin/users">Users</a>: create accounts, edit profiles, grant admin, disable them, set passwords, revoke access.</li>
<li><a href="/admin/keys">Keys</a>: the token signing keys, and their rotation.</li>
<li><a href="/admin/audit">Audit</a>: who did what, and when.</li>
</ul>`;
  return renderAdminLayout(view, 'Administration', body);
}
