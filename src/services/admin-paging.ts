/**
 * Paging for the admin lists (clients, users): keyset pages in key order, so a page stays right
 * while rows are added or deleted, and a cursor that is the last key seen, base64url-encoded so it
 * travels in a query string whatever characters a user name holds.
 */
import { OAuthError } from '../protocol/errors.js';
import type { PageFilter } from '../store/ports.js';

export interface PageQuery {
  /** Part of a name or id, any case. */
  search?: string | undefined;
  /** 1 to PAGE_LIMIT_MAX; default PAGE_LIMIT_DEFAULT. */
  limit?: number | string | undefined;
  /** `nextCursor` of the page before. */
  cursor?: string | undefined;
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

export const PAGE_LIMIT_DEFAULT = 50;
export const PAGE_LIMIT_MAX = 200;
const SEARCH_MAX = 100;
const KEY_MAX = 200;

const invalid = (field: string, problem: string) => new OAuthError('invalid_request', `${field}: ${problem}`);

function parseLimit(raw: number | string | undefined): number {
  if (raw === undefined || raw === '') return PAGE_LIMIT_DEFAULT;
  const n = typeof raw === 'number' ? raw : /^\d{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > PAGE_LIMIT_MAX)
    throw invalid('limit', `must be a whole number from 1 to ${PAGE_LIMIT_MAX}`);
  return n;
}

function parseCursor(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const key =
    typeof raw === 'string' && raw.length <= 400 ? Buffer.from(raw, 'base64url').toString('utf8') : '';
  // Re-encoding must give the same text: anything else was not made by encodeCursor.
  if (key === '' || key.length > KEY_MAX || encodeCursor(key) !== raw)
    throw invalid('cursor', 'is not a cursor this server returned');
  return key;
}

export const encodeCursor = (key: string): string => Buffer.from(key, 'utf8').toString('base64url');

/** Checks a page query from the outside world; bad input is invalid_request naming the field. */
export function parsePageQuery(query: PageQuery = {}): PageFilter {
  const { search } = query;
  if (search !== undefined && (typeof search !== 'string' || search.length > SEARCH_MAX))
    throw invalid('search', `must be at most ${SEARCH_MAX} characters`);
  const after = parseCursor(query.cursor);
  return {
    limit: parseLimit(query.limit),
    ...(search ? { search } : {}),
    ...(after !== undefined ? { after } : {}),
  };
}

/** One page through `fetch`, asking one row more than shown to learn whether another page exists. */
export async function fetchPage<T>(
  query: PageQuery,
  fetch: (filter: PageFilter) => Promise<T[]>,
  keyOf: (item: T) => string,
): Promise<Page<T>> {
  const filter = parsePageQuery(query);
  const rows = await fetch({ ...filter, limit: filter.limit + 1 });
  const items = rows.slice(0, filter.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > filter.limit && last ? encodeCursor(keyOf(last)) : null };
}
