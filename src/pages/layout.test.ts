import { describe, expect, it } from 'vitest';
import { html } from './html.js';
import { renderLayout } from './layout.js';

const chrome = { providerName: 'Latchkey', stylesheetHref: '/assets/latchkey.css' };

describe('renderLayout', () => {
  const page = renderLayout(chrome, 'Sign in', html`<h1>Hello</h1>`);

  it('is a complete HTML5 document in English', () => {
    expect(page.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(page).toContain('<meta charset="utf-8">');
    expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(page.trimEnd().endsWith('</html>')).toBe(true);
  });

  it('titles the page with the provider name', () => {
    expect(page).toContain('<title>Sign in · Latchkey</title>');
  });

  it('links the stylesheet and nothing external', () => {
    expect(page).toContain('<link rel="stylesheet" href="/assets/latchkey.css">');
    expect(page).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
  });

  it('has a header with the provider name and a main landmark holding the body', () => {
    expect(page).toMatch(/<header class="site-header">Latchkey<\/header>/);
    expect(page).toMatch(/<main[^>]*>\s*<h1>Hello<\/h1>\s*<\/main>/);
  });

  it('has no inline script or style', () => {
    expect(page).not.toMatch(/<script|<style|style=/i);
  });

  it('escapes the title, provider name and stylesheet href', () => {
    const hostile = renderLayout(
      { providerName: '<b>Evil</b>', stylesheetHref: '"><script>x</script>' },
      '</title><script>',
      html``,
    );
    expect(hostile).not.toMatch(/<script|<b>/);
    expect(hostile).toContain('<title>&lt;/title&gt;&lt;script&gt; · &lt;b&gt;Evil&lt;/b&gt;</title>');
    expect(hostile).toContain('href="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"');
  });
});
