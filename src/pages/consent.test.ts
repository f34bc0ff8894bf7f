import { describe, expect, it } from 'vitest';
import { renderConsentPage } from './consent.js';
import type { ConsentView } from './view-data.js';

function view(overrides: Partial<ConsentView> = {}): ConsentView {
  return {
    providerName: 'Latchkey',
    stylesheetHref: '/assets/latchkey.css',
    action: '/consent?interaction=abc123',
    csrfToken: 'csrf-token-value',
    clientName: 'Photo Prints',
    clientUri: 'https://prints.example.com/',
    redirectOrigin: 'https://prints.example.com',
    scopes: [
      { name: 'openid', description: 'Know who you are' },
      { name: 'profile', description: 'Read your profile' },
    ],
    username: 'alice',
    logoutAction: '/logout?interaction=abc123',
    ...overrides,
  };
}

function forms(page: string): string[] {
  return page.match(/<form\b[\s\S]*?<\/form>/g) ?? [];
}

describe('renderConsentPage', () => {
  it('says who is asking and who is signed in', () => {
    const page = renderConsentPage(view());
    expect(page).toMatch(/<h1><a [^>]*>Photo Prints<\/a> wants to access your account<\/h1>/);
    expect(page).toContain('Signed in as <strong>alice</strong>');
    expect(page).toContain('<title>Allow Photo Prints? · Latchkey</title>');
  });

  it('links the client name to an https client_uri without leaking the referrer', () => {
    const page = renderConsentPage(view());
    expect(page).toContain(
      '<a href="https://prints.example.com/" rel="noopener noreferrer">Photo Prints</a>',
    );
  });

  it.each([
    'javascript:alert(document.cookie)',
    'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    '/relative',
    'nonsense',
  ])('does not link a client_uri of %j', (clientUri) => {
    const page = renderConsentPage(view({ clientUri }));
    expect(page).not.toContain('<a ');
    expect(page).not.toMatch(/javascript:|data:/);
    expect(page).toContain('<h1>Photo Prints wants to access your account</h1>');
  });

  it('shows the client name without a link when there is no client_uri', () => {
    expect(renderConsentPage(view({ clientUri: null }))).toContain(
      '<h1>Photo Prints wants to access your account</h1>',
    );
  });

  it('lists every scope with its description and name', () => {
    const page = renderConsentPage(view());
    expect(page.match(/<li class="scope">/g)).toHaveLength(2);
    expect(page).toContain('<span class="scope-description">Read your profile</span>');
    expect(page).toContain('<code>profile</code>');
  });

  it('says so when no scope is requested', () => {
    const page = renderConsentPage(view({ scopes: [] }));
    expect(page).not.toContain('<ul');
    expect(page).toContain('not asking for any specific permissions');
  });

  it('shows where the user will be sent', () => {
    expect(renderConsentPage(view())).toContain(
      'You will be sent to <strong>https://prints.example.com</strong>',
    );
  });

  it('offers Allow and Deny in one form, and sign-out in another', () => {
    const [decision, logout, ...rest] = forms(renderConsentPage(view()));
    expect(rest).toEqual([]);
    expect(decision).toContain('action="/consent?interaction=abc123"');
    expect(decision).toContain('<input type="hidden" name="csrf_token" value="csrf-token-value">');
    expect(decision).toMatch(/<button type="submit" name="decision" value="allow"[^>]*>Allow<\/button>/);
    expect(decision).toMatch(/<button type="submit" name="decision" value="deny"[^>]*>Deny<\/button>/);
    expect(logout).toContain('action="/logout?interaction=abc123"');
    expect(logout).toContain('<input type="hidden" name="csrf_token" value="csrf-token-value">');
    expect(logout).toContain('Not you?');
    expect(logout).not.toContain('name="decision"');
  });

  it('escapes hostile client, user and scope values', () => {
    const page = renderConsentPage(
      view({
        clientName: '<script>alert(1)</script>',
        clientUri: 'https://x.example/"><script>alert(2)</script>',
        username: `o'brien" onclick="alert(3)`,
        redirectOrigin: '<b>evil</b>',
        scopes: [{ name: '<i>scope</i>', description: '<img src=x onerror=alert(4)>' }],
      }),
    );
    expect(page).not.toMatch(/<script|<img|<b>|<i>|onclick="/);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;</a> wants to access your account');
    expect(page).toContain('Signed in as <strong>o&#39;brien&quot; onclick=&quot;alert(3)</strong>');
    expect(page).toContain('&lt;img src=x onerror=alert(4)&gt;');
    expect(page).toContain('<code>&lt;i&gt;scope&lt;/i&gt;</code>');
    expect(page).toContain('<strong>&lt;b&gt;evil&lt;/b&gt;</strong>');
    // The URL parser percent-encodes what it can; anything left is escaped, so href stays one attribute.
    expect(page).toMatch(/<a href="https:\/\/x\.example\/[^"<>]*" rel="noopener noreferrer">/);
  });
});
