/** The admin API's user shapes (see schemas.ts): claims by the names OIDC Core §5.1 gives them. */
import { z } from 'zod';
import { ADDRESS_FIELDS, BOOLEAN_CLAIMS, STRING_CLAIMS } from '../../protocol/oidc-core/standard-claims.js';
import { ID, named, page, SECONDS } from './schemas.js';

const stringClaims = (value: z.ZodType) =>
  Object.fromEntries(STRING_CLAIMS.map((c) => [c, value.optional()]));
const booleanClaims = (value: z.ZodType) =>
  Object.fromEntries(BOOLEAN_CLAIMS.map((c) => [c, value.optional()]));
const addressFields = (value: z.ZodType) =>
  Object.fromEntries(ADDRESS_FIELDS.map((f) => [f, value.optional()]));

export const Profile = named(
  'Profile',
  z.strictObject({
    ...stringClaims(z.string().max(2000)),
    ...booleanClaims(z.boolean()),
    address: z.strictObject(addressFields(z.string().max(2000))).optional(),
  }),
  'OpenID Connect standard claims (OIDC Core §5.1)',
);

export const ProfileUpdate = named(
  'ProfileUpdate',
  z.strictObject({
    ...stringClaims(z.string().max(2000).nullable()),
    ...booleanClaims(z.boolean().nullable()),
    address: z
      .strictObject(addressFields(z.string().max(2000).nullable()))
      .nullable()
      .optional(),
  }),
  'Claims to change: a value replaces the claim, null or "" removes it, an absent claim stays',
);

export const UserCreate = named(
  'UserCreate',
  z.strictObject({
    username: z.string().max(1000),
    password: z.string().max(10_000),
    is_admin: z.boolean().optional(),
    profile: Profile.optional(),
  }),
);

export const UserPatch = named(
  'UserPatch',
  z.strictObject({
    profile: ProfileUpdate.optional(),
    is_admin: z.boolean().optional(),
    disabled: z.boolean().optional().describe('true also ends every session, grant and token of the user'),
  }),
);

export const PasswordBody = named('Password', z.strictObject({ password: z.string().max(10_000) }));

export const User = named(
  'User',
  z.object({
    id: z.string(),
    username: z.string(),
    is_admin: z.boolean(),
    disabled: z.boolean(),
    profile: z.record(z.string(), z.unknown()).describe('OpenID Connect standard claims'),
    updated_at: SECONDS,
    created_at: SECONDS,
  }),
);

export const UserList = page('UserList', User);
export const UserParams = z.object({ id: ID });
export const SessionsEnded = named('SessionsEnded', z.object({ sessions_ended: z.number().int() }));
