import { describe, expect, it } from 'vitest';
import { renderSignedInPage } from './signed-in.js';
import type { SignedInView } from './view-data.js';

function view(overrides: Partial<SignedInView> = {}): SignedInView {
  return {
    providerName: 'Latchkey',
    stylesheetHref: '/assets/latchkey.css',
    username: 'alice',
    csrfToken: 'csrf-token-value',
    logoutAction: '/logout',
    ...overrides,
  };
}

describe('renderSignedInPage', () => {
  it('names the user and offers a sign-out form', () => {
    const page = renderSignedInPage(view());
    expect(page).toContain('You are signed in as <strong>alice</strong>');
    expect(page).toContain('<form method="post" action="/logout"');
    expect(page).toContain('<input type="hidden" name="csrf_token" value="csrf-token-value">');
    expect(page).toMatch(/<button type="submit"[^>]*>Sign out<\/button>/);
  });

  it('lists the apps with access and links to the account page', () => {
    const page = renderSignedInPage(
      view({
        account: {
          href: '/account',
          apps: [
            { name: 'Photos', uri: 'https://photos.example.com/' },
            { name: '<Notes>', uri: 'javascript:alert(1)' },
          ],
        },
      }),
    );
    expect(page).toContain('<h2>Your apps</h2>');
    expect(page).toContain(
      '<li><a href="https://photos.example.com/" rel="noopener noreferrer">Photos</a></li>',
    );
    expect(page).toContain('<li>&lt;Notes&gt;</li>');
    expect(page).toContain('<a href="/account">Manage your account</a>');
    const none = renderSignedInPage(view({ account: { href: '/account', apps: [] } }));
    expect(none).toContain('No apps have access to your account.');
  });

  it('escapes a hostile user name', () => {
    const page = renderSignedInPage(view({ username: `"'><script>alert(1)</script>` }));
    expect(page).not.toContain('<script');
    expect(page).toContain('<strong>&quot;&#39;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</strong>');
  });
});
