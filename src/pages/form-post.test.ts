import { describe, expect, it } from 'vitest';
import { FORM_POST_SCRIPT, renderFormPostPage } from './form-post.js';

const chrome = { providerName: 'Latchkey', stylesheetHref: '/assets/latchkey.css' };

describe('renderFormPostPage', () => {
  it('posts every parameter, escaped, to the action', () => {
    const page = renderFormPostPage({
      ...chrome,
      action: 'https://app.example.com/cb?x=1&y="2"',
      params: { code: 'abc', state: '"><script>alert(1)</script>' },
    });
    expect(page).toContain(
      '<form method="post" action="https://app.example.com/cb?x=1&amp;y=&quot;2&quot;">',
    );
    expect(page).toContain('<input type="hidden" name="code" value="abc">');
    expect(page).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(page).not.toContain('<script>alert(1)');
  });

  it('carries exactly the one script the CSP hashes', () => {
    const page = renderFormPostPage({ ...chrome, action: 'https://app.example.com/cb', params: {} });
    expect(page.match(/<script>/g)).toHaveLength(1);
    expect(page).toContain(`<script>${FORM_POST_SCRIPT}</script>`);
  });
});
