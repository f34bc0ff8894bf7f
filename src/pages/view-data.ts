/**
 * The plain data each page is rendered from. Pages are pure functions of these (no I/O), and a
 * host application renders its own pages from the same data (issue 8: the `pages` option).
 */

/** Common to every page. */
export interface PageChrome {
  /** The provider's display name, e.g. "Latchkey". */
  providerName: string;
  /** URL path of the stylesheet, e.g. "/assets/latchkey.css". */
  stylesheetHref: string;
  /** The provider's logo (configured), shown beside its name. */
  logoUrl?: string | null;
  /** Further stylesheets, linked after `stylesheetHref` (a host's theme and stylesheet). */
  stylesheets?: readonly string[];
}

export interface LoginView extends PageChrome {
  /** Where the form posts to (already includes any interaction id). */
  action: string;
  csrfToken: string;
  /** Pre-filled user name after a failed attempt. */
  username: string;
  /** A generic failure message ("Incorrect user name or password."), never which part was wrong. */
  error: string | null;
  /** The client the user is signing in to, when the login is part of an authorization. */
  clientName: string | null;
  /** Its client_id, and the authorization in progress (`/interaction/:id`); null outside one. */
  clientId?: string | null;
  interactionId?: string | null;
}

export interface ScopeView {
  name: string;
  /** Human description, e.g. "Read your profile". */
  description: string;
}

export interface ConsentView extends PageChrome {
  action: string;
  csrfToken: string;
  clientName: string;
  /** The client's home page, shown as a link when set. Only http(s) URLs reach here. */
  clientUri: string | null;
  /** The redirect target's origin, shown so the user sees where they will be sent. */
  redirectOrigin: string;
  scopes: ScopeView[];
  username: string;
  /** Form action for "Not you? Sign out". */
  logoutAction: string;
  clientId?: string;
  /** The authorization in progress (`/interaction/:id`). */
  interactionId?: string;
}

export interface ErrorView extends PageChrome {
  /** Short title, e.g. "This sign-in link is not valid". */
  title: string;
  /** One or two sentences for the user. */
  message: string;
  /** The OAuth error code, shown small for support. */
  code: string | null;
  /** HTTP status the page is served with (informational on the page). */
  status: number;
}

export interface LoggedOutView extends PageChrome {
  message: string;
}

/** A page with a signed-in user but no authorization in progress. */
export interface SignedInView extends PageChrome {
  username: string;
  csrfToken: string;
  logoutAction: string;
  /** The account page's address and the apps the user gave access to, when the page links there. */
  account?: { href: string; apps: readonly { name: string; uri: string | null }[] };
}

/** An application with access to the user's account, on the account page. */
export interface AccountAppView {
  clientId: string;
  name: string;
  /** The app's home page; shown as a link only when it is an http(s) URL. */
  uri: string | null;
  scopes: ScopeView[];
  /** Seconds since the epoch. */
  grantedAt: number;
  lastUsedAt: number | null;
  /** The GET address of the "Remove access" confirmation for this app. */
  removeHref: string;
}

/** The account page (/account). Forms post the csrf_token; the password form also current_password, new_password, confirm_password. */
export interface AccountView extends PageChrome {
  username: string;
  csrfToken: string;
  apps: AccountAppView[];
  /** A confirmation of what was just done ("Your password has been changed."), or null. */
  notice: string | null;
  /** Why the password change failed, shown by the password form, or null. */
  passwordError: string | null;
  /** The password rules, for the browser's own checks and the hint (the server checks again). */
  password: { minLength: number; maxLength: number };
  passwordAction: string;
  signOutEverywhereAction: string;
  homeHref: string;
}

/** The confirmation before "Remove access". Form fields: csrf_token, client_id. */
export interface RemoveAccessView extends PageChrome {
  csrfToken: string;
  action: string;
  cancelHref: string;
  app: AccountAppView;
}
