/**
 * Every console page with hostile data in every field: escaped, no inline script or style, every
 * form a CSRF-protected POST (or the GET search and filter forms), and only the secret pages load
 * a script, the same-origin copy script.
 */
import { describe, expect, it } from 'vitest';
import {
  type AdminChrome,
  COPY_SCRIPT,
  renderAdminHome,
  renderAuditPage,
  renderClientFormPage,
  renderClientListPage,
  renderClientSecretPage,
  renderConfirmPage,
  renderKeyListPage,
  renderUserCreatePage,
  renderUserDetailPage,
  renderUserListPage,
  renderUserPasswordPage,
  type UserDetailView,
} from '../index.js';

const HOSTILE = `"'><script>alert(1)</script><img src=x onerror=alert(2)>`;
const ESCAPED = '&quot;&#39;&gt;&lt;script&gt;alert(1)&lt;/script&gt;';
const view: AdminChrome = {
  providerName: HOSTILE,
  stylesheetHref: '/assets/latchkey.css',
  adminName: HOSTILE,
  section: 'clients',
  csrfToken: 'tok_123',
};
const values = {
  clientName: HOSTILE,
  clientUri: HOSTILE,
  redirectUris: HOSTILE,
  scope: HOSTILE,
  grantTypes: ['authorization_code'],
  isPublic: false,
  skipConsent: true,
  requirePkce: true,
};
const links = { prevHref: '/admin/x?cursor=a', nextHref: '/admin/x?cursor=b' };

const userView: UserDetailView = {
  ...view,
  id: 'x',
  username: HOSTILE,
  isAdmin: false,
  disabled: false,
  createdAt: 1_700_000_000,
  claims: [[HOSTILE, HOSTILE]],
  grants: [
    {
      clientName: HOSTILE,
      scope: [HOSTILE],
      createdAt: 1,
      lastUsedAt: null,
      active: true,
      revokeHref: '/admin/user/x/revoke-grant?grant=g',
    },
  ],
  notice: HOSTILE,
  passwordError: HOSTILE,
  passwordAction: '/admin/user/x/password',
  profile: {
    name: HOSTILE,
    given_name: HOSTILE,
    family_name: HOSTILE,
    email: HOSTILE,
    email_verified: true,
    phone_number: HOSTILE,
    picture: HOSTILE,
    locale: HOSTILE,
  },
  profileError: HOSTILE,
  profileAction: '/admin/user/x/profile',
  adminHref: '/admin/user/x/make-admin',
  disableHref: '/admin/user/x/disable',
  revokeSessionsHref: '/admin/user/x/revoke-sessions',
  revokeGrantsHref: '/admin/user/x/revoke-grants',
  minPassword: 8,
};

const pages: Record<string, string> = {
  home: renderAdminHome(view),
  clients: renderClientListPage({
    ...view,
    search: HOSTILE,
    clients: [
      { clientId: HOSTILE, name: HOSTILE, isPublic: true, grantTypes: [HOSTILE], href: '/admin/client/x' },
    ],
    ...links,
    notice: HOSTILE,
  }),
  clientForm: renderClientFormPage({
    ...view,
    clientId: HOSTILE,
    action: '/admin/client/x',
    values,
    grantTypeOptions: ['authorization_code', 'client_credentials'],
    error: HOSTILE,
    notice: HOSTILE,
    rotateHref: '/admin/client/x/rotate-secret',
    deleteHref: '/admin/client/x/delete',
    revokeGrantsHref: '/admin/client/x/revoke-grants',
  }),
  clientSecret: renderClientSecretPage({
    ...view,
    title: HOSTILE,
    clientId: HOSTILE,
    secret: HOSTILE,
    scriptHref: '/assets/copy.js',
    detailHref: '/admin/client/x',
  }),
  confirm: renderConfirmPage({
    ...view,
    title: HOSTILE,
    message: HOSTILE,
    action: '/admin/client/x/delete',
    confirmLabel: HOSTILE,
    cancelHref: '/admin/client/x',
    fields: { grant: HOSTILE },
  }),
  users: renderUserListPage({
    ...view,
    search: HOSTILE,
    users: [{ username: HOSTILE, isAdmin: true, disabled: true, href: '/admin/user/x' }],
    ...links,
    notice: HOSTILE,
  }),
  userCreate: renderUserCreatePage({
    ...view,
    username: HOSTILE,
    isAdmin: true,
    error: HOSTILE,
    minPassword: 8,
  }),
  userPassword: renderUserPasswordPage({
    ...view,
    username: HOSTILE,
    password: HOSTILE,
    scriptHref: '/assets/copy.js',
    detailHref: '/admin/user/x',
  }),
  user: renderUserDetailPage(userView),
  keys: renderKeyListPage({
    ...view,
    keys: [{ kid: HOSTILE, alg: HOSTILE, status: HOSTILE, createdAt: 1, retireAt: null }],
    notice: HOSTILE,
    rotateHref: '/admin/keys/rotate',
  }),
  audit: renderAuditPage({
    ...view,
    filter: { action: HOSTILE, actorId: HOSTILE, targetId: HOSTILE },
    events: [
      { at: 1, action: HOSTILE, actor: HOSTILE, target: HOSTILE, ip: HOSTILE, details: HOSTILE.repeat(3) },
    ],
    error: HOSTILE,
    ...links,
  }),
};

const SCRIPTED = new Set(['clientSecret', 'userPassword']);

describe.each(Object.entries(pages))('%s page', (name, page) => {
  it('escapes the hostile value and has no inline script, style or event handler', () => {
    expect(page).toContain(ESCAPED);
    expect(page).not.toMatch(/<style|style=|<img/i);
    const scripts = page.match(/<script[^>]*>[\s\S]*?<\/script>/g) ?? [];
    expect(scripts).toEqual(SCRIPTED.has(name) ? ['<script src="/assets/copy.js" defer></script>'] : []);
    for (const tag of page.match(/<[a-z][^>]*>/gi) ?? []) {
      expect(tag.replace(/="[^"]*"/g, '')).not.toMatch(/\son\w+/i);
    }
  });

  it('posts every non-search form with the CSRF token', () => {
    for (const form of page.match(/<form\b[\s\S]*?<\/form>/g) ?? []) {
      if (/method="get"/.test(form)) continue;
      expect(form).toMatch(/^<form method="post" action="\/admin\//);
      expect(form).toContain('<input type="hidden" name="csrf_token" value="tok_123">');
    }
  });

  it('shows the nav, marking the current section', () => {
    expect(page).toContain('aria-label="Admin"');
    expect(page).toContain('<a href="/admin/clients" aria-current="page">Clients</a>');
  });
});

describe('the added user and client actions', () => {
  it('shows the profile form with every claim kept, the error beside it, and the admin link', () => {
    const page = pages.user!;
    const form = /<form method="post" action="\/admin\/user\/x\/profile"[^>]*>[\s\S]*?<\/form>/.exec(
      page,
    )?.[0];
    expect(form).toBeTruthy();
    for (const name of ['name', 'given_name', 'family_name', 'email', 'phone_number', 'picture', 'locale'])
      expect(form).toMatch(new RegExp(`name="${name}"[^>]*value="&quot;&#39;&gt;`));
    expect(form).toContain('name="email_verified" value="on" checked');
    expect(page).toContain('id="profile-error" role="alert">&quot;');
    expect(page).toContain(
      '<a class="button button-secondary" href="/admin/user/x/make-admin">Make admin</a>',
    );
  });

  it('links an admin to removing the flag', () => {
    const page = renderUserDetailPage({
      ...userView,
      isAdmin: true,
      adminHref: '/admin/user/x/remove-admin',
    });
    expect(page).toContain('href="/admin/user/x/remove-admin">Remove admin</a>');
  });

  it("links a client's page to revoking all its grants", () => {
    expect(pages.clientForm).toContain('href="/admin/client/x/revoke-grants">Revoke all grants</a>');
  });
});

it('the copy script reveals its buttons and needs no markup of its own', () => {
  expect(COPY_SCRIPT).toContain('button.hidden = false');
  expect(pages.clientSecret).toMatch(/data-copy="client_secret" hidden>Copy/);
});
