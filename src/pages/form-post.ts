/**
 * OAuth 2.0 Form Post Response Mode §2: the authorization response as a form the browser posts to
 * the client. The one script Latchkey serves submits it; the CSP admits that script by its hash
 * (FORM_POST_SCRIPT), never 'unsafe-inline'. Without JavaScript the user presses Continue.
 */
import { html, raw } from './html.js';
import { renderLayout } from './layout.js';
import type { PageChrome } from './view-data.js';

export const FORM_POST_SCRIPT = 'document.forms[0].submit();';

export interface FormPostView extends PageChrome {
  action: string;
  params: Record<string, string>;
  /** What the page says while it posts; by default it is returning to the app. */
  title?: string;
}

export function renderFormPostPage(view: FormPostView): string {
  const fields = Object.entries(view.params).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  );
  const title = view.title ?? 'Returning to the app';
  const body = html`<h1>${title}</h1>
<form method="post" action="${view.action}">
${fields}
<p class="muted">If nothing happens, continue yourself.</p>
<button type="submit" class="button button-primary">Continue</button>
</form>
<script>${raw(FORM_POST_SCRIPT)}</script>`;
  return renderLayout(view, title, body);
}
