/**
 * A minimal browser for HTTP tests: a cookie jar, no automatic redirects, and helpers that read
 * the CSRF token and form actions out of Latchkey's pages.
 */
export interface Page {
  status: number;
  headers: Headers;
  location: string | null;
  text: string;
  url: string;
}

export class TestBrowser {
  private readonly jar = new Map<string, string>();

  async get(url: string): Promise<Page> {
    return this.request(url, { method: 'GET' });
  }

  async post(url: string, form: Record<string, string>): Promise<Page> {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  }

  /** Follows redirects within `origin` until leaving it (a redirect to the client) or a page. */
  async follow(page: Page, origin: string): Promise<Page> {
    let current = page;
    for (let i = 0; i < 10 && current.location; i++) {
      const next = new URL(current.location, current.url).toString();
      if (!next.startsWith(origin)) return current;
      current = await this.get(next);
    }
    return current;
  }

  cookie(name: string): string | undefined {
    return this.jar.get(name);
  }

  setCookie(name: string, value: string): void {
    this.jar.set(name, value);
  }

  private async request(url: string, init: RequestInit): Promise<Page> {
    const headers = new Headers(init.headers);
    if (this.jar.size > 0) headers.set('cookie', [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const [name = '', ...rest] = pair.split('=');
      const value = rest.join('=');
      const expired = attributes.some((a) => /max-age=0|expires=thu, 01 jan 1970/i.test(a.trim()));
      if (expired || value === '') this.jar.delete(name.trim());
      else this.jar.set(name.trim(), value);
    }
    return {
      status: response.status,
      headers: response.headers,
      location: response.headers.get('location'),
      text: await response.text(),
      url,
    };
  }
}

export function csrfToken(html: string): string {
  const match = /name="csrf_token" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no csrf_token on the page');
  return match[1]!;
}

export function formAction(html: string, contains: string): string {
  const actions = [...html.matchAll(/<form[^>]*action="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
  const action = actions.find((a) => a.includes(contains));
  if (!action) throw new Error(`no form action containing ${contains}: ${actions.join(', ')}`);
  return action;
}
