/**
 * Properties every page must have, checked over all of them with hostile data in every field:
 * the CSP forbids inline script and style, and every form must be a CSRF-protected POST.
 */

import { describe, expect, it } from 'vitest';
import {
  renderConsentPage,
  renderErrorPage,
  renderLoggedOutPage,
  renderLoginPage,
  renderSignedInPage,
} from './index.js';

const HOSTILE = `"'><script>alert(1)</script><img src=x onerror=alert(2)>`;
const chrome = { providerName: HOSTILE, stylesheetHref: '/assets/latchkey.css' };
const action = '/interaction/abc/submit';
const logoutAction = '/logout';
const csrfToken = 'tok_123';

const pages: Record<string, string> = {
  login: renderLoginPage({
    ...chrome,
    action,
    csrfToken,
    username: HOSTILE,
    error: HOSTILE,
    clientName: HOSTILE,
  }),
  consent: renderConsentPage({
    ...chrome,
    action,
    csrfToken,
    clientName: HOSTILE,
    clientUri: `javascript:alert(1)//${HOSTILE}`,
    redirectOrigin: HOSTILE,
    scopes: [{ name: HOSTILE, description: HOSTILE }],
    username: HOSTILE,
    logoutAction,
  }),
  error: renderErrorPage({ ...chrome, title: HOSTILE, message: HOSTILE, code: HOSTILE, status: 400 }),
  loggedOut: renderLoggedOutPage({ ...chrome, message: HOSTILE }),
  signedIn: renderSignedInPage({ ...chrome, username: HOSTILE, csrfToken, logoutAction }),
};

/** Attributes of every start tag named `tag`; values cannot contain `"` because they are escaped. */
function tags(page: string, tag: string): Record<string, string>[] {
  const found = page.match(new RegExp(`<${tag}\\b[^>]*>`, 'g')) ?? [];
  return found.map((markup) =>
    Object.fromEntries(
      [...markup.matchAll(/([\w-]+)(?:="([^"]*)")?/g)].slice(1).map((m) => [m[1], m[2] ?? '']),
    ),
  );
}

describe.each(Object.entries(pages))('%s page', (_name, page) => {
  it('has no script, no inline style and no event handler attribute', () => {
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<style/i);
    expect(page).not.toMatch(/style=/i);
    expect(page).not.toMatch(/<img/i);
    // Escaped text may still read "onerror=", so look only at attribute names of real tags.
    for (const tag of page.match(/<[a-z][^>]*>/gi) ?? []) {
      expect(tag.replace(/="[^"]*"/g, '')).not.toMatch(/\son\w+/i);
    }
  });

  it('links only the stylesheet and no javascript: URL', () => {
    expect(tags(page, 'link')).toEqual([{ rel: 'stylesheet', href: '/assets/latchkey.css' }]);
    expect(page).not.toMatch(/href="\s*(?:javascript|data):/i);
  });

  it('posts every form with a CSRF token to a given action', () => {
    const forms = page.match(/<form\b[\s\S]*?<\/form>/g) ?? [];
    expect(forms.length).toBe(tags(page, 'form').length);
    for (const form of forms) {
      const [attributes] = tags(form, 'form');
      expect(attributes?.method).toBe('post');
      expect([action, logoutAction]).toContain(attributes?.action);
      expect(tags(form, 'input').filter((input) => input.name === 'csrf_token')).toEqual([
        { type: 'hidden', name: 'csrf_token', value: csrfToken },
      ]);
    }
  });

  it('ties every visible input to a label', () => {
    const labelled = new Set(tags(page, 'label').map((label) => label.for));
    for (const input of tags(page, 'input').filter((i) => i.type !== 'hidden')) {
      expect(input.id).toBeTruthy();
      expect(labelled).toContain(input.id);
    }
    for (const id of labelled) {
      expect(tags(page, 'input').some((input) => input.id === id)).toBe(true);
    }
  });

  it('escapes the hostile value wherever it appears', () => {
    expect(page).toContain('&quot;&#39;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

it('renders a form on the pages that need one', () => {
  expect(tags(pages.login!, 'form')).toHaveLength(1);
  expect(tags(pages.consent!, 'form')).toHaveLength(2);
  expect(tags(pages.signedIn!, 'form')).toHaveLength(1);
});
