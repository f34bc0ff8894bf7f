/** The extension points of the public API: accounts, hooks and pages (re-exported by src/index.ts). */
export type {
  Account,
  AccountAdapter,
  CredentialsResult,
  CurrentUser,
  LoginFailureReason,
  LoginRedirect,
  MaybePromise,
} from './accounts.js';
export { checkExtraClaims, type HookErrorReporter, type HookRunner, hookRunner } from './hook-runner.js';
export {
  type AuthEvent,
  type AuthEventListeners,
  type AuthEventName,
  type AuthEvents,
  type AuthServerHooks,
  type ClaimsContext,
  type ConsentContext,
  type ConsentDecision,
  type ExtraClaims,
  type JsonValue,
  RESERVED_CLAIMS,
  type ReservedClaim,
} from './hooks.js';
export {
  type CheckedStyle,
  checkPageStyle,
  type PageRenderer,
  type PageRenderers,
  type PageStyle,
  type PagesOption,
  THEME_STYLESHEET_PATH,
  type ThemeColors,
} from './pages.js';
