/** The consent page. Form fields: csrf_token, decision ("allow" | "deny"). */

import { postForm } from './forms.js';
import { html, type SafeHtml, safeHttpUrl } from './html.js';
import { renderLayout } from './layout.js';
import type { ConsentView, ScopeView } from './view-data.js';

export function renderConsentPage(view: ConsentView): string {
  const body = html`<h1>${clientLink(view)} wants to access your account</h1>
<p class="muted">Signed in as <strong>${view.username}</strong></p>
${scopeSection(view.scopes)}
<p class="redirect-note">You will be sent to <strong>${view.redirectOrigin}</strong></p>
${postForm(view.action, view.csrfToken, decisionButtons())}
${postForm(
  view.logoutAction,
  view.csrfToken,
  html`<p>Not you? <button type="submit" class="link-button">Sign out</button></p>`,
  'switch-account',
)}`;
  return renderLayout(view, `Allow ${view.clientName}?`, body);
}

/**
 * The client name links to its home page only when that is an http(s) URL: client metadata is
 * set by whoever registered the client, and a `javascript:` link would run on our origin.
 */
function clientLink(view: ConsentView): SafeHtml {
  const href = safeHttpUrl(view.clientUri);
  return href
    ? html`<a href="${href}" rel="noopener noreferrer">${view.clientName}</a>`
    : html`${view.clientName}`;
}

function scopeSection(scopes: readonly ScopeView[]): SafeHtml {
  if (scopes.length === 0) {
    return html`<p>It is not asking for any specific permissions.</p>`;
  }
  return html`<h2>It will be able to:</h2>
<ul class="scopes">
${scopes.map(
  (scope) => html`<li class="scope"><span class="scope-description">${scope.description}</span>
<span class="scope-name"><code>${scope.name}</code></span></li>
`,
)}</ul>`;
}

// Deny comes first in the document so keyboard order matches the visual order (Allow on the
// right, where the primary action sits in most consent dialogs).
function decisionButtons(): SafeHtml {
  return html`<div class="actions">
<button type="submit" name="decision" value="deny" class="button button-secondary">Deny</button>
<button type="submit" name="decision" value="allow" class="button button-primary">Allow</button>
</div>`;
}
