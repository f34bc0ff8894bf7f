/**
 * The example client's HTML.
 *
 * Everything interpolated with the `html` tag is escaped unless it is already SafeHtml, so an
 * error_description or an API value chosen by someone else can never inject markup. Pages carry no
 * inline script or style: the app sends `Content-Security-Policy: default-src 'self'`.
 */

class SafeHtml {
  readonly #markup: string;

  constructor(markup: string) {
    this.#markup = markup;
  }

  toString(): string {
    return this.#markup;
  }
}

export type { SafeHtml };

type HtmlValue = string | number | SafeHtml | null | undefined | false | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes for element content and quoted attribute values, the only contexts used here. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.toString();
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** Tagged template: literal parts are trusted markup, every interpolated value is escaped. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) {
    out += render(values[i]) + (strings[i + 1] ?? '');
  }
  return new SafeHtml(out);
}

function layout(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title} · Example app</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<header><a href="/">Example app</a> <span class="muted">a Latchkey client</span></header>
<main>
${body}
</main>
</body>
</html>
`.toString();
}

function logoutForm(csrf: string): SafeHtml {
  return html`<form method="post" action="/logout">
<input type="hidden" name="csrf" value="${csrf}">
<button type="submit" class="secondary">Log out</button>
</form>`;
}

export interface HomeView {
  issuer: string;
  /** Present when the visitor is signed in. */
  csrf?: string;
  /** Back from logging out at Latchkey (the state matched the one this browser sent). */
  signedOut?: boolean;
}

export function homePage(view: HomeView): string {
  const body = view.csrf
    ? html`<h1>You are signed in</h1>
<p>This app holds tokens from Latchkey in its server-side session.</p>
<p><a class="button" href="/profile">View your profile</a></p>
${logoutForm(view.csrf)}`
    : html`${
        view.signedOut
          ? html`<p class="notice" role="status"><strong>You are signed out.</strong> This app ended its session
and asked Latchkey to end yours there too.</p>`
          : ''
      }<h1>Welcome</h1>
<p>This app signs you in with your account at <code>${view.issuer}</code>.</p>
<p><a class="button" href="/login">Login with Latchkey</a></p>`;
  return layout('Home', body);
}

export interface ProfileView {
  /** The API's answer, already pretty-printed. */
  json: string;
  apiUrl: string;
  scope?: string;
  csrf: string;
  /** The ID token's claims, after an OpenID Connect sign-in. */
  idTokenClaims?: Readonly<Record<string, unknown>>;
  /** What the UserInfo endpoint answered, after an OpenID Connect sign-in. */
  userInfo?: { kind: 'ok'; claims: Readonly<Record<string, unknown>> } | { kind: 'failed'; reason: string };
}

// Claims whose value is a time in seconds since the epoch (OIDC Core §2, §5.1).
const TIME_CLAIMS = new Set(['exp', 'iat', 'auth_time', 'nbf', 'updated_at']);

/** "2025-06-01 12:00:00 UTC": times in UTC, so the page reads the same on every server. */
export function humanTime(seconds: number): string {
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function claimValue(name: string, value: unknown): SafeHtml {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const time = TIME_CLAIMS.has(name) && typeof value === 'number' ? humanTime(value) : '';
  return html`<code>${text}</code>${time && html` <span class="muted">${time}</span>`}`;
}

function claimsTable(id: string, claims: Readonly<Record<string, unknown>>): SafeHtml {
  const row = (name: string, value: unknown) =>
    html`<tr><th scope="row"><code>${name}</code></th><td>${claimValue(name, value)}</td></tr>\n`;
  const rows = Object.entries(claims).map(([name, value]) => row(name, value));
  return html`<table aria-labelledby="${id}">
<thead><tr><th scope="col">Claim</th><th scope="col">Value</th></tr></thead>
<tbody>
${rows}</tbody>
</table>`;
}

function idTokenSection(claims: Readonly<Record<string, unknown>>): SafeHtml {
  return html`<section>
<h2 id="id-token">ID token</h2>
<p>Latchkey signed this token at sign-in; openid-client checked its signature, issuer, audience,
expiry and nonce before the app kept it.</p>
${claimsTable('id-token', claims)}
</section>`;
}

function userInfoSection(userInfo: NonNullable<ProfileView['userInfo']>): SafeHtml {
  return html`<section>
<h2 id="userinfo">UserInfo</h2>
${
  userInfo.kind === 'ok'
    ? html`<p>Latchkey's UserInfo endpoint answered, with the claims your consent allows:</p>
${claimsTable('userinfo', userInfo.claims)}`
    : html`<p class="notice" role="status">The UserInfo request failed: <code>${userInfo.reason}</code></p>`
}
</section>`;
}

export function profilePage(view: ProfileView): string {
  return layout(
    'Profile',
    html`<h1>Your profile</h1>
${view.idTokenClaims ? idTokenSection(view.idTokenClaims) : ''}
${view.userInfo ? userInfoSection(view.userInfo) : ''}
<section>
<h2 id="api">Protected API</h2>
<p>The protected API at <code>${view.apiUrl}</code> answered:</p>
<pre>${view.json}</pre>
</section>
${
  view.idTokenClaims
    ? ''
    : html`<p class="muted">Signed in with plain OAuth (no <code>openid</code> scope): there is no ID token or UserInfo.</p>`
}
${view.scope ? html`<p class="muted">Granted scope: <code>${view.scope}</code></p>` : ''}
<p><a href="/">Home</a></p>
${logoutForm(view.csrf)}`,
  );
}

export interface ErrorView {
  title: string;
  message: string;
  /** Label and value pairs, e.g. the OAuth error code and description. */
  details?: ReadonlyArray<readonly [string, string | undefined]>;
  /** Offer a fresh login, for errors a new attempt can fix. */
  retry?: boolean;
}

export function errorPage(view: ErrorView): string {
  const details = (view.details ?? []).filter(([, value]) => value !== undefined && value !== '');
  return layout(
    view.title,
    html`<h1>${view.title}</h1>
<p>${view.message}</p>
${
  details.length > 0
    ? html`<dl>${details.map(([label, value]) => html`<dt>${label}</dt><dd><code>${value}</code></dd>`)}</dl>`
    : ''
}
<p>${view.retry ? html`<a class="button" href="/login">Try again</a> ` : ''}<a href="/">Home</a></p>`,
  );
}

export const STYLESHEET = `:root { font-family: system-ui, sans-serif; line-height: 1.5; }
body { max-width: 42rem; margin: 0 auto; padding: 1rem; }
header { display: flex; gap: 0.75rem; align-items: baseline; border-bottom: 1px solid #8884; padding-bottom: 0.5rem; }
header a { font-weight: 600; text-decoration: none; color: inherit; }
.muted { color: #595959; font-size: 0.9em; } /* 7:1 on white (WCAG AA needs 4.5:1) */
pre { background: #8881; border: 1px solid #8884; border-radius: 6px; padding: 0.75rem; overflow-x: auto; }
code { font-size: 0.95em; }
dt { font-weight: 600; }
dd { margin: 0 0 0.5rem 0; overflow-wrap: anywhere; }
.button, button { display: inline-block; padding: 0.5rem 1rem; border-radius: 6px; border: 1px solid #2563eb;
  background: #2563eb; color: #fff; text-decoration: none; font: inherit; cursor: pointer; margin: 0 0.5rem 0.5rem 0; }
button.secondary { background: transparent; color: inherit; border-color: #8886; }
h2 { font-size: 1.2rem; margin-top: 1.75rem; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1rem; table-layout: fixed; }
th, td { text-align: left; vertical-align: top; padding: 0.3rem 0.5rem; border-bottom: 1px solid #8884;
  overflow-wrap: anywhere; }
thead th { border-bottom-width: 2px; }
thead th:first-child { width: 12rem; }
tbody th { font-weight: normal; }
@media (max-width: 30rem) { thead th:first-child { width: 40%; } }
.notice { border: 1px solid #2563eb66; background: #2563eb14; border-radius: 6px; padding: 0.75rem; }
`;
