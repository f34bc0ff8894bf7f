/** Pieces shared by every form, so no page can forget the CSRF token or the POST method. */

import { type HtmlValue, html, type SafeHtml } from './html.js';

/** The form field the http layer reads the CSRF token from. */
export const CSRF_FIELD = 'csrf_token';

export function csrfInput(token: string): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${token}">`;
}

/** A POST form carrying the CSRF token; `className` is for layout only. */
export function postForm(
  action: string,
  csrfToken: string,
  content: HtmlValue,
  className = 'form',
): SafeHtml {
  return html`<form method="post" action="${action}" class="${className}">
${csrfInput(csrfToken)}
${content}
</form>`;
}
