/**
 * HTML that is escaped by default.
 *
 * Every page is built with the `html` tag: anything interpolated is escaped unless it is already
 * SafeHtml, so forgetting to escape a user name or a client name is impossible by construction.
 * Markup that is known to be safe must be wrapped explicitly with `raw()`, which makes every
 * exception easy to find in review.
 */

/**
 * Markup that is safe to emit as is. Only the type is exported, so `html` and `raw` stay the only
 * ways to create one.
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

/** What may be interpolated. `null`, `undefined` and `false` render as nothing, for `cond && html`. */
export type HtmlValue = string | number | SafeHtml | null | undefined | false | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for element content and for quoted attribute values (both quote styles), which
 * are the only two contexts the templates interpolate into.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

function renderValue(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.toString();
  if (Array.isArray(value)) return value.map(renderValue).join('');
  return escapeHtml(String(value));
}

/** Tagged template: the literal parts are trusted markup, every interpolated value is escaped. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) {
    out += renderValue(values[i]) + (strings[i + 1] ?? '');
  }
  return new SafeHtml(out);
}

/** Marks a string as trusted markup. Never pass anything that came from a request or the store. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/**
 * Returns the normalised URL when `value` is an absolute http: or https: URL, otherwise null.
 *
 * Escaping alone does not make a URL safe in an href: `javascript:` and `data:` URLs survive
 * escaping intact. Client metadata such as client_uri is supplied by whoever registered the
 * client, so it is checked here rather than trusted.
 */
export function safeHttpUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
}
