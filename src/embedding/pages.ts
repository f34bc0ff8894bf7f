/**
 * Your pages: replace Latchkey's login, consent, logout and error pages with the host's own,
 * rendered from the same plain view data Latchkey's pages use; or only restyle Latchkey's (name
 * and logo are config: `providerName`, `logoUrl`; colours and an extra stylesheet are here).
 *
 * Whatever renders it, a page is sent by Latchkey with its security headers: a strict CSP (no
 * inline script or style, `frame-ancestors 'none'`), `no-store`, `nosniff`, `Referrer-Policy`.
 * A custom page must therefore load its CSS from a stylesheet (its own origin, or `style.stylesheetUrl`'s).
 */
import type { LogoutConfirmView } from '../pages/logout-confirm.js';
import type { ConsentView, ErrorView, LoginView } from '../pages/view-data.js';
import type { MaybePromise } from './accounts.js';

/** Renders one page from its view data to a complete HTML document. Escape what you insert. */
export type PageRenderer<View> = (view: View) => MaybePromise<string>;

/** Pages a host may replace; an absent one stays Latchkey's. */
export interface PageRenderers {
  /** Sign-in form: post `username`, `password` and `csrf_token` to `view.action`. */
  login?: PageRenderer<LoginView>;
  /** Consent: post `decision` (`allow` | `deny`) and `csrf_token` to `view.action`. */
  consent?: PageRenderer<ConsentView>;
  /** RP-initiated logout confirmation: post `view.fields`, `csrf_token`, `decision` (`logout` | `stay`). */
  logout?: PageRenderer<LogoutConfirmView>;
  /** An error that cannot go back to the client (unknown client, bad redirect URI, expired sign-in). */
  error?: PageRenderer<ErrorView>;
}

/** CSS colours for Latchkey's own pages (any CSS colour: `#0a7`, `rgb(0 120 80)`, `teal`). */
export interface ThemeColors {
  /** Buttons and links. */
  primary?: string;
  primaryHover?: string;
  /** Text on primary buttons. */
  onPrimary?: string;
  /** The page behind the card. */
  background?: string;
  /** The card. */
  surface?: string;
  text?: string;
  muted?: string;
  border?: string;
}

/** Restyling Latchkey's own pages. */
export interface PageStyle {
  /**
   * An extra stylesheet linked after Latchkey's: a path on this origin (`/static/brand.css`) or an
   * https URL (http on localhost), whose origin the pages' CSP then admits in `style-src`.
   */
  stylesheetUrl?: string;
  colors?: ThemeColors;
}

/** The pages option of createAuthServer. */
export interface PagesOption extends PageRenderers {
  style?: PageStyle;
}

/** Where the theme made from `style.colors` is served. */
export const THEME_STYLESHEET_PATH = '/assets/latchkey-theme.css';

const COLOR_VARIABLES: Record<keyof ThemeColors, string> = {
  primary: '--primary',
  primaryHover: '--primary-hover',
  onPrimary: '--on-primary',
  background: '--bg',
  surface: '--surface',
  text: '--text',
  muted: '--muted',
  border: '--border',
};

// Only what a colour can be: no `;`, `}`, quotes or url(), so a value cannot escape its declaration.
const CSS_COLOR =
  /^(#[0-9a-fA-F]{3,8}|(rgb|rgba|hsl|hsla|oklch|oklab)\([0-9a-z.,%\s/+-]{1,60}\)|[a-zA-Z]{3,30})$/;

/** The style option checked once at start; a bad one stops the server with the reason. */
export interface CheckedStyle {
  /** Extra stylesheet links for every page, after Latchkey's own. */
  stylesheets: string[];
  /** Origins the pages' CSP must admit in style-src. */
  styleSources: string[];
  /** The theme stylesheet's text, or null without colours. */
  themeCss: string | null;
}

const CSP_HOST = /^(\[[0-9a-f:]+\]|[a-z0-9.-]+)(:\d+)?$/;

function isLocalHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

export function checkPageStyle(style: PageStyle | undefined): CheckedStyle {
  const stylesheets: string[] = [];
  const styleSources: string[] = [];
  let themeCss: string | null = null;
  const colors = Object.entries(style?.colors ?? {}).filter(([, value]) => value !== undefined);
  if (colors.length > 0) {
    const lines = colors.map(([name, value]) => {
      const variable = COLOR_VARIABLES[name as keyof ThemeColors];
      if (!variable) throw new TypeError(`pages.style.colors.${name} is not a colour Latchkey's pages use`);
      if (typeof value !== 'string' || !CSS_COLOR.test(value))
        throw new TypeError(`pages.style.colors.${name} must be a CSS colour`);
      return `  ${variable}: ${value};`;
    });
    themeCss = `:root {\n${lines.join('\n')}\n}\n`;
    stylesheets.push(THEME_STYLESHEET_PATH);
  }
  const url = style?.stylesheetUrl;
  if (url !== undefined) {
    if (typeof url !== 'string' || /[\s"'<>\\]/.test(url) || url.length > 2000)
      throw new TypeError('pages.style.stylesheetUrl must be a path or an https URL');
    if (url.startsWith('/') && !url.startsWith('//')) {
      stylesheets.push(url);
    } else {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new TypeError('pages.style.stylesheetUrl must be a path or an https URL');
      }
      if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && isLocalHost(parsed.hostname)))
        throw new TypeError('pages.style.stylesheetUrl must be https (http only on localhost)');
      // A CSP source is separated by spaces, `;` and `,`: a host name with one of those (which URL
      // parsing accepts) could add directives to every page's policy. Only a plain host will do.
      const host = parsed.host.toLowerCase();
      if (!CSP_HOST.test(host))
        throw new TypeError(
          'pages.style.stylesheetUrl must have a plain host name (letters, digits, dots, dashes)',
        );
      stylesheets.push(parsed.href);
      styleSources.push(`${parsed.protocol}//${host}`);
    }
  }
  return { stylesheets, styleSources, themeCss };
}
