/**
 * The sign-out confirmation of RP-Initiated Logout. A logout request is an unauthenticated link
 * anyone can send, so the user confirms before the session ends. Form fields: csrf_token, decision
 * ("logout" | "stay"), and the logout request's parameters as hidden fields.
 */

import { postForm } from './forms.js';
import { html, type SafeHtml } from './html.js';
import { renderLayout } from './layout.js';
import type { PageChrome } from './view-data.js';

export interface LogoutConfirmView extends PageChrome {
  action: string;
  csrfToken: string;
  /** The logout request's parameters, carried to the form's target (which validates them again). */
  fields: readonly (readonly [string, string])[];
  /** The app that asked for the sign-out, when the request names one. */
  clientName: string | null;
  /** The signed-in user. */
  username: string;
  /** The app's ID token names another account than the signed-in one. */
  otherAccount: boolean;
  /** Where the browser goes afterwards (an origin), when the app asked to be returned to. */
  returnTo: string | null;
}

export function renderLogoutConfirmPage(view: LogoutConfirmView): string {
  const body = html`<h1>Sign out of ${view.providerName}?</h1>
${view.clientName && html`<p class="lede">Requested by <strong>${view.clientName}</strong></p>`}
${accountNote(view)}
${view.returnTo && html`<p class="redirect-note">Afterwards you will be sent to <strong>${view.returnTo}</strong></p>`}
${postForm(view.action, view.csrfToken, html`${hiddenFields(view.fields)}${decisionButtons()}`)}`;
  return renderLayout(view, `Sign out of ${view.providerName}?`, body);
}

function accountNote(view: LogoutConfirmView): SafeHtml {
  const signedIn = html`You are signed in as <strong>${view.username}</strong>.`;
  if (!view.otherAccount) return html`<p>${signedIn}</p>`;
  // Said before the buttons, as an alert, so nobody ends the wrong account's session unawares.
  const app = view.clientName ?? 'The app';
  return html`<div class="alert" role="alert">${app} asked to sign out a different account. ${signedIn}
Signing out ends this account's session.</div>`;
}

function hiddenFields(fields: LogoutConfirmView['fields']): SafeHtml {
  return html`${fields.map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">\n`)}`;
}

// "Stay signed in" comes first in the document so keyboard order matches the visual order, as on
// the consent page: the primary action sits on the right.
function decisionButtons(): SafeHtml {
  return html`<div class="actions">
<button type="submit" name="decision" value="stay" class="button button-secondary">Stay signed in</button>
<button type="submit" name="decision" value="logout" class="button button-primary">Sign out</button>
</div>`;
}
