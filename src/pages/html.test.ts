import { describe, expect, it } from 'vitest';
import { escapeHtml, html, raw, safeHttpUrl } from './html.js';

describe('html', () => {
  it('escapes every interpolated string', () => {
    const value = `<script>alert("x")</script> & 'quotes'`;
    expect(html`<p>${value}</p>`.toString()).toBe(
      '<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;</p>',
    );
  });

  it('cannot be broken out of a quoted attribute', () => {
    const value = `" onmouseover="alert(1)`;
    expect(html`<input value="${value}">`.toString()).toBe(
      '<input value="&quot; onmouseover=&quot;alert(1)">',
    );
    expect(html`<input value='${"' x='y"}'>`.toString()).toBe(`<input value='&#39; x=&#39;y'>`);
  });

  it('keeps nested SafeHtml as markup and joins arrays', () => {
    const items = ['a<b', 'c'].map((item) => html`<li>${item}</li>`);
    expect(html`<ul>${items}</ul>`.toString()).toBe('<ul><li>a&lt;b</li><li>c</li></ul>');
  });

  it('escapes plain strings inside arrays', () => {
    expect(html`${['<i>', html`<b>`]}`.toString()).toBe('&lt;i&gt;<b>');
  });

  it('renders null, undefined and false as nothing, and numbers as text', () => {
    expect(html`[${null}${undefined}${false}${0}${42}]`.toString()).toBe('[042]');
  });

  it('emits raw() markup unescaped', () => {
    expect(html`${raw('<hr>')}`.toString()).toBe('<hr>');
  });

  it('does not treat a look-alike object as SafeHtml', () => {
    const fake = { toString: () => '<script>' } as unknown as string;
    expect(html`${fake}`.toString()).toBe('&lt;script&gt;');
  });

  it('escapes ampersands first, so entities are not double-decoded', () => {
    expect(escapeHtml('&lt;')).toBe('&amp;lt;');
  });
});

describe('safeHttpUrl', () => {
  it('accepts absolute http and https URLs', () => {
    expect(safeHttpUrl('https://app.example.com/home?x=1')).toBe('https://app.example.com/home?x=1');
    expect(safeHttpUrl('http://localhost:3000')).toBe('http://localhost:3000/');
  });

  it.each([
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    ' javascript:alert(1)',
    'java\tscript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    'ftp://example.com/',
    '//evil.example/',
    '/relative/path',
    'not a url',
    '',
  ])('rejects %j', (value) => {
    expect(safeHttpUrl(value)).toBeNull();
  });

  it('rejects null and undefined', () => {
    expect(safeHttpUrl(null)).toBeNull();
    expect(safeHttpUrl(undefined)).toBeNull();
  });
});
