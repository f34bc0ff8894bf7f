/** For interop tests: play the user's part in Latchkey's pages for a client library's authorization URL. */
import { csrfToken, formAction, TestBrowser } from './browser.js';
import { PASSWORD, type TestServer } from './server.js';

/** Drives a given authorization URL through the login and consent pages to the client's callback. */
export async function followAuthorization(
  t: TestServer,
  url: URL,
  options: { username?: string; decision?: 'allow' | 'deny' } = {},
): Promise<URL> {
  const browser = new TestBrowser();
  let page = await browser.follow(await browser.get(url.href), t.url);
  if (page.status === 200 && page.text.includes('name="password"')) {
    page = await browser.post(new URL(formAction(page.text, '/login'), t.url).href, {
      csrf_token: csrfToken(page.text),
      username: options.username ?? 'alice',
      password: PASSWORD,
    });
    page = await browser.follow(page, t.url);
  }
  if (page.status === 200 && page.text.includes('name="decision"')) {
    page = await browser.post(new URL(formAction(page.text, '/consent'), t.url).href, {
      csrf_token: csrfToken(page.text),
      decision: options.decision ?? 'allow',
    });
  }
  if (!page.location) throw new Error(`no redirect to the client: ${page.status} ${page.text.slice(0, 300)}`);
  return new URL(page.location, page.url);
}
