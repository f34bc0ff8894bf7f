/**
 * The document every page is wrapped in.
 *
 * The pages are served under a strict CSP (no 'unsafe-inline', nothing third-party), so the
 * layout carries no script, no <style> and no style attribute: all styling comes from the one
 * stylesheet served from our own origin.
 */

import { html, type SafeHtml } from './html.js';
import type { PageChrome } from './view-data.js';

export function renderLayout(chrome: PageChrome, title: string, body: SafeHtml): string {
  const document = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex, nofollow">
<title>${title} · ${chrome.providerName}</title>
<link rel="stylesheet" href="${chrome.stylesheetHref}">${(chrome.stylesheets ?? []).map(
    (href) => html`
<link rel="stylesheet" href="${href}">`,
  )}
</head>
<body>
<header class="site-header">${chrome.logoUrl ? html`<img class="site-logo" src="${chrome.logoUrl}" alt="" height="28">` : ''}${chrome.providerName}</header>
<main class="card">
${body}
</main>
</body>
</html>
`;
  return document.toString();
}
