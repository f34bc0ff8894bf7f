/** Console pages for the signing keys and the audit log. */

import { formatDate } from '../account.js';
import { html } from '../html.js';
import { type AdminChrome, alert, notice, pager, renderAdminLayout } from './common.js';

export interface KeyRowView {
  kid: string;
  alg: string;
  status: string;
  createdAt: number;
  retireAt: number | null;
}

export interface KeyListView extends AdminChrome {
  keys: KeyRowView[];
  notice: string | null;
  rotateHref: string;
}

export interface AuditRowView {
  at: number;
  action: string;
  actor: string;
  target: string;
  ip: string;
  details: string;
}

export interface AuditListView extends AdminChrome {
  filter: { action: string; actorId: string; targetId: string };
  events: AuditRowView[];
  error: string | null;
  prevHref: string | null;
  nextHref: string | null;
}

export function renderKeyListPage(view: KeyListView): string {
  const body = html`<h1>Signing keys</h1>
${notice(view.notice)}
<p>Tokens are signed with the newest key of each algorithm; older keys stay published until
the tokens they signed have expired.</p>
<table class="admin-table">
<thead><tr><th scope="col">kid</th><th scope="col">Algorithm</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Retires</th></tr></thead>
<tbody>
${view.keys.map(
  (k) =>
    html`<tr><td><code>${k.kid}</code></td><td>${k.alg}</td><td>${k.status}</td><td>${formatDate(k.createdAt)}</td><td>${
      k.retireAt === null ? '—' : formatDate(k.retireAt)
    }</td></tr>\n`,
)}</tbody>
</table>
<p><a class="button button-primary" href="${view.rotateHref}">Rotate keys</a></p>`;
  return renderAdminLayout(view, 'Signing keys', body);
}

/** Long before/after records fold away; <details> needs no script. */
function details(json: string) {
  if (json === '') return null;
  if (json.length <= 80) return html`<code>${json}</code>`;
  return html`<details><summary>${json.slice(0, 60)}…</summary><pre>${json}</pre></details>`;
}

export function renderAuditPage(view: AuditListView): string {
  const f = view.filter;
  const body = html`<h1>Audit log</h1>
${alert(view.error)}
<form method="get" action="/admin/audit" class="filters">
<div class="field"><label for="action">Action</label><input id="action" name="action" type="text" class="input-text" value="${f.action}" placeholder="e.g. admin.* or login.failed"></div>
<div class="field"><label for="actor_id">Actor id</label><input id="actor_id" name="actor_id" type="text" class="input-text" value="${f.actorId}"></div>
<div class="field"><label for="target_id">Target id</label><input id="target_id" name="target_id" type="text" class="input-text" value="${f.targetId}"></div>
<button type="submit" class="button button-secondary">Filter</button>
</form>
${
  view.events.length === 0
    ? html`<p class="muted">No events.</p>`
    : html`<table class="admin-table audit">
<thead><tr><th scope="col">When (UTC)</th><th scope="col">Action</th><th scope="col">Actor</th><th scope="col">Target</th><th scope="col">IP</th><th scope="col">Details</th></tr></thead>
<tbody>
${view.events.map(
  (e) =>
    html`<tr><td>${new Date(e.at * 1000).toISOString().replace('T', ' ').slice(0, 19)}</td><td><code>${e.action}</code></td><td>${e.actor}</td><td>${e.target}</td><td>${e.ip}</td><td class="details">${details(e.details)}</td></tr>\n`,
)}</tbody>
</table>`
}
${pager(view.prevHref, view.nextHref)}`;
  return renderAdminLayout(view, 'Audit log', body);
}
