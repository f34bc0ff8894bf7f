import { describe, expect, it } from 'vitest';
import { escapeHtml } from './html.js';
import { type LogoutConfirmView, renderLogoutConfirmPage } from './logout-confirm.js';

const HOSTILE = `"'><script>alert(1)</script><img src=x onerror=alert(2)>`;
const ESCAPED = '&quot;&#39;&gt;&lt;script&gt;alert(1)&lt;/script&gt;';

const base: LogoutConfirmView = {
  providerName: 'Latchkey',
  stylesheetHref: '/assets/latchkey.css',
  action: '/oauth/end-session/confirm',
  csrfToken: 'tok_123',
  fields: [
    ['client_id', 'app'],
    ['post_logout_redirect_uri', 'https://app.example.com/bye'],
    ['state', 's1'],
  ],
  clientName: 'Example App',
  username: 'alice',
  otherAccount: false,
  returnTo: 'https://app.example.com',
};

/** Attributes of every start tag named `tag`. */
function tags(page: string, tag: string): Record<string, string>[] {
  const found = page.match(new RegExp(`<${tag}\\b[^>]*>`, 'g')) ?? [];
  return found.map((markup) =>
    Object.fromEntries(
      [...markup.matchAll(/([\w-]+)(?:="([^"]*)")?/g)].slice(1).map((m) => [m[1], m[2] ?? '']),
    ),
  );
}

describe('renderLogoutConfirmPage', () => {
  it('asks whether to sign out of the provider, for the app, as the signed-in user', () => {
    const page = renderLogoutConfirmPage(base);
    expect(page).toContain('<title>Sign out of Latchkey? · Latchkey</title>');
    expect(page).toContain('<h1>Sign out of Latchkey?</h1>');
    expect(page).toContain('Requested by <strong>Example App</strong>');
    expect(page).toContain('You are signed in as <strong>alice</strong>.');
    expect(page).toContain('you will be sent to <strong>https://app.example.com</strong>');
    expect(page).not.toContain('role="alert"');
  });

  it('posts one CSRF-protected form carrying the request and the two choices', () => {
    const page = renderLogoutConfirmPage(base);
    expect(tags(page, 'form')).toEqual([
      { method: 'post', action: '/oauth/end-session/confirm', class: 'form' },
    ]);
    expect(tags(page, 'input')).toEqual([
      { type: 'hidden', name: 'csrf_token', value: 'tok_123' },
      { type: 'hidden', name: 'client_id', value: 'app' },
      { type: 'hidden', name: 'post_logout_redirect_uri', value: 'https://app.example.com/bye' },
      { type: 'hidden', name: 'state', value: 's1' },
    ]);
    // Keyboard order is the visual order: the secondary choice first, Sign out (primary) last.
    expect(tags(page, 'button')).toEqual([
      { type: 'submit', name: 'decision', value: 'stay', class: 'button button-secondary' },
      { type: 'submit', name: 'decision', value: 'logout', class: 'button button-primary' },
    ]);
    expect(page).toMatch(/>Stay signed in<\/button>[\s\S]*>Sign out<\/button>/);
  });

  it('leaves out what the request does not name', () => {
    const page = renderLogoutConfirmPage({ ...base, clientName: null, returnTo: null, fields: [] });
    expect(page).not.toContain('Requested by');
    expect(page).not.toContain('sent to');
    expect(tags(page, 'input')).toEqual([{ type: 'hidden', name: 'csrf_token', value: 'tok_123' }]);
  });

  it('says which account is signed in when the app named another one', () => {
    const page = renderLogoutConfirmPage({ ...base, otherAccount: true });
    expect(page).toContain(
      '<div class="alert" role="alert">Example App asked to sign out a different account.',
    );
    expect(page).toContain('You are signed in as <strong>alice</strong>.');
    const anonymous = renderLogoutConfirmPage({ ...base, otherAccount: true, clientName: null });
    expect(anonymous).toContain('The app asked to sign out a different account.');
  });

  it('escapes every value, hidden fields included, and has no script, style or handler', () => {
    const page = renderLogoutConfirmPage({
      ...base,
      providerName: HOSTILE,
      csrfToken: HOSTILE,
      fields: [
        ['state', HOSTILE],
        [HOSTILE, 'x'],
      ],
      clientName: HOSTILE,
      username: HOSTILE,
      otherAccount: true,
      returnTo: HOSTILE,
    });
    expect(page).toContain(ESCAPED);
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<style|style=|<img/i);
    for (const tag of page.match(/<[a-z][^>]*>/gi) ?? []) {
      expect(tag.replace(/="[^"]*"/g, '')).not.toMatch(/\son\w+/i);
    }
    expect(tags(page, 'link')).toEqual([{ rel: 'stylesheet', href: '/assets/latchkey.css' }]);
    const hidden = tags(page, 'input');
    expect(hidden.map((i) => i.type)).toEqual(['hidden', 'hidden', 'hidden']);
    expect(hidden[1]).toEqual({ type: 'hidden', name: 'state', value: escapeHtml(HOSTILE) });
    expect(hidden[2]).toEqual({ type: 'hidden', name: escapeHtml(HOSTILE), value: 'x' });
  });
});
