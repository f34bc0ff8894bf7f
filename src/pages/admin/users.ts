/**
 * Console pages for users: the searchable list, the create form, the page showing a generated
 * password once, and the user's page (claims, status, password, sessions and grants).
 */

import { formatDate } from '../account.js';
import { postForm } from '../forms.js';
import { html, type SafeHtml } from '../html.js';
import { type AdminChrome, alert, notice, pager, renderAdminLayout, secretField } from './common.js';

export interface UserRowView {
  username: string;
  isAdmin: boolean;
  disabled: boolean;
  href: string;
}

export interface UserListView extends AdminChrome {
  search: string;
  users: UserRowView[];
  prevHref: string | null;
  nextHref: string | null;
  notice: string | null;
}

export interface UserCreateView extends AdminChrome {
  username: string;
  isAdmin: boolean;
  error: string | null;
  minPassword: number;
}

export interface UserGrantView {
  clientName: string;
  scope: string[];
  createdAt: number;
  lastUsedAt: number | null;
  active: boolean;
  revokeHref: string | null;
}

/** The claims the console's profile form edits; "" means not set. */
export const PROFILE_FORM_CLAIMS = [
  ['name', 'Full name', 'text'],
  ['given_name', 'Given name', 'text'],
  ['family_name', 'Family name', 'text'],
  ['email', 'Email', 'email'],
  ['phone_number', 'Phone number', 'tel'],
  ['picture', 'Picture URL', 'url'],
  ['locale', 'Locale', 'text'],
] as const;

export type ProfileFormClaim = (typeof PROFILE_FORM_CLAIMS)[number][0];

export type ProfileFormValues = Record<ProfileFormClaim, string> & { email_verified: boolean };

export interface UserDetailView extends AdminChrome {
  id: string;
  username: string;
  isAdmin: boolean;
  disabled: boolean;
  createdAt: number;
  /** Claim name → shown value. */
  claims: [string, string][];
  grants: UserGrantView[];
  notice: string | null;
  passwordError: string | null;
  passwordAction: string;
  profile: ProfileFormValues;
  profileError: string | null;
  profileAction: string;
  /** The confirmation page that makes the user an administrator, or removes the flag. */
  adminHref: string;
  disableHref: string;
  revokeSessionsHref: string;
  revokeGrantsHref: string;
  minPassword: number;
}

export interface UserPasswordView extends AdminChrome {
  username: string;
  password: string;
  scriptHref: string;
  detailHref: string;
}

export function renderUserListPage(view: UserListView): string {
  const rows = view.users.map(
    (u) =>
      html`<tr><td><a href="${u.href}">${u.username}</a></td><td>${u.isAdmin ? 'admin' : 'user'}</td><td>${
        u.disabled ? html`<span class="badge badge-off">disabled</span>` : 'active'
      }</td></tr>\n`,
  );
  const body = html`<h1>Users</h1>
${notice(view.notice)}
<div class="admin-toolbar">
<form method="get" action="/admin/users" class="search" role="search">
<label for="q" class="visually-hidden">Search users</label>
<input id="q" name="q" type="search" class="input-text" value="${view.search}" placeholder="user name">
<button type="submit" class="button button-secondary">Search</button>
</form>
<a class="button button-primary" href="/admin/users/new">New user</a>
</div>
${
  view.users.length === 0
    ? html`<p class="muted">No users found.</p>`
    : html`<table class="admin-table">
<thead><tr><th scope="col">User name</th><th scope="col">Role</th><th scope="col">Status</th></tr></thead>
<tbody>
${rows}</tbody>
</table>`
}
${pager(view.prevHref, view.nextHref)}`;
  return renderAdminLayout(view, 'Users', body);
}

export function renderUserCreatePage(view: UserCreateView): string {
  const fields = html`<div class="field">
<label for="username">User name</label>
<input id="username" name="username" type="text" class="input-text" value="${view.username}" required autocomplete="off">
</div>
<div class="field">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="new-password" aria-describedby="password-hint">
<p class="field-hint" id="password-hint">At least ${view.minPassword} characters. Leave empty to generate one, shown once.</p>
</div>
<label class="check"><input type="checkbox" name="is_admin" value="on"${view.isAdmin ? html` checked` : null}> Administrator (may use this console)</label>
<div class="actions"><a class="button button-secondary" href="/admin/users">Back to users</a><button type="submit" class="button button-primary">Create user</button></div>`;
  const body = html`<h1>New user</h1>
${alert(view.error)}
${postForm('/admin/users', view.csrfToken, fields)}`;
  return renderAdminLayout(view, 'New user', body);
}

export function renderUserPasswordPage(view: UserPasswordView): string {
  const body = html`<h1>User ${view.username} created</h1>
${secretField('generated_password', 'Generated password', view.password)}
<p class="alert" role="alert">Give this password to the user now: it is shown only this once.</p>
<p><a class="button button-primary" href="${view.detailHref}">Done</a></p>
<script src="${view.scriptHref}" defer></script>`;
  return renderAdminLayout(view, `User ${view.username} created`, body);
}

function grantList(grants: readonly UserGrantView[]): SafeHtml {
  if (grants.length === 0) return html`<p class="muted">No grants.</p>`;
  return html`<table class="admin-table">
<thead><tr><th scope="col">App</th><th scope="col">Scopes</th><th scope="col">Given</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>
${grants.map(
  (g) =>
    html`<tr><td>${g.clientName}</td><td>${g.scope.join(' ')}</td><td>${formatDate(g.createdAt)}</td><td>${
      g.lastUsedAt === null ? 'never' : formatDate(g.lastUsedAt)
    }</td><td>${
      g.revokeHref
        ? html`<a href="${g.revokeHref}">Revoke<span class="visually-hidden"> ${g.clientName}</span></a>`
        : g.active
          ? null
          : 'revoked'
    }</td></tr>\n`,
)}</tbody>
</table>`;
}

function profileForm(view: UserDetailView): SafeHtml {
  const described = view.profileError ? html` aria-describedby="profile-error"` : null;
  const fields = html`${PROFILE_FORM_CLAIMS.map(
    ([name, label, type]) => html`<div class="field">
<label for="profile-${name}">${label} <code>${name}</code></label>
<input id="profile-${name}" name="${name}" type="${type}" class="input-text" value="${view.profile[name]}" autocomplete="off"${described}>
</div>
`,
  )}<label class="check"><input type="checkbox" name="email_verified" value="on"${
    view.profile.email_verified ? html` checked` : null
  }> Email verified <code>email_verified</code></label>
<p class="field-hint">An empty field removes the claim.</p>
<button type="submit" class="button button-primary">Save profile</button>`;
  return html`<section class="account-section" aria-labelledby="profile-heading">
<h2 id="profile-heading">Edit profile</h2>
${alert(view.profileError, 'profile-error')}
${postForm(view.profileAction, view.csrfToken, fields)}
</section>`;
}

export function renderUserDetailPage(view: UserDetailView): string {
  const claims =
    view.claims.length === 0
      ? html`<p class="muted">No profile claims.</p>`
      : html`<dl class="claims">${view.claims.map(([k, v]) => html`<dt><code>${k}</code></dt><dd>${v}</dd>`)}</dl>`;
  const passwordFields = html`<div class="field">
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="${view.minPassword}" required${
    view.passwordError ? html` aria-describedby="password-error"` : null
  }>
<p class="field-hint">Setting it signs the user out everywhere.</p>
</div>
<button type="submit" class="button button-primary">Set password</button>`;
  const body = html`<h1>User ${view.username}</h1>
<p class="muted">${view.isAdmin ? 'Administrator' : 'User'} · ${view.disabled ? 'disabled' : 'active'} · created ${formatDate(view.createdAt)}</p>
${notice(view.notice)}
<section aria-labelledby="claims-heading"><h2 id="claims-heading">Profile claims</h2>${claims}</section>
${profileForm(view)}
<section class="account-section" aria-labelledby="status-heading">
<h2 id="status-heading">Access</h2>
<div class="actions">
<a class="button button-secondary" href="${view.adminHref}">${view.isAdmin ? 'Remove admin' : 'Make admin'}</a>
<a class="button button-secondary" href="${view.disableHref}">${view.disabled ? 'Enable user' : 'Disable user'}</a>
<a class="button button-secondary" href="${view.revokeSessionsHref}">Sign out everywhere</a>
<a class="button button-secondary" href="${view.revokeGrantsHref}">Revoke all grants</a>
</div>
</section>
<section class="account-section" aria-labelledby="password-heading">
<h2 id="password-heading">Set password</h2>
${alert(view.passwordError, 'password-error')}
${postForm(view.passwordAction, view.csrfToken, passwordFields)}
</section>
<section class="account-section" aria-labelledby="grants-heading">
<h2 id="grants-heading">Grants</h2>
${grantList(view.grants)}
</section>
<p class="account-footer"><a href="/admin/users">Back to users</a></p>`;
  return renderAdminLayout(view, `User ${view.username}`, body);
}
