import { describe, expect, it } from 'vitest';
import { OAuthError } from '../errors.js';
import type { StandardClaims } from '../types.js';
import {
  applyProfileUpdate,
  CLAIM_MAX_LENGTH,
  PROFILE_CLAIMS,
  parseProfileInput,
  parseProfileUpdate,
  sanitizeClaims,
} from './standard-claims.js';

const ALICE: StandardClaims = {
  name: 'Alice Liddell',
  given_name: 'Alice',
  family_name: 'Liddell',
  middle_name: 'Pleasance',
  nickname: 'Al',
  profile: 'https://alice.example.com/about',
  picture: 'https://alice.example.com/me.png',
  website: 'http://localhost:8080/',
  gender: 'female',
  birthdate: '1852-05-04',
  zoneinfo: 'Europe/London',
  locale: 'en-GB',
  email: 'alice@example.com',
  email_verified: true,
  phone_number: '+44 20 7946 0000',
  phone_number_verified: false,
  address: {
    formatted: 'Christ Church\nOxford OX1 1DP\nUnited Kingdom',
    street_address: 'St Aldates',
    locality: 'Oxford',
    region: 'Oxfordshire',
    postal_code: 'OX1 1DP',
    country: 'United Kingdom',
  },
};

/** The OAuthError parseProfileInput throws, checked to be invalid_request. */
function rejection(input: unknown): string {
  try {
    parseProfileInput(input);
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as OAuthError).code).toBe('invalid_request');
    expect((error as OAuthError).status).toBe(400);
    return (error as OAuthError).description ?? '';
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe('sanitizeClaims', () => {
  it('keeps a well-formed profile as it is', () => {
    expect(sanitizeClaims(ALICE)).toEqual(ALICE);
  });

  it.each([null, undefined, 'a string', 42, true, ['name'], [ALICE]])('reads %j as an empty profile', (v) => {
    expect(sanitizeClaims(v)).toEqual({});
  });

  it('drops unknown claims and claims of the wrong type, keeping the rest', () => {
    const damaged = {
      name: 'Alice',
      given_name: 7,
      email: ['alice@example.com'],
      email_verified: 'true',
      phone_number_verified: true,
      sub: 'someone-else',
      preferred_username: 'mallory',
      updated_at: 1,
      constructor: 'x',
    };
    expect(sanitizeClaims(damaged)).toEqual({ name: 'Alice', phone_number_verified: true });
  });

  it('reads own properties only', () => {
    const inherited = Object.assign(Object.create({ given_name: 'Mallory', address: { locality: 'X' } }), {
      name: 'Alice',
    });
    expect(sanitizeClaims(inherited)).toEqual({ name: 'Alice' });
    expect(sanitizeClaims(JSON.parse('{"__proto__": {"name": "Mallory"}, "nickname": "Al"}'))).toEqual({
      nickname: 'Al',
    });
  });

  it('keeps only the string fields of an address, and drops an address left empty', () => {
    expect(sanitizeClaims({ address: { locality: 'Oxford', country: 3, planet: 'Earth' } })).toEqual({
      address: { locality: 'Oxford' },
    });
    expect(sanitizeClaims({ address: { country: 3 } })).toEqual({});
    expect(sanitizeClaims({ address: 'Oxford' })).toEqual({});
    expect(sanitizeClaims({ address: ['Oxford'] })).toEqual({});
  });

  it('returns a fresh object, never the input', () => {
    const input = { name: 'Alice' };
    const out = sanitizeClaims(input);
    expect(out).not.toBe(input);
    (out as Record<string, unknown>).name = 'changed';
    expect(input.name).toBe('Alice');
  });
});

describe('parseProfileInput', () => {
  it('accepts every standard claim in its documented form', () => {
    expect(parseProfileInput(ALICE)).toEqual(ALICE);
  });

  it('accepts no profile, an empty one, and treats null, "" and undefined as not given', () => {
    expect(parseProfileInput(undefined)).toEqual({});
    expect(parseProfileInput(null)).toEqual({});
    expect(parseProfileInput({})).toEqual({});
    expect(
      parseProfileInput({ name: null, nickname: '', gender: undefined, address: { region: null } }),
    ).toEqual({});
  });

  it('lists every claim it knows', () => {
    expect(PROFILE_CLAIMS).toHaveLength(17);
    for (const name of PROFILE_CLAIMS) expect(Object.keys(ALICE)).toContain(name);
  });

  it.each([
    ['a string', 'profile: must be an object of claims'],
    [['name'], 'profile: must be an object of claims'],
    [42, 'profile: must be an object of claims'],
  ])('rejects a profile that is not an object: %j', (input, message) => {
    expect(rejection(input)).toBe(message);
  });

  it('names unknown claims, and the ones Latchkey sets itself', () => {
    expect(rejection({ shoe_size: '38' })).toBe('shoe_size: unknown claim');
    expect(rejection({ Name: 'Alice' })).toBe('Name: unknown claim');
    expect(rejection({ preferred_username: 'al' })).toBe(
      'preferred_username: is always the user name and cannot be set',
    );
    expect(rejection({ sub: 'x' })).toBe('sub: is set by Latchkey and cannot be set');
    expect(rejection({ updated_at: 1 })).toBe('updated_at: is set by Latchkey and cannot be set');
    expect(rejection({ address: { planet: 'Earth' } })).toMatch(/^address\.planet: unknown address field/);
  });

  it.each([
    [{ name: 42 }, 'name: must be a string'],
    [{ given_name: ['Alice'] }, 'given_name: must be a string'],
    [{ gender: true }, 'gender: must be a string'],
    [{ email_verified: 'true' }, 'email_verified: must be true or false'],
    [{ phone_number_verified: 1 }, 'phone_number_verified: must be true or false'],
    [{ address: 'Oxford' }, 'address: must be an object of address fields'],
    [{ address: ['Oxford'] }, 'address: must be an object of address fields'],
    [{ address: { locality: 7 } }, 'address.locality: must be a string'],
  ])('rejects a wrong type: %j', (input, message) => {
    expect(rejection(input)).toBe(message);
  });

  it('limits every string, address fields included, to CLAIM_MAX_LENGTH characters', () => {
    const long = 'x'.repeat(CLAIM_MAX_LENGTH + 1);
    expect(parseProfileInput({ name: 'x'.repeat(CLAIM_MAX_LENGTH) }).name).toHaveLength(CLAIM_MAX_LENGTH);
    expect(rejection({ nickname: long })).toBe(`nickname: must be at most ${CLAIM_MAX_LENGTH} characters`);
    expect(rejection({ address: { country: long } })).toBe(
      `address.country: must be at most ${CLAIM_MAX_LENGTH} characters`,
    );
    expect(rejection({ website: `https://example.com/${long}` })).toMatch(/^website: must be at most/);
  });

  it('rejects control characters, except line breaks in the two multi-line address fields', () => {
    expect(rejection({ name: 'Alice\nLiddell' })).toBe('name: must not contain control characters');
    expect(rejection({ nickname: 'Al\u001b[31m' })).toBe('nickname: must not contain control characters');
    expect(rejection({ address: { locality: 'Ox\nford' } })).toBe(
      'address.locality: must not contain control characters',
    );
    expect(rejection({ address: { formatted: 'a\tb' } })).toBe(
      'address.formatted: must not contain control characters',
    );
    const lines = { formatted: 'a\r\nb\nc', street_address: '1 High St\nFlat 2' };
    expect(parseProfileInput({ address: lines }).address).toEqual(lines);
  });

  it.each([
    'alice',
    'alice@',
    '@example.com',
    'alice@example',
    'al ice@example.com',
    'a@b@example.com',
    'a@example..com',
  ])('rejects the email %j', (email) => {
    expect(rejection({ email })).toBe('email: must be an email address');
  });

  it.each(['a.b+tag@mail.example.co.uk', 'ALICE@EXAMPLE.COM'])('accepts the email %j', (email) => {
    expect(parseProfileInput({ email }).email).toBe(email);
  });

  it.each(['+1 (425) 555-1212', '+442079460000', '020 7946 0000', '555'])(
    'accepts the phone number %j',
    (phone) => {
      expect(parseProfileInput({ phone_number: phone }).phone_number).toBe(phone);
    },
  );

  it.each(['call me', '+44 20 7946 0000 ext. 5', '12', '((( )))', '+', `+${'1'.repeat(41)}`])(
    'rejects the phone number %j',
    (phone) => {
      expect(rejection({ phone_number: phone })).toMatch(/^phone_number: must be a phone number/);
    },
  );

  it.each(['picture', 'website', 'profile'])('%s must be an https URL, or http on localhost', (claim) => {
    for (const ok of [
      'https://example.com/a.png',
      'http://localhost:3000/x',
      'http://127.0.0.1/x',
      'http://[::1]/',
    ]) {
      expect(parseProfileInput({ [claim]: ok })).toEqual({ [claim]: ok });
    }
    for (const bad of [
      'http://example.com/a.png',
      'javascript:alert(1)',
      'data:image/png;base64,AAAA',
      'ftp://example.com/',
    ]) {
      expect(rejection({ [claim]: bad })).toBe(`${claim}: must be an https URL (http only on localhost)`);
    }
    expect(rejection({ [claim]: 'example.com/a.png' })).toBe(`${claim}: must be an absolute https URL`);
    expect(rejection({ [claim]: 'http://localhost.evil.example/' })).toMatch(/must be an https URL/);
  });

  it.each(['1852-05-04', '1852', '0000-05-04', '0000-02-29', '2000-02-29', '1999-12-31'])(
    'accepts the birthdate %j (OIDC Core §5.1: YYYY-MM-DD, YYYY, year 0000 = not given)',
    (birthdate) => {
      expect(parseProfileInput({ birthdate }).birthdate).toBe(birthdate);
    },
  );

  it.each([
    ['04/05/1852', 'birthdate: must be YYYY or YYYY-MM-DD'],
    ['1852-5-4', 'birthdate: must be YYYY or YYYY-MM-DD'],
    ['1852-05', 'birthdate: must be YYYY or YYYY-MM-DD'],
    ['1852-05-04T00:00:00Z', 'birthdate: must be YYYY or YYYY-MM-DD'],
    ['１８５２', 'birthdate: must be YYYY or YYYY-MM-DD'],
    ['1852-13-01', 'birthdate: is not a calendar date'],
    ['1852-00-10', 'birthdate: is not a calendar date'],
    ['1852-04-31', 'birthdate: is not a calendar date'],
    ['1900-02-29', 'birthdate: is not a calendar date'],
    ['1852-05-00', 'birthdate: is not a calendar date'],
  ])('rejects the birthdate %j', (birthdate, message) => {
    expect(rejection({ birthdate })).toBe(message);
  });

  it.each(['en-US', 'fr-CA', 'en', 'de-CH-1996', 'zh-Hant-TW'])('accepts the locale %j', (locale) => {
    expect(parseProfileInput({ locale }).locale).toBe(locale);
  });

  it.each(['en_US', 'english', 'e', '-US', 'en-', 'en US', 'x-private', 'i-klingon'])(
    'rejects the locale %j',
    (locale) => {
      expect(rejection({ locale })).toBe('locale: must be a BCP 47 language tag such as en-US');
    },
  );

  it.each(['Europe/Paris', 'America/Los_Angeles', 'America/Argentina/Buenos_Aires', 'UTC', 'Etc/GMT+5'])(
    'accepts the time zone %j',
    (zoneinfo) => {
      expect(parseProfileInput({ zoneinfo }).zoneinfo).toBe(zoneinfo);
    },
  );

  it.each(['Europe/Atlantis', 'Paris', '+01:00', 'Europe/', '../etc/passwd', 'Europe Paris'])(
    'rejects the time zone %j',
    (zoneinfo) => {
      expect(rejection({ zoneinfo })).toBe('zoneinfo: must be a time zone such as Europe/Paris');
    },
  );
});

describe('parseProfileUpdate and applyProfileUpdate', () => {
  const current: StandardClaims = {
    name: 'Alice Liddell',
    nickname: 'Al',
    email: 'alice@example.com',
    email_verified: true,
    address: { street_address: 'St Aldates', locality: 'Oxford', country: 'UK' },
  };
  const apply = (change: unknown) => applyProfileUpdate(current, parseProfileUpdate(change));

  it('replaces the given claims and keeps the others', () => {
    expect(apply({ name: 'Alice P. Liddell', email_verified: false, locale: 'en-GB' })).toEqual({
      ...current,
      name: 'Alice P. Liddell',
      email_verified: false,
      locale: 'en-GB',
    });
  });

  it('removes a claim set to null or ""', () => {
    expect(apply({ nickname: null, email: '' })).toEqual({
      name: 'Alice Liddell',
      email_verified: true,
      address: current.address,
    });
    expect(apply({ email_verified: null })).not.toHaveProperty('email_verified');
  });

  it('changes the address field by field; address: null removes it all', () => {
    expect(
      apply({ address: { locality: 'London', street_address: null, postal_code: 'SW1A 1AA' } }).address,
    ).toEqual({ locality: 'London', country: 'UK', postal_code: 'SW1A 1AA' });
    expect(apply({ address: null })).not.toHaveProperty('address');
    expect(apply({ address: { street_address: '', locality: null, country: null } })).not.toHaveProperty(
      'address',
    );
  });

  it('reports what to set and what to remove', () => {
    expect(parseProfileUpdate({ name: 'A', nickname: null, address: { region: '', locality: 'X' } })).toEqual(
      {
        set: { name: 'A', address: { locality: 'X' } },
        unset: ['nickname', 'address.region'],
      },
    );
  });

  it('checks the update like a new profile, and leaves the current profile untouched', () => {
    expect(() => parseProfileUpdate({ email: 'nope' })).toThrow('email: must be an email address');
    expect(() => parseProfileUpdate({ preferred_username: null })).toThrow(/preferred_username/);
    const before = structuredClone(current);
    apply({ name: 'Changed', address: { locality: 'Paris' } });
    expect(current).toEqual(before);
  });
});
