import { describe, expect, it } from 'vitest';
import { renderErrorPage } from './error.js';
import type { ErrorView } from './view-data.js';

function view(overrides: Partial<ErrorView> = {}): ErrorView {
  return {
    providerName: 'Latchkey',
    stylesheetHref: '/assets/latchkey.css',
    title: 'This sign-in link is not valid',
    message: 'The application that sent you here is not registered.',
    code: 'invalid_request',
    status: 400,
    ...overrides,
  };
}

describe('renderErrorPage', () => {
  it('shows the title, the message and the code', () => {
    const page = renderErrorPage(view());
    expect(page).toContain('<title>This sign-in link is not valid · Latchkey</title>');
    expect(page).toContain('<h1>This sign-in link is not valid</h1>');
    expect(page).toContain('<p>The application that sent you here is not registered.</p>');
    expect(page).toContain('Error code: <code>invalid_request</code>');
  });

  it('leaves out the code line when there is no code', () => {
    expect(renderErrorPage(view({ code: null }))).not.toContain('Error code');
  });

  it('never echoes anything as markup', () => {
    const page = renderErrorPage(
      view({
        title: '<script>alert(1)</script>',
        message: 'Unknown client "<img src=x onerror=alert(2)>"',
        code: '<b>bad</b>',
      }),
    );
    expect(page).not.toMatch(/<script|<img|<b>/);
    expect(page).toContain('<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>');
    expect(page).toContain('<p>Unknown client &quot;&lt;img src=x onerror=alert(2)&gt;&quot;</p>');
    expect(page).toContain('<code>&lt;b&gt;bad&lt;/b&gt;</code>');
  });
});
