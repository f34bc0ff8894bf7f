/**
 * The one stylesheet of the built-in pages.
 *
 * It lives in a TypeScript constant so the compiled build serves it without copying assets, and
 * it is served from our own origin because the pages' CSP allows neither inline styles nor
 * third-party resources. No fonts or images: the system font stack keeps pages fast and offline.
 * Colours meet WCAG AA (4.5:1 for text, 3:1 for borders and focus rings) in both schemes.
 */

/** Where the http layer serves STYLESHEET; pages link to it through PageChrome.stylesheetHref. */
export const STYLESHEET_PATH = '/assets/latchkey.css';

export const STYLESHEET: string = `:root {
  color-scheme: light dark;
  --bg: #eef1f6;
  --surface: #ffffff;
  --text: #1b2130;
  --muted: #515a6b;
  --border: #d3d8e2;
  --field-border: #79829a;
  --primary: #3044c4;
  --primary-hover: #23359f;
  --on-primary: #ffffff;
  --secondary-bg: #ffffff;
  --secondary-hover: #f0f2f7;
  --focus: #3044c4;
  --code-bg: #eef1f6;
  --alert-bg: #fdeeee;
  --alert-border: #eeb0b0;
  --alert-text: #96201d;
  --shadow: 0 1px 2px rgba(20, 28, 48, 0.06), 0 8px 24px rgba(20, 28, 48, 0.08);
  --radius: 12px;
}

@media (prefers-color-scheme: dark) {
  :root {
    --bg: #10131a;
    --surface: #1a1f29;
    --text: #e7e9ef;
    --muted: #a7aebd;
    --border: #313847;
    --field-border: #7c8599;
    --primary: #93a4ff;
    --primary-hover: #b0bdff;
    --on-primary: #0e1330;
    --secondary-bg: #1a1f29;
    --secondary-hover: #252b38;
    --focus: #93a4ff;
    --code-bg: #252b38;
    --alert-bg: #3a1c1e;
    --alert-border: #7a3336;
    --alert-text: #ffc9c6;
    --shadow: 0 1px 2px rgba(0, 0, 0, 0.3), 0 8px 24px rgba(0, 0, 0, 0.3);
  }
}

*,
*::before,
*::after {
  box-sizing: border-box;
}

html {
  -webkit-text-size-adjust: 100%;
  text-size-adjust: 100%;
}

body {
  margin: 0;
  min-height: 100vh;
  display: flex;
  flex-direction: column;
  align-items: center;
  padding: 3rem 1rem;
  background: var(--bg);
  color: var(--text);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
  font-size: 1rem;
  line-height: 1.5;
}

.site-header,
.card {
  width: 100%;
  max-width: 27rem;
}

.site-header {
  display: flex;
  align-items: center;
  gap: 0.5rem;
  margin-bottom: 1rem;
  padding: 0 0.25rem;
  font-weight: 600;
  letter-spacing: 0.01em;
  color: var(--muted);
}

.site-logo {
  height: 1.75rem;
  width: auto;
}

.card {
  background: var(--surface);
  border: 1px solid var(--border);
  border-radius: var(--radius);
  box-shadow: var(--shadow);
  padding: 2rem;
}

h1 {
  margin: 0 0 0.5rem;
  font-size: 1.5rem;
  line-height: 1.25;
  font-weight: 650;
  overflow-wrap: anywhere;
}

h2 {
  margin: 1.5rem 0 0.5rem;
  font-size: 1rem;
  font-weight: 600;
}

p {
  margin: 0 0 1rem;
  overflow-wrap: anywhere;
}

.lede,
.muted {
  color: var(--muted);
}

.small {
  font-size: 0.875rem;
}

a {
  color: var(--primary);
  text-underline-offset: 0.15em;
}

a:hover {
  color: var(--primary-hover);
}

code {
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 0.85em;
  background: var(--code-bg);
  border-radius: 4px;
  padding: 0.1em 0.35em;
  overflow-wrap: anywhere;
}

:focus-visible {
  outline: 3px solid var(--focus);
  outline-offset: 2px;
}

.alert {
  margin: 1rem 0;
  padding: 0.75rem 1rem;
  border: 1px solid var(--alert-border);
  border-radius: 8px;
  background: var(--alert-bg);
  color: var(--alert-text);
}

.form {
  margin-top: 1.5rem;
}

.field {
  margin-bottom: 1rem;
}

label {
  display: block;
  margin-bottom: 0.375rem;
  font-weight: 600;
  font-size: 0.9375rem;
}

input[type="text"],
input[type="password"] {
  display: block;
  width: 100%;
  min-height: 2.75rem;
  padding: 0.5rem 0.75rem;
  border: 1px solid var(--field-border);
  border-radius: 8px;
  background: var(--surface);
  color: var(--text);
  font: inherit;
}

input[type="text"]:focus-visible,
input[type="password"]:focus-visible {
  outline-offset: 0;
  border-color: var(--focus);
}

.button {
  display: inline-flex;
  align-items: center;
  justify-content: center;
  min-height: 2.75rem;
  padding: 0.5rem 1.25rem;
  border: 1px solid transparent;
  border-radius: 8px;
  font: inherit;
  font-weight: 600;
  cursor: pointer;
}

.button-primary {
  background: var(--primary);
  border-color: var(--primary);
  color: var(--on-primary);
}

.button-primary:hover {
  background: var(--primary-hover);
  border-color: var(--primary-hover);
}

.button-secondary {
  background: var(--secondary-bg);
  border-color: var(--field-border);
  color: var(--text);
}

.button-secondary:hover {
  background: var(--secondary-hover);
}

.button-block {
  width: 100%;
  margin-top: 0.5rem;
}

.actions {
  display: flex;
  gap: 0.75rem;
  margin-top: 1.5rem;
}

.actions .button {
  flex: 1 1 0;
}

.link-button {
  padding: 0;
  border: 0;
  background: none;
  color: var(--primary);
  font: inherit;
  text-decoration: underline;
  text-underline-offset: 0.15em;
  cursor: pointer;
}

.link-button:hover {
  color: var(--primary-hover);
}

.scopes {
  list-style: none;
  margin: 0;
  padding: 0;
  border: 1px solid var(--border);
  border-radius: 8px;
}

.scope {
  padding: 0.75rem 1rem;
}

.scope + .scope {
  border-top: 1px solid var(--border);
}

.scope-description {
  display: block;
  overflow-wrap: anywhere;
}

.scope-name {
  display: block;
  margin-top: 0.125rem;
  color: var(--muted);
  font-size: 0.875rem;
}

.redirect-note {
  margin: 1.25rem 0 0;
  color: var(--muted);
  font-size: 0.9375rem;
}

.redirect-note strong {
  color: var(--text);
  overflow-wrap: anywhere;
}

.switch-account {
  margin: 1.5rem 0 0;
  padding-top: 1rem;
  border-top: 1px solid var(--border);
  color: var(--muted);
  font-size: 0.9375rem;
}

.switch-account p {
  margin: 0;
}

.error-code {
  margin: 1.5rem 0 0;
  color: var(--muted);
  font-size: 0.875rem;
}

/* The account page: apps with access, each a bordered row with its own "Remove access". */
a.button {
  text-decoration: none;
}

.notice {
  margin: 1rem 0;
  padding: 0.75rem 1rem;
  border: 1px solid var(--border);
  border-left: 4px solid var(--primary);
  border-radius: 8px;
  background: var(--code-bg);
}

.account-section {
  margin-top: 1rem;
  border-top: 1px solid var(--border);
}

.account-section > .form {
  margin-top: 1rem;
}

/* Two actions side by side on a narrow card: keep "Remove access" on one line. */
.actions .button {
  padding-left: 0.75rem;
  padding-right: 0.75rem;
}

.apps,
.app-scopes,
.app-names {
  margin: 0;
  padding: 0;
  list-style: none;
}

.app {
  padding: 1rem 0;
}

.app + .app {
  border-top: 1px solid var(--border);
}

.app-name {
  margin: 0 0 0.375rem;
  font-size: 1.0625rem;
  overflow-wrap: anywhere;
}

.app-scopes li,
.app-names li {
  margin-bottom: 0.25rem;
  overflow-wrap: anywhere;
}

.app-meta,
.field-hint {
  margin: 0.5rem 0 0.75rem;
  color: var(--muted);
  font-size: 0.875rem;
}

.field-hint {
  margin: 0.375rem 0 0;
}

.account-footer {
  margin: 1.5rem 0 0;
}

.visually-hidden {
  position: absolute;
  width: 1px;
  height: 1px;
  overflow: hidden;
  clip-path: inset(50%);
  white-space: nowrap;
}

/* Admin console: wider than the sign-in card, for tables. */
body:has(.admin-nav) .site-header,
body:has(.admin-nav) .card {
  max-width: 64rem;
}

.admin-nav {
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  gap: 0.25rem 1rem;
  margin: -0.5rem 0 1.5rem;
  padding-bottom: 1rem;
  border-bottom: 1px solid var(--border);
}

.admin-nav a[aria-current="page"] {
  font-weight: 700;
  text-decoration-thickness: 2px;
}

.admin-home {
  font-weight: 700;
}

.admin-who {
  margin-left: auto;
  color: var(--muted);
  font-size: 0.875rem;
}

.admin-links li + li {
  margin-top: 0.5rem;
}

.input-text,
textarea {
  display: block;
  width: 100%;
  min-height: 2.75rem;
  padding: 0.5rem 0.75rem;
  border: 1px solid var(--field-border);
  border-radius: 8px;
  background: var(--surface);
  color: var(--text);
  font: inherit;
}

.input-text:focus-visible,
textarea:focus-visible {
  outline-offset: 0;
  border-color: var(--focus);
}

.mono {
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 0.875rem;
}

fieldset {
  margin: 0 0 1rem;
  padding: 0.75rem 1rem;
  border: 1px solid var(--border);
  border-radius: 8px;
}

legend {
  padding: 0 0.25rem;
  font-weight: 600;
  font-size: 0.9375rem;
}

label.check {
  display: flex;
  align-items: center;
  gap: 0.5rem;
  margin: 0.25rem 0;
  font-weight: 400;
}

.admin-toolbar,
.search,
.filters,
.copy-row,
.pager {
  display: flex;
  flex-wrap: wrap;
  align-items: flex-end;
  gap: 0.75rem;
}

.admin-toolbar {
  justify-content: space-between;
  margin-bottom: 1rem;
}

.search .input-text {
  width: 16rem;
}

.filters .field {
  margin: 0;
  flex: 1 1 10rem;
}

.copy-row .input-text {
  flex: 1 1 auto;
  width: auto;
}

.pager {
  margin-top: 1rem;
}

.admin-table {
  width: 100%;
  border-collapse: collapse;
  margin-top: 1rem;
  font-size: 0.9375rem;
}

.admin-table th,
.admin-table td {
  padding: 0.5rem;
  border-bottom: 1px solid var(--border);
  text-align: left;
  vertical-align: top;
}

.admin-table .details {
  max-width: 22rem;
  overflow-wrap: anywhere;
  font-size: 0.8125rem;
  color: var(--muted);
}

.admin-table .details pre {
  margin: 0.25rem 0 0;
  white-space: pre-wrap;
}

.badge-off {
  color: var(--alert-text);
  font-weight: 600;
}

.claims {
  display: grid;
  grid-template-columns: max-content 1fr;
  gap: 0.25rem 1rem;
}

.claims dd {
  margin: 0;
  overflow-wrap: anywhere;
}

@media (max-width: 48rem) {
  .admin-table {
    display: block;
    overflow-x: auto;
  }
}

@media (max-width: 30rem) {
  body {
    padding: 1.25rem 0.75rem;
  }

  .card {
    padding: 1.5rem 1.25rem;
  }

  h1 {
    font-size: 1.3125rem;
  }
}

@media (forced-colors: active) {
  .button,
  .scopes,
  .card {
    border: 1px solid CanvasText;
  }
}
`;
