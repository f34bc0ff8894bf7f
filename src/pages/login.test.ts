import { describe, expect, it } from 'vitest';
import { renderLoginPage } from './login.js';
import type { LoginView } from './view-data.js';

function view(overrides: Partial<LoginView> = {}): LoginView {
  return {
    providerName: 'Latchkey',
    stylesheetHref: '/assets/latchkey.css',
    action: '/login?interaction=abc123',
    csrfToken: 'csrf-token-value',
    username: '',
    error: null,
    clientName: null,
    ...overrides,
  };
}

describe('renderLoginPage', () => {
  it('posts username and password with the CSRF token to the action', () => {
    const page = renderLoginPage(view());
    expect(page).toContain('<form method="post" action="/login?interaction=abc123"');
    expect(page).toContain('<input type="hidden" name="csrf_token" value="csrf-token-value">');
    expect(page).toMatch(/<input id="username" name="username" type="text"[^>]* autocomplete="username"/);
    expect(page).toMatch(
      /<input id="password" name="password" type="password" autocomplete="current-password"/,
    );
    expect(page).toContain(
      '<button type="submit" class="button button-primary button-block">Sign in</button>',
    );
  });

  it('ties each label to its input', () => {
    const page = renderLoginPage(view());
    expect(page).toContain('<label for="username">User name</label>');
    expect(page).toContain('<label for="password">Password</label>');
  });

  it('never pre-fills the password', () => {
    const page = renderLoginPage(view({ username: 'alice', error: 'Incorrect user name or password.' }));
    expect(page).not.toMatch(/<input id="password"[^>]* value=/);
  });

  it('shows no alert and no client line by default', () => {
    const page = renderLoginPage(view());
    expect(page).not.toContain('role="alert"');
    expect(page).not.toContain('to continue to');
    expect(page).not.toContain('aria-describedby');
  });

  it('shows the error in an alert region the fields point at', () => {
    const page = renderLoginPage(view({ username: 'alice', error: 'Incorrect user name or password.' }));
    expect(page).toContain(
      '<div class="alert" id="login-error" role="alert">Incorrect user name or password.</div>',
    );
    expect(page.match(/aria-describedby="login-error"/g)).toHaveLength(2);
    expect(page).toContain('value="alice"');
  });

  it('names the client being signed in to', () => {
    const page = renderLoginPage(view({ clientName: 'Photo Prints' }));
    expect(page).toContain('to continue to <strong>Photo Prints</strong>');
  });

  it('escapes a hostile user name, client name, error, action and token', () => {
    const page = renderLoginPage(
      view({
        username: `a" autofocus onfocus="alert(1)`,
        clientName: '<script>alert(1)</script>',
        error: '<img src=x onerror=alert(1)>',
        action: '"><script>',
        csrfToken: `'"><b>`,
      }),
    );
    expect(page).not.toMatch(/<script|<img|<b>|onfocus="/);
    expect(page).toContain('value="a&quot; autofocus onfocus=&quot;alert(1)"');
    expect(page).toContain('to continue to <strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('action="&quot;&gt;&lt;script&gt;"');
    expect(page).toContain('value="&#39;&quot;&gt;&lt;b&gt;"');
  });
});
