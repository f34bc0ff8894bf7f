/** User accounts: creation, their OpenID Connect claims, and the first-start admin. */
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../accounts/passwords.js';
import { randomId, randomToken } from '../crypto/random.js';
import { OAuthError } from '../protocol/errors.js';
import {
  applyProfileUpdate,
  parseProfileInput,
  parseProfileUpdate,
  type StandardClaimsUpdate,
} from '../protocol/oidc-core/standard-claims.js';
import type { StandardClaims, User } from '../protocol/types.js';
import { DuplicateKeyError } from '../store/ports.js';
import type { ServiceDeps } from './deps.js';

// Printable, no spaces or control characters: user names appear in pages, logs and tokens.
const USERNAME = /^[^\s\p{C}]{1,100}$/u;

export function checkUsername(username: unknown): string {
  if (typeof username !== 'string' || !USERNAME.test(username)) {
    throw new OAuthError(
      'invalid_request',
      'username must be 1-100 characters without spaces or control characters',
    );
  }
  return username;
}

export function checkPassword(password: unknown): string {
  if (
    typeof password !== 'string' ||
    password.length < PASSWORD_MIN_LENGTH ||
    password.length > PASSWORD_MAX_LENGTH
  ) {
    throw new OAuthError(
      'invalid_request',
      `password must be ${PASSWORD_MIN_LENGTH}-${PASSWORD_MAX_LENGTH} characters`,
    );
  }
  return password;
}

export interface NewUser {
  username: string;
  password: string;
  /** OIDC standard claims (OIDC Core §5.1), checked by parseProfileInput. */
  profile?: StandardClaims;
}

export async function createUser(deps: ServiceDeps, input: NewUser): Promise<User> {
  const username = checkUsername(input.username);
  const password = checkPassword(input.password);
  // Checked before anything is hashed or written: a bad claim leaves no account behind.
  const profile = parseProfileInput(input.profile);
  const taken = () => new OAuthError('invalid_request', `A user named ${username} already exists`);
  // The lookup spares an argon2 hash in the common case; the unique insert decides a race.
  if (await deps.store.users.findByUsername(username)) throw taken();
  const now = deps.clock.now();
  const user: User = { id: randomId(), username, disabled: false, profile, updatedAt: now, createdAt: now };
  try {
    await deps.store.users.create({ ...user, passwordHash: await hashPassword(password) });
  } catch (error) {
    throw error instanceof DuplicateKeyError ? taken() : error;
  }
  return user;
}

/** The account without its password hash, for display; not_found when there is none. */
export async function getUser(deps: ServiceDeps, username: string): Promise<User> {
  const record = await deps.store.users.findByUsername(username);
  if (!record) throw noSuchUser(username);
  const { passwordHash: _, ...user } = record;
  return user;
}

/**
 * Changes some of a user's claims: each given claim replaces the stored one, null or "" removes
 * it, the others stay (address fields likewise, one by one). `updated_at` becomes now.
 *
 * Read, merge, write: two administrators editing the same user at the same moment can lose one
 * edit, as with any form. Nothing is written unless the whole change is valid.
 */
export async function updateUserProfile(
  deps: ServiceDeps,
  username: string,
  change: StandardClaimsUpdate,
): Promise<User> {
  const update = parseProfileUpdate(change);
  const current = await getUser(deps, username);
  const profile = applyProfileUpdate(current.profile, update);
  const updatedAt = deps.clock.now();
  if (!(await deps.store.users.updateProfile(current.id, profile, updatedAt))) throw noSuchUser(username);
  return { ...current, profile, updatedAt };
}

const noSuchUser = (username: string) => new OAuthError('not_found', `No user named ${username}`);

/**
 * On the first start with an empty database, creates the admin account. Returns the generated
 * password (to be printed once) when none was configured, null when it was, undefined when there
 * were users already.
 */
export async function ensureAdminUser(
  deps: ServiceDeps,
  options: { profile?: StandardClaims } = {},
): Promise<{ username: string; password: string | null } | undefined> {
  if ((await deps.store.users.count()) > 0) return undefined;
  const configured = deps.config.admin.password;
  const password = configured ?? randomToken(12);
  await createUser(deps, { username: deps.config.admin.username, password, profile: options.profile });
  return { username: deps.config.admin.username, password: configured ? null : password };
}
