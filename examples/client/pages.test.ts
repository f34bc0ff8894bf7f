import { describe, expect, it } from 'vitest';
import { errorPage, escapeHtml, homePage, html, humanTime, profilePage } from './pages.js';

const ID_TOKEN_CLAIMS = {
  iss: 'http://localhost:9000',
  sub: 'user-1',
  aud: 'example-client',
  iat: 1_750_000_000,
  exp: 1_750_000_300,
  auth_time: 1_749_999_990,
  nonce: 'n-0S6_WzA2Mj',
  amr: ['pwd'],
};

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
      homePage({ issuer: 'http://localhost:9000', signedOut: true }),
      profilePage({
        json: '{}',
        apiUrl: 'http://api',
        csrf: 't',
        idTokenClaims: ID_TOKEN_CLAIMS,
        userInfo: { kind: 'ok', claims: { sub: 'user-1', name: '<b>Ada</b>' } },
      }),
    ];
    for (const page of pages) {
      expect(page).not.toMatch(/<script|<style|\sstyle=|\son\w+=/i);
    }
    expect(pages[1]).toContain('value="token&quot;&gt;&lt;script&gt;"');
    expect(pages[2]).toContain('<pre>{&quot;a&quot;: &quot;&lt;/pre&gt;&quot;}</pre>');
  });

  it('shows the ID token claims as a table, times also in UTC', () => {
    const page = profilePage({
      json: '{}',
      apiUrl: 'http://api',
      csrf: 't',
      idTokenClaims: ID_TOKEN_CLAIMS,
      userInfo: { kind: 'ok', claims: { sub: 'user-1', name: '<b>Ada</b>', email_verified: false } },
    });
    expect(page).toContain('<table aria-labelledby="id-token">');
    expect(page).toContain(
      '<tr><th scope="row"><code>iat</code></th><td><code>1750000000</code> <span class="muted">2025-06-15 15:06:40 UTC</span></td></tr>',
    );
    expect(page).toContain(
      '<code>exp</code></th><td><code>1750000300</code> <span class="muted">2025-06-15 15:11:40 UTC',
    );
    expect(page).toContain('<code>auth_time</code></th><td><code>1749999990</code> <span class="muted">');
    // Not a time: no date beside it. Non-strings as JSON.
    expect(page).toContain('<code>nonce</code></th><td><code>n-0S6_WzA2Mj</code></td>');
    expect(page).toContain('<code>amr</code></th><td><code>[&quot;pwd&quot;]</code></td>');
    expect(page).toContain('<table aria-labelledby="userinfo">');
    expect(page).toContain('<code>name</code></th><td><code>&lt;b&gt;Ada&lt;/b&gt;</code>');
    expect(page).toContain('<code>email_verified</code></th><td><code>false</code>');
    expect(page).not.toContain('there is no ID token');
  });

  it('says when UserInfo failed, and when there is no ID token', () => {
    const failed = profilePage({
      json: '{}',
      apiUrl: 'http://api',
      csrf: 't',
      idTokenClaims: ID_TOKEN_CLAIMS,
      userInfo: { kind: 'failed', reason: '<invalid_token>' },
    });
    expect(failed).toContain('The UserInfo request failed: <code>&lt;invalid_token&gt;</code>');
    const plain = profilePage({ json: '{}', apiUrl: 'http://api', csrf: 't' });
    expect(plain).not.toContain('<table');
    expect(plain).toContain('there is no ID token or UserInfo');
  });

  it('says "You are signed out" only when back from logging out', () => {
    expect(homePage({ issuer: 'http://localhost:9000', signedOut: true })).toContain(
      '<p class="notice" role="status"><strong>You are signed out.</strong>',
    );
    expect(homePage({ issuer: 'http://localhost:9000' })).not.toContain('signed out');
  });

  it('formats times in UTC', () => {
    expect(humanTime(0)).toBe('1970-01-01 00:00:00 UTC');
    expect(humanTime(1e20)).toBe('');
  });
});
