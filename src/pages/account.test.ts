import { describe, expect, it } from 'vitest';
import { formatDate, renderAccountPage, renderRemoveAccessPage } from './account.js';
import type { AccountAppView, AccountView, RemoveAccessView } from './view-data.js';

const HOSTILE = `"'><script>alert(1)</script><img src=x onerror=alert(2)>`;
const T = 1_800_000_000; // 15 Jan 2027, 08:00 UTC

function app(overrides: Partial<AccountAppView> = {}): AccountAppView {
  return {
    clientId: 'photos',
    name: 'Photos',
    uri: 'https://photos.example.com/',
    scopes: [{ name: 'profile', description: 'See your name, user name and profile details' }],
    grantedAt: T,
    lastUsedAt: T + 86_400,
    removeHref: '/account/remove-access?client_id=photos',
    ...overrides,
  };
}

function view(overrides: Partial<AccountView> = {}): AccountView {
  return {
    providerName: 'Latchkey',
    stylesheetHref: '/assets/latchkey.css',
    username: 'alice',
    csrfToken: 'csrf-value',
    apps: [app()],
    notice: null,
    passwordError: null,
    password: { minLength: 8, maxLength: 1024 },
    passwordAction: '/account/password',
    signOutEverywhereAction: '/account/sign-out-everywhere',
    homeHref: '/',
    ...overrides,
  };
}

const confirmView = (overrides: Partial<RemoveAccessView> = {}): RemoveAccessView => ({
  providerName: 'Latchkey',
  stylesheetHref: '/assets/latchkey.css',
  csrfToken: 'csrf-value',
  action: '/account/remove-access',
  cancelHref: '/account',
  app: app(),
  ...overrides,
});

/** Every <form>: method, action and whether it carries the CSRF token. */
const forms = (page: string) =>
  [...page.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)].map((m) => ({
    method: /method="([^"]*)"/.exec(m[1]!)?.[1],
    action: /action="([^"]*)"/.exec(m[1]!)?.[1],
    csrf: m[2]!.includes('<input type="hidden" name="csrf_token" value="csrf-value">'),
  }));

function expectInert(page: string) {
  expect(page).not.toMatch(/<script|<style|style=|<img/i);
  for (const tag of page.match(/<[a-z][^>]*>/gi) ?? [])
    expect(tag.replace(/="[^"]*"/g, '')).not.toMatch(/\son\w+/i);
  expect(page).not.toMatch(/href="\s*(?:javascript|data):/i);
}

describe('formatDate', () => {
  it('shows the UTC date for people and the instant for machines', () => {
    expect(formatDate(T).toString()).toBe('<time datetime="2027-01-15T08:00:00.000Z">15 Jan 2027</time>');
  });
});

describe('renderAccountPage', () => {
  it('lists each app with its link, scopes, dates and a Remove access link', () => {
    const page = renderAccountPage(view());
    expect(page).toContain('<h1>Your account</h1>');
    expect(page).toContain('Signed in as <strong>alice</strong>');
    expect(page).toContain('<a href="https://photos.example.com/" rel="noopener noreferrer">Photos</a>');
    expect(page).toContain('See your name, user name and profile details <code>profile</code>');
    expect(page).toMatch(
      /Access given <time[^>]*>15 Jan 2027<\/time> · Last used <time[^>]*>16 Jan 2027<\/time>/,
    );
    expect(page).toContain(
      '<a class="button button-secondary" href="/account/remove-access?client_id=photos">Remove access<span class="visually-hidden"> for Photos</span></a>',
    );
  });

  it('says when no app has access, and when an app has not been used yet', () => {
    expect(renderAccountPage(view({ apps: [] }))).toContain('No apps have access to your account.');
    const unused = renderAccountPage(view({ apps: [app({ lastUsedAt: null, scopes: [] })] }));
    expect(unused).toContain(' · Not used yet');
    expect(unused).toContain('No specific permissions.');
  });

  it('posts the password and sign-out-everywhere forms with the CSRF token, and nothing else', () => {
    expect(forms(renderAccountPage(view()))).toEqual([
      { method: 'post', action: '/account/password', csrf: true },
      { method: 'post', action: '/account/sign-out-everywhere', csrf: true },
    ]);
  });

  it('labels every password field and applies the rules it is given', () => {
    const page = renderAccountPage(view({ password: { minLength: 12, maxLength: 64 } }));
    for (const id of ['current_password', 'new_password', 'confirm_password']) {
      expect(page).toContain(`<label for="${id}">`);
      expect(page).toMatch(new RegExp(`<input id="${id}" name="${id}" type="password"`));
    }
    expect(page).toContain('minlength="12" maxlength="64"');
    expect(page).toContain('At least 12 characters.');
  });

  it('shows a notice as a status and a password error as an alert tied to the field', () => {
    const done = renderAccountPage(view({ notice: 'Access removed.' }));
    expect(done).toContain('<div class="notice" role="status">Access removed.</div>');
    const failed = renderAccountPage(view({ passwordError: 'Your current password is not correct.' }));
    expect(failed).toContain(
      '<div class="alert" id="password-error" role="alert">Your current password is not correct.</div>',
    );
    expect(failed).toMatch(/<input id="current_password"[^>]*aria-describedby="password-error"/);
  });

  it('escapes hostile data everywhere and never links a javascript: URL', () => {
    const page = renderAccountPage(
      view({
        providerName: HOSTILE,
        username: HOSTILE,
        notice: HOSTILE,
        passwordError: HOSTILE,
        apps: [
          app({
            name: HOSTILE,
            uri: `javascript:alert(1)//${HOSTILE}`,
            scopes: [{ name: HOSTILE, description: HOSTILE }],
            removeHref: `/account/remove-access?client_id=${HOSTILE}`,
          }),
        ],
      }),
    );
    expectInert(page);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('<a href="javascript');
  });
});

describe('renderRemoveAccessPage', () => {
  it('asks before removing: names the app and what it can do, posts the app id with the CSRF token, offers Cancel', () => {
    const page = renderRemoveAccessPage(confirmView());
    expect(page).toContain('<title>Remove access for Photos? · Latchkey</title>');
    expect(page).toContain(
      '<h1>Remove access for <a href="https://photos.example.com/" rel="noopener noreferrer">Photos</a>?</h1>',
    );
    expect(page).toContain('<code>profile</code>');
    expect(forms(page)).toEqual([{ method: 'post', action: '/account/remove-access', csrf: true }]);
    expect(page).toContain('<input type="hidden" name="client_id" value="photos">');
    expect(page).toContain('<a class="button button-secondary" href="/account">Cancel</a>');
    expect(page).toMatch(/<button type="submit" class="button button-primary">Remove access<\/button>/);
  });

  it('escapes a hostile app', () => {
    const page = renderRemoveAccessPage(
      confirmView({
        providerName: HOSTILE,
        app: app({ clientId: HOSTILE, name: HOSTILE, uri: 'data:text/html,x' }),
      }),
    );
    expectInert(page);
    expect(page).toContain(`value="&quot;&#39;&gt;&lt;script&gt;`);
  });
});
