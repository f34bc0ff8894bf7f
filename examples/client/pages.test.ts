import { describe, expect, it } from 'vitest';
import { errorPage, escapeHtml, homePage, html, profilePage } from './pages.js';

describe('pages', () => {
  it('escapes every interpolated value', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
    expect(html`<p>${'<i>'}${html`<b>${'&'}</b>`}${undefined}${false}${['<', 1]}</p>`.toString()).toBe(
      '<p>&lt;i&gt;<b>&amp;</b>&lt;1</p>',
    );
  });

  it('renders pages without inline script or style', () => {
    const pages = [
      homePage({ issuer: 'http://localhost:9000' }),
      homePage({ issuer: 'http://localhost:9000', csrf: 'token"><script>' }),
      profilePage({ json: '{"a": "</pre>"}', apiUrl: 'http://api', scope: 'profile', csrf: 't' }),
      errorPage({ title: '<t>', message: '<m>', details: [['Error', '<e>']], retry: true }),
    ];
    for (const page of pages) {
      expect(page).not.toMatch(/<script|<style|\sstyle=|\son\w+=/i);
    }
    expect(pages[1]).toContain('value="token&quot;&gt;&lt;script&gt;"');
    expect(pages[2]).toContain('<pre>{&quot;a&quot;: &quot;&lt;/pre&gt;&quot;}</pre>');
  });
});
