/**
 * OpenID Connect Core 1.0 §5.1 (standard claims) and §5.1.1 (the address claim): what a user's
 * profile may hold and in which form. `sub`, `preferred_username` (the user name) and `updated_at`
 * are not part of it: Latchkey derives them.
 *
 * Two readers: `parseProfileInput` / `parseProfileUpdate` check what an administrator types and
 * reject anything doubtful with a message naming the field; `sanitizeClaims` reads what the store
 * holds and never throws, keeping whatever is well-typed, so one damaged row cannot break sign-in.
 */

import { OAuthError } from '../errors.js';
import { isLoopbackHost } from '../rfc6749/redirect-uri.js';
import type { AddressClaim, StandardClaims } from '../types.js';

type StringClaim = {
  [K in keyof StandardClaims]-?: StandardClaims[K] extends string | undefined ? K : never;
}[keyof StandardClaims];
type BooleanClaim = 'email_verified' | 'phone_number_verified';
export type AddressField = keyof AddressClaim;
export type StandardClaimName = keyof StandardClaims;

export const STRING_CLAIMS: readonly StringClaim[] = [
  'name',
  'given_name',
  'family_name',
  'middle_name',
  'nickname',
  'profile',
  'picture',
  'website',
  'gender',
  'birthdate',
  'zoneinfo',
  'locale',
  'email',
  'phone_number',
];
export const BOOLEAN_CLAIMS: readonly BooleanClaim[] = ['email_verified', 'phone_number_verified'];
export const ADDRESS_FIELDS: readonly AddressField[] = [
  'formatted',
  'street_address',
  'locality',
  'region',
  'postal_code',
  'country',
];
/** Every claim a profile may hold, in the order §5.1 lists them. */
export const PROFILE_CLAIMS: readonly StandardClaimName[] = [...STRING_CLAIMS, ...BOOLEAN_CLAIMS, 'address'];

/** Longest value of any string claim or address field: enough for any real name or URL, bounded for tokens. */
export const CLAIM_MAX_LENGTH = 500;

/**
 * A change to a profile: a value replaces the claim, null or "" removes it, an absent claim stays.
 * The address changes field by field the same way; `address: null` removes all of it.
 */
export type StandardClaimsUpdate = {
  [K in Exclude<StandardClaimName, 'address'>]?: StandardClaims[K] | null | '';
} & { address?: { [K in AddressField]?: string | null } | null | '' };

export interface ProfileUpdate {
  set: StandardClaims;
  /** Claims to remove; `address.<field>` removes one address field. */
  unset: string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
// Own properties only: nothing may come from a prototype.
const own = (record: Record<string, unknown>, key: string): unknown =>
  Object.hasOwn(record, key) ? record[key] : undefined;
const has = (list: readonly string[], name: string) => list.includes(name);

/** The well-typed part of a stored profile; anything else (a hand-edited or damaged row) is dropped. */
export function sanitizeClaims(value: unknown): StandardClaims {
  if (!isRecord(value)) return {};
  const out: Record<string, unknown> = {};
  for (const name of STRING_CLAIMS) if (typeof own(value, name) === 'string') out[name] = value[name];
  for (const name of BOOLEAN_CLAIMS) if (typeof own(value, name) === 'boolean') out[name] = value[name];
  const stored = own(value, 'address');
  if (isRecord(stored)) {
    const address: Record<string, string> = {};
    for (const field of ADDRESS_FIELDS) {
      const v = own(stored, field);
      if (typeof v === 'string') address[field] = v;
    }
    if (Object.keys(address).length > 0) out.address = address;
  }
  return out as StandardClaims;
}

/** A new user's profile: every claim checked; null or "" means "not given". */
export function parseProfileInput(input: unknown): StandardClaims {
  return parseProfileUpdate(input).set;
}

/** A change to a profile (see StandardClaimsUpdate), checked claim by claim. */
export function parseProfileUpdate(input: unknown): ProfileUpdate {
  if (input === undefined || input === null) return { set: {}, unset: [] };
  if (!isRecord(input)) throw invalid('profile', 'must be an object of claims');
  const set: Record<string, unknown> = {};
  const unset: string[] = [];
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (!has(PROFILE_CLAIMS, name)) throw invalid(name, unknownClaimProblem(name));
    if (value === null || value === '') {
      unset.push(name);
    } else if (name === 'address') {
      const address = parseAddress(value);
      if (Object.keys(address.set).length > 0) set.address = address.set;
      unset.push(...address.unset);
    } else if (has(BOOLEAN_CLAIMS, name)) {
      if (typeof value !== 'boolean') throw invalid(name, 'must be true or false');
      set[name] = value;
    } else {
      set[name] = checkString(name, value);
    }
  }
  return { set: set as StandardClaims, unset };
}

/**
 * The profile after an update: given claims replace the stored ones, removed ones go, the rest
 * stay. Address fields merge one by one, so changing the city keeps the street.
 */
export function applyProfileUpdate(current: StandardClaims, update: ProfileUpdate): StandardClaims {
  const next: Record<string, unknown> = { ...current };
  let address: Record<string, string> = { ...(current.address ?? {}) };
  for (const name of update.unset) {
    if (name === 'address') address = {};
    else if (name.startsWith('address.')) delete address[name.slice('address.'.length)];
    else delete next[name];
  }
  for (const [name, value] of Object.entries(update.set)) {
    if (name === 'address') address = { ...address, ...(value as AddressClaim) };
    else next[name] = value;
  }
  delete next.address;
  if (Object.keys(address).length > 0) next.address = address;
  return sanitizeClaims(next);
}

function parseAddress(value: unknown): { set: AddressClaim; unset: string[] } {
  if (!isRecord(value)) throw invalid('address', 'must be an object of address fields');
  const set: Record<string, string> = {};
  const unset: string[] = [];
  for (const [field, v] of Object.entries(value)) {
    const name = `address.${field}`;
    if (v === undefined) continue;
    if (!has(ADDRESS_FIELDS, field))
      throw invalid(name, `unknown address field (one of ${ADDRESS_FIELDS.join(', ')})`);
    if (v === null || v === '') unset.push(name);
    else set[field] = checkString(name, v);
  }
  return { set, unset };
}

function unknownClaimProblem(name: string): string {
  if (name === 'preferred_username') return 'is always the user name and cannot be set';
  if (name === 'sub' || name === 'updated_at') return 'is set by Latchkey and cannot be set';
  return 'unknown claim';
}

// §5.1.1: formatted and street_address MAY span lines ("\r\n" or "\n"); nothing else may hold controls.
const MULTILINE = ['address.formatted', 'address.street_address'];
const CONTROL = /\p{Cc}/u;
const CONTROL_BUT_NEWLINES = /[^\P{Cc}\r\n]/u;

function checkString(name: string, value: unknown): string {
  if (typeof value !== 'string') throw invalid(name, 'must be a string');
  if (value.length > CLAIM_MAX_LENGTH) throw invalid(name, `must be at most ${CLAIM_MAX_LENGTH} characters`);
  if ((has(MULTILINE, name) ? CONTROL_BUT_NEWLINES : CONTROL).test(value)) {
    throw invalid(name, 'must not contain control characters');
  }
  const problem = FORMATS[name]?.(value);
  if (problem) throw invalid(name, problem);
  return value;
}

/** Per-claim format checks: each returns what is wrong, or null. */
const FORMATS: Record<string, (value: string) => string | null> = {
  email: (v) => (/^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(v) ? null : 'must be an email address'),
  // §5.1 recommends E.164 (+1 (425) 555-1212): a loose check that still rejects words.
  phone_number: (v) =>
    /^\+?[0-9 ()-]{3,40}$/.test(v) && (v.match(/[0-9]/g)?.length ?? 0) >= 3
      ? null
      : 'must be a phone number such as +44 20 7946 0000',
  profile: webUrl,
  picture: webUrl,
  website: webUrl,
  birthdate: birthdate,
  locale: (v) => (isLanguageTag(v) ? null : 'must be a BCP 47 language tag such as en-US'),
  zoneinfo: (v) => (isTimeZone(v) ? null : 'must be a time zone such as Europe/Paris'),
};

// Pages and client apps show these URLs: https only, so none can be script or a plain-text leak.
function webUrl(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute https URL';
  }
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return null;
  return 'must be an https URL (http only on localhost)';
}

// §5.1: ISO 8601 YYYY-MM-DD, or YYYY alone; year 0000 means the year is not given.
function birthdate(value: string): string | null {
  const m = /^(\d{4})(?:-(\d{2})-(\d{2}))?$/.exec(value);
  if (!m) return 'must be YYYY or YYYY-MM-DD';
  if (m[2] === undefined) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  // Year 0000 counts as a leap year, so a birthday of 29 February can be given without the year.
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days ? null : 'is not a calendar date';
}

// §5.1: "a BCP47 [RFC5646] language tag", typically language-COUNTRY. The shape check keeps out
// what Intl would accept but no client expects (grandfathered or private-use-only tags).
function isLanguageTag(value: string): boolean {
  if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(value)) return false;
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
}

// §5.1: "from the zoneinfo time zone database", e.g. Europe/Paris. Names only: no UTC offsets.
function isTimeZone(value: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function invalid(field: string, problem: string): OAuthError {
  return new OAuthError('invalid_request', `${field}: ${problem}`);
}
