import { describe, expect, it } from 'vitest';
import { renderLoggedOutPage } from './logged-out.js';

const chrome = { providerName: 'Latchkey', stylesheetHref: '/assets/latchkey.css' };

describe('renderLoggedOutPage', () => {
  it('confirms the sign-out with the message', () => {
    const page = renderLoggedOutPage({ ...chrome, message: 'You can close this window.' });
    expect(page).toContain('<title>Signed out · Latchkey</title>');
    expect(page).toContain('<h1>You are signed out</h1>');
    expect(page).toContain('You can close this window.');
  });

  it('escapes the message', () => {
    const page = renderLoggedOutPage({ ...chrome, message: '<script>alert(1)</script>' });
    expect(page).not.toContain('<script');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
