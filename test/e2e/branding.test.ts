/** The provider's name and logo on every page, and the CSP that lets the logo load and nothing else. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ providerName: 'Acme ID', logoUrl: 'https://cdn.example.com/acme.svg' });
});
afterAll(() => t.close());

describe('branding', () => {
  it('shows the configured name and logo on the pages, and allows only the logo’s origin for images', async () => {
    const response = await fetch(`${t.url}/login`);
    const page = await response.text();
    expect(page).toContain(
      '<img class="site-logo" src="https://cdn.example.com/acme.svg" alt="" height="28">Acme ID',
    );
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("img-src 'self' data: https://cdn.example.com");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
  });

  it.each([
    ['javascript:alert(1)'],
    ['http://cdn.example.com/logo.png'],
    ['//cdn.example.com/logo.png'],
    ['data:image/svg+xml,<svg onload=alert(1)>'],
    ['not a url'],
  ])('refuses LATCHKEY_LOGO_URL=%s at start', (value) => {
    expect(() => loadConfig({ env: { LATCHKEY_LOGO_URL: value } })).toThrow(/logoUrl/);
  });

  it('accepts a path on this server and http on localhost', () => {
    expect(loadConfig({ env: { LATCHKEY_LOGO_URL: '/assets/logo.png' } }).logoUrl).toBe('/assets/logo.png');
    expect(loadConfig({ env: { LATCHKEY_LOGO_URL: 'http://localhost:8080/l.png' } }).logoUrl).toBe(
      'http://localhost:8080/l.png',
    );
  });
});
