/** The built-in pages: pure functions from view data to an HTML document. */

export { formatDate, renderAccountPage, renderRemoveAccessPage } from './account.js';
export * from './admin/index.js';
export { renderConsentPage } from './consent.js';
export { errorPageMessage, errorPageTitle, renderErrorPage } from './error.js';
export { FORM_POST_SCRIPT, type FormPostView, renderFormPostPage } from './form-post.js';
export { CSRF_FIELD } from './forms.js';
export { type HtmlValue, html, raw, type SafeHtml, safeHttpUrl } from './html.js';
export { renderLayout } from './layout.js';
export { renderLoggedOutPage } from './logged-out.js';
export { renderLoginPage } from './login.js';
export { type LogoutConfirmView, renderLogoutConfirmPage } from './logout-confirm.js';
export { renderSignedInPage } from './signed-in.js';
export { STYLESHEET, STYLESHEET_PATH } from './stylesheet.js';
export type {
  AccountAppView,
  AccountView,
  ConsentView,
  ErrorView,
  LoggedOutView,
  LoginView,
  PageChrome,
  RemoveAccessView,
  ScopeView,
  SignedInView,
} from './view-data.js';
